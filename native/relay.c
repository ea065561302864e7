// The outside half (P): while the container runs, P forwards the signals it gets to the
// container's first process, relays a terminal's bytes, reads the child's reports, and returns
// the child's status (Docker's convention: the code, or 128+N when killed by signal N).
//
// Reports come over a SOCK_SEQPACKET pair (one message per report; C's end is close-on-exec):
//   'T' + fd   the pty master (a terminal container)
//   'E' + text a setup failure: written to the plan's error file, status 125
//   'X'        about to exec the command;  'N' + text: it cannot be (status 126/127, text kept
//              in the error file too)
// End of file after an 'X' not followed by 'N' means the exec succeeded: the container runs.
// A runtime (crun) sends its pty master to a listening console socket instead (the OCI
// runtime's --console-socket): a connection whose one message carries the fd. The connection is
// read in the same poll loop (crun connects before it makes the container and sends only once
// it is set up: seconds on a loaded host, signals meanwhile), by a process of our own uid only,
// and the fd kept only if it is a pty master; the socket closes once one has come.
// Writes to the pty master never block (a container not reading its input must not stop its
// output being relayed, nor our signals), and the terminal is put back on every way out,
// a reader of our output that went away (SIGPIPE) included.

#include "launch.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

static volatile pid_t target;
static volatile int master = -1;
static int sigpipe_w = -1;

int write_all(int fd, const void *buf, size_t len) {
  const char *b = buf;
  while (len > 0) {
    ssize_t w = write(fd, b, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    b += w;
    len -= (size_t)w;
  }
  return 0;
}

void report(int fd, char kind, const char *fmt, ...) {
  char msg[4096];
  msg[0] = kind;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg + 1, sizeof msg - 1, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n > (int)sizeof msg - 2) n = (int)sizeof msg - 2;
  if (fd < 0 || send(fd, msg, (size_t)n + 1, MSG_NOSIGNAL) < 0) {
    if (kind == 'E') fprintf(stderr, "store: %s\n", msg + 1);
  }
}

