// store-launch: the native half of the built-in launcher (lib/runtime/builtin.ts writes its plan).
//
//   store-launch run PLAN    start a container: the process Node spawns and signals (P)
//   store-launch exec PLAN   a new process in a running container (store exec)
//   docker-init -- CMD...    a minimal init (run --init): bind-mounted at /sbin/docker-init
//   store-launch inroot ROOT PROGRAM ARGV0 ARGS...   a host program chrooted in ROOT (store cp)
//   store-launch console SOCKET CMD ARGS...   CMD (crun) with a terminal it sends to SOCKET
//
// run: P unshares the container's namespaces (a user namespace first when not root), then forks
// C, PID 1 of the new PID namespace. C runs the plan's setup script (host tools: the root, the
// mounts, /proc, /dev, masked paths, a read-only root) and then either
//   - pivots: pivot_root(2) into the root, detaches the old one, then applies the process
//     settings (rlimits, terminal, seccomp, user, capabilities) and execs the command, which
//     becomes PID 1 itself (nothing of the host stays visible or reachable); or
//   - (runc/crun) execs the script's last line on the host: the runtime does the rest.
// P stays outside, in the host PID namespace: it forwards signals to C, relays a terminal's
// bytes (the pty comes from the container's own devpts, so `tty` names it inside), marks the
// container ready once the command is exec'd, and exits with C's status (128+N if killed by N).
// P dies with its parent (PDEATHSIG), and C with P: a SIGKILLed supervisor takes everything.
//
// Nothing secret is in an argv: the environment comes from the plan file (0600, in the bundle).
// Plan: NUL-terminated tokens; a keyword then its arguments (see plan.c's table).

#include "launch.h"

int main(int argc, char **argv) {
  const char *base = strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  if (strcmp(base, "docker-init") == 0) return init_main(argc, argv);
  if (argc == 3 && strcmp(argv[1], "run") == 0) return run_main(argv[2]);
  if (argc == 3 && strcmp(argv[1], "exec") == 0) return exec_main(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "init") == 0) return init_main(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "inroot") == 0) return inroot_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "console") == 0) return console_main(argc, argv);
  fprintf(stderr, "usage: store-launch run PLAN | exec PLAN | init -- CMD... | inroot ROOT PROGRAM ARGV0 [ARGS...] | console SOCKET CMD [ARGS...]\n");
  return 125;
}
