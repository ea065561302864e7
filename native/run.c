// store-launch run: a container from its plan (see launch.c for the outline).

#include "launch.h"
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int write_proc(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = write_all(fd, text, strlen(text));
  close(fd);
  return r;
}

/** Map our own uid and gid to 0 in a new user namespace (what `unshare -r` does). */
static int enter_userns(void) {
  char map[64];
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER) < 0) return -1;
  if (write_proc("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) return -1;
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
  if (write_proc("/proc/self/uid_map", map) < 0) return -1;
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
  return write_proc("/proc/self/gid_map", map);
}

/** A new network namespace has lo down; Docker's `none` network has it up. */
static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return;
  struct ifreq r;
  memset(&r, 0, sizeof r);
  strcpy(r.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &r) == 0) {
    r.ifr_flags |= IFF_UP;
    ioctl(s, SIOCSIFFLAGS, &r);
  }
  close(s);
}

/** A setup script (host tools, before the pivot); its status is ours if it fails. */
static int run_script(const char *script) {
  pid_t pid = fork();
  if (pid < 0) return 125;
  if (pid == 0) {
    char *argv[] = {"sh", (char *)script, NULL};
    execv("/bin/sh", argv);
    fprintf(stderr, "store: cannot run /bin/sh: %s\n", strerror(errno));
    _exit(125);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return 125;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/** A pty from the container's own devpts (so `tty` names it inside); the master goes to P. */
static int open_terminal(const struct plan *p, int ctl) {
  char path[4096];
  snprintf(path, sizeof path, "%s/dev/pts/ptmx", p->root);
  int m = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return -1;
  int unlock = 0;
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0) return -1;
  int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (s < 0 || send_fd(ctl, m) < 0) return -1;
  close(m);
  return s;
}

static void become_terminal(int slave, int ctl) {
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
    report(ctl, 'E', "cannot make the terminal the controlling one: %s", strerror(errno));
    _exit(125);
  }
  for (int i = 0; i < 3; i++) dup2(slave, i);
  if (slave > 2) close(slave);
}

/** PID 1: set up, pivot into the root, become the command. Never returns. */
static void container_init(const struct plan *p, int ctl) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) _exit(125);
  // P may have died before the line above: then its end of ctl is closed.
  struct pollfd pf = {ctl, POLLRDHUP, 0};
  if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLRDHUP))) _exit(125);
  if (p->netns) {
    // --network container:NAME: that container's network namespace, joined before the others
    // are made (runc and crun, run from the setup script, inherit it).
    int fd = open(p->netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
      report(ctl, 'E', "cannot join the network namespace %s: %s", p->netns, strerror(errno));
      _exit(125);
    }
    close(fd);
  }
  if (unshare(p->ns | CLONE_NEWNS) < 0) {
    report(ctl, 'E', "cannot create the container's namespaces: %s", strerror(errno));
    _exit(125);
  }
  // slave, not private: host mounts under a bind with bind-propagation=rslave/rshared reach the
  // container; every other mount gets rprivate (Docker's default) from the setup script.
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
    report(ctl, 'E', "cannot make the mount namespace a slave: %s", strerror(errno));
    _exit(125);
  }
  if (p->ns & CLONE_NEWNET) loopback_up();
  if (p->hostexec) {
    char *argv[] = {"sh", (char *)p->setup, NULL};
    execv("/bin/sh", argv);
    report(ctl, 'E', "cannot run /bin/sh: %s", strerror(errno));
    _exit(125);
  }
  if (p->rootfs) {
    // The root's mount leaves a daemon (fuse-overlayfs): it stays in this PID namespace, and the
    // container gets one nested in it, so the daemon is neither visible nor reachable inside,
    // and still dies with us (PID 1 here) when the container ends. A mount namespace of its
    // own too: pivot_root moves the root of every process of a namespace, the daemon's as well.
    int st = run_script(p->rootfs);
    if (st != 0) _exit(st);
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0) {
      report(ctl, 'E', "cannot create the container's PID namespace: %s", strerror(errno));
      _exit(125);
    }
    pid_t inner = fork();
    if (inner < 0) _exit(125);
    if (inner > 0) {
      close(ctl);
      _exit(relay_and_wait(inner, -1, -1, 0, NULL, NULL));
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) _exit(125);
  }
  int st = run_script(p->setup);
  if (st != 0) _exit(st);
  void *prog;
  size_t len;
  if (p->seccomp && load_seccomp_file(p->seccomp, &prog, &len) < 0) {
    report(ctl, 'E', "cannot read the seccomp profile %s: %s", p->seccomp, strerror(errno));
    _exit(125);
  }
  int slave = -1;
  if (p->tty && (slave = open_terminal(p, ctl)) < 0) {
    report(ctl, 'E', "cannot allocate a terminal in the container: %s", strerror(errno));
    _exit(125);
  }
  // The root becomes / and the host's tree goes: detached, it is reachable from nowhere.
  if (chdir(p->root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
    report(ctl, 'E', "cannot pivot into the container's root: %s", strerror(errno));
    _exit(125);
  }
  if (slave >= 0) become_terminal(slave, ctl);
  apply_process(p, ctl);
  exec_command(p, ctl);
}

/** A failure of P itself: the message where launch() reads it, status 125. */
static int fail(const struct plan *p, const char *what) {
  char msg[4096];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  if (p->error) write_file(p->error, msg);
  else fprintf(stderr, "store: %s\n", msg);
  return 125;
}

int run_main(const char *plan_path) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return 125;
  struct plan p;
  if (read_plan(plan_path, &p) < 0) {
    fprintf(stderr, "store: cannot read the launch plan %s: %s\n", plan_path, strerror(errno));
    return 125;
  }
  // Spawned, then orphaned before PDEATHSIG was set: nobody waits for this container.
  if (p.parent && getppid() != p.parent) return 125;
  if (!p.root || !p.setup) {
    fprintf(stderr, "store: the launch plan %s has no root or no setup\n", plan_path);
    return 125;
  }
  if (p.userns && enter_userns() < 0) return fail(&p, "cannot create a user namespace");
  // Only the PID namespace here (it applies to our children): P stays in the host's mount
  // namespace, where the bundle is. pivot_root moves the root of every process of a mount
  // namespace, so the container's own is made by PID 1 (container_init) for itself.
  if (unshare(CLONE_NEWPID) < 0) return fail(&p, "cannot create the container's PID namespace");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return fail(&p, "cannot make a socket pair");
  pid_t child = fork();
  if (child < 0) return fail(&p, "cannot fork the container's first process");
  if (child == 0) {
    close(sv[0]);
    container_init(&p, sv[1]);
  }
  close(sv[1]);
  return relay_and_wait(child, sv[0], -1, p.tty, p.hostexec ? NULL : p.ready, p.error);
}
