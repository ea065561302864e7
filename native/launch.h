// Shared declarations of store-launch (see launch.c for the outline).
#ifndef STORE_LAUNCH_H
#define STORE_LAUNCH_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_GROUPS 256
#define MAX_RLIMITS 20

struct rlim {
  int resource;
  unsigned long long soft, hard;
};

/** What to run and how: everything store-launch knows comes from the plan file. */
struct plan {
  int ns;              /* CLONE_NEW* flags to unshare (run) or join (exec), user excepted */
  int userns;          /* rootless: a user namespace mapping our ids to 0 */
  const char *root;    /* run: host path of the container's root (a mount once set up) */
  const char *setup;   /* run: the setup script, run by PID 1 before the pivot */
  const char *rootfs;  /* run: a script whose mounts leave a daemon (fuse): run one PID namespace up */
  const char *netns;   /* run: a network namespace to join first (another container's), or NULL */
  int hostexec;        /* run: exec the setup script as PID 1 (runc/crun), no pivot */
  const char *ready;   /* run: made by P once the command is exec'd */
  const char *error;   /* run: a setup failure's message, for launch() to report (status 125) */
  pid_t target;        /* exec: a process of the container */
  pid_t parent;        /* run: the pid that spawned us (we die with it) */
  const char *cwd;
  uid_t uid;
  gid_t gid;
  int ngroups;
  gid_t groups[MAX_GROUPS];
  int setgroups;       /* set the supplementary groups (not possible in a rootless namespace) */
  uint64_t cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb;
  int nnp;             /* no_new_privs */
  const char *seccomp; /* a file of struct sock_filter, or NULL */
  int nrl;
  struct rlim rl[MAX_RLIMITS];
  int tty;
  char **argv;
  char **envp;
};

/* plan.c */
int read_plan(const char *path, struct plan *p);

/* process.c: the last steps of every container process, after its namespaces and root. */
int load_seccomp_file(const char *path, void **prog, size_t *len);
void apply_process(const struct plan *p, int report_fd);
void exec_command(const struct plan *p, int report_fd) __attribute__((noreturn));

/* relay.c: the outside half (P): signals, terminal bytes, the child's status. */
int relay_and_wait(pid_t child, int ctl_fd, int console_fd, int tty, const char *ready, const char *error);
void hold_forwarded(sigset_t *was);
int send_fd(int sock, int fd);
int recv_fd(int sock);
void report(int fd, char kind, const char *fmt, ...);
void write_file(const char *path, const char *text);

/* run.c, exec.c, init.c, inroot.c, console.c */
int run_main(const char *plan_path);
int exec_main(const char *plan_path);
int init_main(int argc, char **argv);
int inroot_main(int argc, char **argv);
int console_main(int argc, char **argv);

/* Best-effort write of a whole buffer (EINTR and short writes). */
int write_all(int fd, const void *buf, size_t len);

#endif