int send_fd(int sock, int fd) {
  char kind = 'T';
  struct iovec iov = {&kind, 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void on_signal(int sig) {
  int saved = errno;
  if (sig == SIGCHLD) {
    if (write(sigpipe_w, "c", 1) < 0) { /* the loop polls waitpid anyway */ }
  } else if (sig == SIGWINCH && master >= 0) {
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
  } else if (target > 0) {
    kill(target, sig);
  }
  errno = saved;
}

static const int FORWARDED[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};

/** The signals relay_and_wait() forwards, held from now until it handles them; *was: the mask before. */
void hold_forwarded(sigset_t *was) {
  sigset_t held;
  sigemptyset(&held);
  for (size_t i = 0; i < sizeof FORWARDED / sizeof *FORWARDED; i++) sigaddset(&held, FORWARDED[i]);
  sigprocmask(SIG_BLOCK, &held, was);
}

void write_file(const char *path, const char *text) {
  if (!path) return;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  if (text) write_all(fd, text, strlen(text));
  close(fd);
}

/**
 * Read one report; returns 0 at end of file, -1 when nothing is there yet. *fd_out: the one fd
 * it carried, or -1 (any more than one, or a cut-short control message: all closed, none kept).
 */
static int read_report(int ctl, char *buf, size_t len, int *fd_out) {
  union {
    struct cmsghdr h;
    char b[CMSG_SPACE(4 * sizeof(int))];
  } u;
  struct iovec iov = {buf, len - 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
  ssize_t n = recvmsg(ctl, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  *fd_out = -1;
  if (n < 0) return -1;
  buf[n] = '\0';
  int got = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (got++ == 0) *fd_out = fd;
      else close(fd);
    }
  }
  if (got > 1 || (m.msg_flags & MSG_CTRUNC)) {
    if (*fd_out >= 0) close(*fd_out);
    *fd_out = -1;
  }
  return (int)n;
}

/** Copy what is readable from one fd to another; returns 0 at end of file or error. */
static int pump(int from, int to) {
  char buf[16384];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  return write_all(to, buf, (size_t)n) == 0 ? 1 : 0;
}

struct reports {
  int exec_seen, failed, raw;
  struct termios saved;
  /** Our input on its way to the pty master: inbuf[inoff, inlen) is still to be written. */
  char inbuf[16384];
  size_t inoff, inlen;
};

/**
 * The terminal has come: make our own terminal raw (put back at the end) and pass on its size.
 * Only a pty master is taken, and only the first.
 */
static void take_terminal(struct reports *st, int fd) {
  int n;
  if (master >= 0 || ioctl(fd, TIOCGPTN, &n) != 0) {
    close(fd);
    return;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  master = fd;
  if (isatty(0) && tcgetattr(0, &st->saved) == 0) {
    struct termios t = st->saved;
    cfmakeraw(&t);
    st->raw = tcsetattr(0, TCSANOW, &t) == 0;
  }
  on_signal(SIGWINCH);
}

/** Reads our input into the buffer when it is empty; 0 at its end. */
static int fill_input(struct reports *st) {
  ssize_t n = read(0, st->inbuf, sizeof st->inbuf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  st->inoff = 0;
  st->inlen = (size_t)n;
  return 1;
}

/** Writes what the pty master takes now of the buffered input; 0 when it is gone. */
static int flush_input(struct reports *st) {
  while (st->inoff < st->inlen) {
    ssize_t w = write(master, st->inbuf + st->inoff, st->inlen - st->inoff);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return 1;
    if (w <= 0) return 0;
    st->inoff += (size_t)w;
  }
  st->inoff = st->inlen = 0;
  return 1;
}

/** A runtime's connection to the console socket, accepted: read in the loop (read_console). */
static void accept_console(int listen_fd, int *conn) {
  if (*conn >= 0) return; // one at a time: the next waits in the queue
  int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0) return;
  struct ucred cr;
  socklen_t len = sizeof cr;
  if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || cr.uid != geteuid()) {
    close(c);
    return;
  }
  *conn = c;
}

/**
 * The accepted connection is readable: its message, and the pty master it carries. Once a
 * terminal came, the connection and the listening socket close; a connection that ends without
 * one only closes itself.
 */
static void read_console(struct reports *st, int *conn, int *listen_fd) {
  char msg[256];
  int fd;
  int r = read_report(*conn, msg, sizeof msg, &fd);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (fd >= 0) take_terminal(st, fd);
  close(*conn);
  *conn = -1;
  if (master >= 0 && *listen_fd >= 0) {
    close(*listen_fd);
    *listen_fd = -1;
  }
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/** One report from C (or its end of file: closes *ctl); 0 when none is there yet. */
static int handle_report(struct reports *st, int *ctl, const char *ready, const char *error) {
  char msg[4096];
  int fd;
  int r = read_report(*ctl, msg, sizeof msg, &fd);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  if (r <= 0) {
    // C's end closed: at its exec (the command runs) or at its exit.
    if (st->exec_seen && !st->failed) write_file(ready, "");
    close(*ctl);
    *ctl = -1;
    return 1;
  }
  if (msg[0] == 'T' && fd >= 0) {
    take_terminal(st, fd);
  } else if (msg[0] == 'E') {
    st->failed = 1;
    write_file(error, msg + 1);
    if (!error) fprintf(stderr, "store: %s\n", msg + 1);
  } else if (msg[0] == 'X') {
    st->exec_seen = 1;
  } else if (msg[0] == 'N') {
    // The command could not be exec'd: its message, for `run -d` to report (the container's
    // stderr has it too).
    st->failed = 1;
    write_file(error, msg + 1);
  }
  return 1;
}

int relay_and_wait(pid_t child, int ctl, int console, int tty, const char *ready, const char *error) {
  int sp[2];
  if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) < 0) return 125;
  sigpipe_w = sp[1];
  target = child;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (size_t i = 0; i < sizeof FORWARDED / sizeof *FORWARDED; i++) {
    sigaction(FORWARDED[i], &sa, NULL);
    sigaddset(&forwarded, FORWARDED[i]);
  }
  // Held since before the fork by a caller that blocks them (console.c): delivered now.
  sigprocmask(SIG_UNBLOCK, &forwarded, NULL);
  // A reader of our output that went away is EPIPE (the relay stops copying), not our death
  // with the terminal left raw.
  signal(SIGPIPE, SIG_IGN);

  struct reports *r = calloc(1, sizeof *r);
  if (!r) return 125;
  int in_open = tty, status = -1, conn = -1;
  for (;;) {
    int st;
    pid_t w = waitpid(child, &st, WNOHANG);
    if (w == child) {
      status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    struct pollfd fds[7];
    int n = 0;
    fds[n++] = (struct pollfd){sp[0], POLLIN, 0};
    if (ctl >= 0) fds[n++] = (struct pollfd){ctl, POLLIN, 0};
    int mi = -1, ii = -1, ci = -1, ki = -1;
    if (console >= 0) ci = n, fds[n++] = (struct pollfd){console, POLLIN, 0};
    if (conn >= 0) ki = n, fds[n++] = (struct pollfd){conn, POLLIN, 0};
    if (master >= 0) mi = n, fds[n++] = (struct pollfd){master, (short)(POLLIN | (r->inlen > r->inoff ? POLLOUT : 0)), 0};
    if (master >= 0 && in_open && r->inlen == 0) ii = n, fds[n++] = (struct pollfd){0, POLLIN, 0};
    if (poll(fds, (nfds_t)n, -1) < 0) continue;
    if (fds[0].revents) {
      char c[64];
      while (read(sp[0], c, sizeof c) > 0) {}
    }
    if (ctl >= 0 && fds[1].revents) handle_report(r, &ctl, ready, error);
    if (ci >= 0 && fds[ci].revents) accept_console(console, &conn);
    if (ki >= 0 && fds[ki].revents) read_console(r, &conn, &console);
    if (mi >= 0 && (fds[mi].revents & POLLOUT) && !flush_input(r)) in_open = 0, r->inlen = r->inoff = 0;
    if (mi >= 0 && (fds[mi].revents & ~POLLOUT) && !pump(master, 1)) {
      close(master);
      master = -1;
    }
    if (ii >= 0 && fds[ii].revents && master >= 0 && (!fill_input(r) || !flush_input(r))) in_open = 0, r->inlen = r->inoff = 0;
  }
  // C may have exited before its last reports were read: they are all there, then end of file.
  while (ctl >= 0) {
    struct pollfd pf = {ctl, POLLIN, 0};
    if (!handle_report(r, &ctl, ready, error) && poll(&pf, 1, 1000) <= 0) {
      close(ctl); // a descendant still holds C's end: nothing more will come from C
      ctl = -1;
    }
  }
  // A runtime that was quick may have sent its terminal and gone before we looked: the
  // connection and the fd wait in the socket's queue (or in the accepted connection).
  if (console >= 0) accept_console(console, &conn);
  for (long long end = now_ms() + 1000; conn >= 0 && master < 0;) {
    struct pollfd pf = {conn, POLLIN, 0};
    long long left = end - now_ms();
    int k = left > 0 ? poll(&pf, 1, (int)left) : 0;
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    read_console(r, &conn, &console);
  }
  if (conn >= 0) close(conn);
  if (console >= 0) close(console); // nothing came
  // The command's last output is still in the pty: drain it (EIO once the slave is gone), for
  // at most 2 s: a process left in the container that keeps writing does not keep us here.
  if (master >= 0) {
    for (long long end = now_ms() + 2000; pump(master, 1);) {
      struct pollfd pf = {master, POLLIN, 0};
      long long left = end - now_ms();
      if (left <= 0 || poll(&pf, 1, left < 100 ? (int)left : 100) <= 0) break;
    }
  }
  if (r->raw) tcsetattr(0, TCSANOW, &r->saved);
  if (r->failed && status == 0) status = 125;
  free(r);
  return status;
}
