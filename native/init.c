// docker-init (`run --init`): what tini does as Docker's init. PID 1 forks the command, passes
// it every signal it gets, reaps every orphan that the kernel hands to PID 1, and exits with
// the command's status (128+N when signal N killed it). The command gets its own process group,
// the terminal's foreground one when there is a terminal, so a Ctrl-C reaches it.

#include "launch.h"
#include <sys/wait.h>
#include <termios.h>

int init_main(int argc, char **argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0) first++;
  if (first >= argc) {
    fprintf(stderr, "docker-init: usage: docker-init -- COMMAND [ARG...]\n");
    return 1;
  }
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t child = fork();
  if (child < 0) {
    perror("docker-init: fork");
    return 1;
  }
  if (child == 0) {
    setpgid(0, 0);
    if (isatty(0)) {
      signal(SIGTTOU, SIG_IGN);
      tcsetpgrp(0, getpid());
      signal(SIGTTOU, SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[first], argv + first);
    int e = errno;
    fprintf(stderr, "exec: \"%s\": %s\n", argv[first],
            e == ENOENT ? (strchr(argv[first], '/') ? "no such file or directory" : "executable file not found in $PATH") : strerror(e));
    _exit(e == ENOENT ? 127 : 126);
  }
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
      if (w == child) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
  }
}
