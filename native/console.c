// store-launch console SOCKET CMD ARGS...: run an OCI runtime with --console-socket SOCKET and
// be the other end. The runtime sends the pty master of a terminal container (or exec) there;
// we relay it as for the built-in launcher (our terminal raw, window size, stdin in, output out)
// and exit with the runtime's status once every byte the command wrote has come out.
//
// Why not the runtime's own foreground terminal: crun (1.8 to today) stops copying when the
// container exits and hands what is still unread in the pty to its error log, so the last
// lines came out as one red, timestamped "error" (flush_fd_to_err), under load most runs.

#include "launch.h"
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/** A listening socket at path (a stale one replaced); long paths through the directory's fd. */
static int listen_at(const char *path) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  int dir = -1;
  if (strlen(path) < sizeof a.sun_path) {
    strcpy(a.sun_path, path);
  } else {
    const char *slash = strrchr(path, '/');
    char dpath[4096];
    if (!slash || (size_t)(slash - path) >= sizeof dpath) return errno = ENAMETOOLONG, -1;
    memcpy(dpath, path, (size_t)(slash - path));
    dpath[slash - path] = '\0';
    if ((dir = open(dpath[0] ? dpath : "/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) return -1;
    int n = snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", dir, slash + 1);
    if (n < 0 || (size_t)n >= sizeof a.sun_path) return close(dir), errno = ENAMETOOLONG, -1;
  }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  // A socket there that answers is another relay's: never taken over. One that does not is a
  // stale one (a relay killed): replaced.
  int probe = s >= 0 ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
  if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0) {
    close(probe), close(s);
    if (dir >= 0) close(dir);
    return errno = EADDRINUSE, -1;
  }
  if (probe >= 0) close(probe);
  unlink(a.sun_path);
  // Made 0600 as it is bound (umask), not chmod'ed after: no moment when others may connect,
  // and no path followed a second time.
  mode_t old = umask(077);
  int ok = s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 1) == 0;
  int saved = errno;
  umask(old);
  if (dir >= 0) close(dir);
  if (!ok) {
    if (s >= 0) close(s);
    return errno = saved, -1;
  }
  return s;
}

int console_main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: store-launch console SOCKET CMD [ARGS...]\n");
    return 125;
  }
  const char *path = argv[2];
  int s = listen_at(path);
  if (s < 0) {
    fprintf(stderr, "store: cannot listen on the console socket %s: %s\n", path, strerror(errno));
    return 125;
  }
  // The signals we forward are held from before the fork until relay_and_wait() handles them:
  // one that came between would end us (their default) and leave the runtime on its own.
  sigset_t was;
  hold_forwarded(&was);
  pid_t child = fork();
  if (child < 0) return 125;
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &was, NULL);
    execvp(argv[3], argv + 3);
    fprintf(stderr, "store: cannot run %s: %s\n", argv[3], strerror(errno));
    _exit(127);
  }
  int status = relay_and_wait(child, -1, s, 1, NULL, NULL);
  unlink(path);
  return status;
}
