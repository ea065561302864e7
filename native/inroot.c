// store-launch inroot ROOT PROGRAM ARGV0 [ARGS...]: PROGRAM, a static binary of the host (opened
// before anything changes), run with ROOT as its root directory. Every path it resolves, the
// targets of symlinks included, stays inside ROOT. `store cp` runs busybox's tar so, in a
// container's root (or the destination on the host), as Docker's chrootarchive does: a link in
// a container never leads to the host. The program dies with whoever spawned us.

#include "launch.h"
#include <sys/prctl.h>
#include <sys/syscall.h>

extern char **environ;

int inroot_main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: store-launch inroot ROOT PROGRAM ARGV0 [ARGS...]\n");
    return 125;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return 125;
  int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "store: cannot open %s: %s\n", argv[3], strerror(errno));
    return 125;
  }
  if (chdir(argv[2]) < 0 || chroot(".") < 0 || chdir("/") < 0) {
    fprintf(stderr, "store: cannot enter %s: %s\n", argv[2], strerror(errno));
    return 125;
  }
  // execveat on the descriptor: nothing of the host needs to be reachable from the new root.
  syscall(SYS_execveat, fd, "", argv + 4, environ, AT_EMPTY_PATH);
  fprintf(stderr, "store: cannot run %s: %s\n", argv[3], strerror(errno));
  return 125;
}
