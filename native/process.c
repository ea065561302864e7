// The last steps of a container process, inside its namespaces and root: working dir, rlimits,
// seccomp, user and groups, capabilities, then the command (looked up in the container's PATH
// with Docker's messages and statuses). The order is runc's: without no_new_privs, loading a
// seccomp filter needs CAP_SYS_ADMIN, so it goes in before the capabilities are dropped (the
// calls after it, setresuid, capset, prctl, execve, are allowed by Docker's profile); with
// no_new_privs it goes in as late as possible, just before the exec.

#include "launch.h"
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static struct sock_fprog seccomp_prog;

/** Read a filter (struct sock_filter[], as lib/runtime/seccomp.ts compiles it) before the pivot. */
int load_seccomp_file(const char *path, void **prog, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
      st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter))) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  char *buf = malloc((size_t)st.st_size);
  size_t got = 0;
  while (buf && got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!buf || got != (size_t)st.st_size) {
    errno = EIO;
    return -1;
  }
  *prog = buf;
  *len = got / sizeof(struct sock_filter);
  seccomp_prog.filter = (struct sock_filter *)buf;
  seccomp_prog.len = (unsigned short)*len;
  return 0;
}

static void die(int fd, const char *what) {
  report(fd, 'E', "%s: %s", what, strerror(errno));
  _exit(125);
}

static void seccomp_load(int fd) {
  if (!seccomp_prog.filter) return;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &seccomp_prog) < 0) die(fd, "cannot load the seccomp profile");
}

static void set_caps(const struct plan *p, int fd) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  for (int i = 0; i < 2; i++) {
    d[i].effective = (uint32_t)(p->cap_eff >> (32 * i));
    d[i].permitted = (uint32_t)(p->cap_prm >> (32 * i));
    d[i].inheritable = (uint32_t)(p->cap_inh >> (32 * i));
  }
  if (syscall(SYS_capset, &h, d) < 0) die(fd, "cannot set the capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) die(fd, "cannot clear the ambient capabilities");
  for (int c = 0; c < 64; c++) {
    if ((p->cap_amb >> c) & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) die(fd, "cannot raise an ambient capability");
  }
}

void apply_process(const struct plan *p, int fd) {
  if (chdir(p->cwd) < 0) {
    report(fd, 'E', "chdir to cwd (\"%s\") set in config.json failed: %s", p->cwd, strerror(errno));
    _exit(125);
  }
  for (int i = 0; i < p->nrl; i++) {
    struct rlimit r = {p->rl[i].soft, p->rl[i].hard};
    if (setrlimit(p->rl[i].resource, &r) < 0) die(fd, "cannot set an rlimit");
  }
  if (!p->nnp) seccomp_load(fd);
  // The bounding set first (needs CAP_SETPCAP, which the drop below may take away).
  for (int c = 0; c < 64; c++) {
    if (!((p->cap_bnd >> c) & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) die(fd, "cannot drop a capability");
  }
  // Keep the permitted set across the change of uid, then set exactly what the plan says.
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die(fd, "cannot keep capabilities");
  if (p->setgroups && setgroups((size_t)p->ngroups, p->groups) < 0) die(fd, "cannot set the supplementary groups");
  if (setresgid(p->gid, p->gid, p->gid) < 0) die(fd, "cannot set the group id");
  if (setresuid(p->uid, p->uid, p->uid) < 0) die(fd, "cannot set the user id");
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) die(fd, "cannot reset keepcaps");
  set_caps(p, fd);
  if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die(fd, "cannot set no_new_privs");
  if (p->nnp) seccomp_load(fd);
}

static const char *env_path(char **envp) {
  const char *v = NULL;
  for (char **e = envp; *e; e++)
    if (!strncmp(*e, "PATH=", 5)) v = *e + 5;
  return v ? v : "/bin:/usr/bin"; // glibc's execvp default when PATH is unset
}

/** Go's exec.LookPath test (runc's): a regular file with an execute bit. */
static int executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static void try_exec(const struct plan *p, const char *path, int fd) {
  report(fd, 'X', "");
  execve(path, p->argv, p->envp);
}

/** The command cannot be run: Docker's message on the container's stderr and to P. */
static void no_exec(int fd, int status, const char *name, const char *what) __attribute__((noreturn));
static void no_exec(int fd, int status, const char *name, const char *what) {
  char msg[4096];
  snprintf(msg, sizeof msg, "exec: \"%s\": %s", name, what);
  fprintf(stderr, "%s\n", msg);
  report(fd, 'N', "%s", msg);
  _exit(status);
}

void exec_command(const struct plan *p, int fd) {
  const char *name = p->argv[0] ? p->argv[0] : "";
  // Nothing of ours crosses the exec: every descriptor but stdio closes with it.
  syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (!*name) no_exec(fd, 127, "", "executable file not found in $PATH");
  if (strchr(name, '/')) {
    try_exec(p, name, fd);
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) {
      char what[4096];
      snprintf(what, sizeof what, "stat %s: no such file or directory", name);
      no_exec(fd, 127, name, what);
    }
    no_exec(fd, 126, name, e == EACCES || e == EISDIR ? "permission denied" : strerror(e));
  }
  const char *path = env_path(p->envp);
  size_t nlen = strlen(name);
  char *buf = malloc(strlen(path) + nlen + 3);
  for (const char *d = path;; ) {
    const char *end = strchr(d, ':');
    size_t dlen = end ? (size_t)(end - d) : strlen(d);
    if (dlen == 0) strcpy(buf, ".");
    else memcpy(buf, d, dlen), buf[dlen] = '\0';
    strcat(buf, "/");
    strcat(buf, name);
    if (executable(buf)) {
      try_exec(p, buf, fd);
      no_exec(fd, 126, name, errno == EACCES ? "permission denied" : strerror(errno));
    }
    if (!end) break;
    d = end + 1;
  }
  no_exec(fd, 127, name, "executable file not found in $PATH");
}
