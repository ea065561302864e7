// store-launch exec: a new process in a running container. Every namespace of the plan's
// target is joined (its user namespace first, when the container has one of its own), then its
// root; the process is forked into the container's PID namespace and takes the same steps as
// the container's first one (process.c). This process stays outside, in the host's PID
// namespace, as the relay (relay.c): nothing of it is visible inside. It is not dumpable, so no
// container process can ptrace it or open its /proc files (CVE-2019-5736 went through those).

#include "launch.h"
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

struct ns {
  int flag;
  const char *name;
};

// Order: user first (it gives the rights for the rest); mnt last but one, pid last (pid only
// applies to children, mnt changes how /proc paths resolve, so every fd is opened before).
static const struct ns ORDER[] = {
  {CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"}, {CLONE_NEWNET, "net"},
  {CLONE_NEWPID, "pid"}, {CLONE_NEWNS, "mnt"},
};
#define NNS (sizeof ORDER / sizeof *ORDER)

static int same_ns(pid_t pid, const char *name) {
  char a[64], b[64];
  struct stat sa, sb;
  snprintf(a, sizeof a, "/proc/self/ns/%s", name);
  snprintf(b, sizeof b, "/proc/%d/ns/%s", (int)pid, name);
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

static int fail(const char *what) {
  fprintf(stderr, "store: %s: %s\n", what, strerror(errno));
  return 126;
}

int exec_main(const char *plan_path) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  struct plan p;
  if (read_plan(plan_path, &p) < 0) return fail("cannot read the exec plan");
  if (!p.target) {
    errno = EINVAL;
    return fail("the exec plan names no container process");
  }
  int want = p.ns | CLONE_NEWNS | CLONE_NEWPID | (p.userns ? CLONE_NEWUSER : 0);
  int fds[NNS];
  char path[64];
  for (size_t i = 0; i < NNS; i++) {
    fds[i] = -1;
    if (!(want & ORDER[i].flag)) continue;
    // setns into the namespace we are in already fails for a user namespace: skip that one.
    if (ORDER[i].flag == CLONE_NEWUSER && same_ns(p.target, "user")) continue;
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)p.target, ORDER[i].name);
    if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) return fail("cannot open the container's namespaces");
  }
  snprintf(path, sizeof path, "/proc/%d/root", (int)p.target);
  int root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fail("cannot open the container's root");
  void *prog;
  size_t len;
  if (p.seccomp && load_seccomp_file(p.seccomp, &prog, &len) < 0) return fail("cannot read the seccomp profile");
  for (size_t i = 0; i < NNS; i++) {
    if (fds[i] >= 0 && setns(fds[i], ORDER[i].flag) < 0) return fail("cannot join the container's namespaces");
    if (fds[i] >= 0) close(fds[i]);
  }
  if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0) return fail("cannot enter the container's root");
  close(root);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return fail("cannot make a socket pair");
  pid_t child = fork();
  if (child < 0) return fail("cannot fork into the container");
  if (child == 0) {
    close(sv[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (p.tty) {
      // Inside the container's mount namespace /dev/ptmx is its own devpts' (a link to pts/ptmx).
      int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), unlock = 0, s = -1;
      if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0 || (s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0 || send_fd(sv[1], m) < 0 ||
          setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0) {
        report(sv[1], 'E', "cannot allocate a terminal in the container: %s", strerror(errno));
        _exit(126);
      }
      close(m);
      for (int i = 0; i < 3; i++) dup2(s, i);
      if (s > 2) close(s);
    }
    apply_process(&p, sv[1]);
    exec_command(&p, sv[1]);
  }
  close(sv[1]);
  return relay_and_wait(child, sv[0], -1, p.tty, NULL, NULL);
}
