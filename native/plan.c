// The plan file: NUL-terminated tokens, each record a keyword and its arguments (written by
// lib/runtime/_plan.ts). Lists carry their length first. Unknown keywords are an error, so a
// plan from a newer store is never half-understood.
//
//   ns N · userns 0|1 · root P · rootfs P · setup P · hostexec 0|1 · ready P · error P · parent PID · target PID
//   netns P (a network namespace to join: --network container:NAME)
//   cwd P · user UID GID · groups N G… · caps BND EFF PRM INH AMB (hex masks) · nnp 0|1
//   seccomp P · rlimit RES SOFT HARD (-1: unlimited) · tty 0|1 · args N A… · env N E…

#include "launch.h"
#include <sys/stat.h>

#define PLAN_MAX (64 << 20)

struct cursor {
  char *p, *end;
};

static const char *next(struct cursor *c) {
  if (c->p >= c->end) return NULL;
  char *t = c->p;
  char *z = memchr(t, '\0', (size_t)(c->end - t));
  if (!z) return NULL;
  c->p = z + 1;
  return t;
}

static int num(const char *s, long long *out, int base) {
  if (!s || !*s) return -1;
  char *e;
  errno = 0;
  long long v = strtoll(s, &e, base);
  if (errno || *e) return -1;
  *out = v;
  return 0;
}

static int unum(const char *s, uint64_t *out) {
  if (!s || !*s) return -1;
  char *e;
  errno = 0;
  unsigned long long v = strtoull(s, &e, 16);
  if (errno || *e) return -1;
  *out = v;
  return 0;
}

static char **list(struct cursor *c) {
  long long n;
  if (num(next(c), &n, 10) < 0 || n < 0 || n > 1 << 20) return NULL;
  char **v = calloc((size_t)n + 1, sizeof(char *));
  if (!v) return NULL;
  for (long long i = 0; i < n; i++) {
    const char *t = next(c);
    if (!t) return NULL;
    v[i] = (char *)t;
  }
  return v;
}

int read_plan(const char *path, struct plan *p) {
  memset(p, 0, sizeof *p);
  p->cwd = "/";
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size > PLAN_MAX) {
    close(fd);
    errno = EFBIG;
    return -1;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) return -1;
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  struct cursor c = {buf, buf + got};
  const char *k;
  long long a, b, d;
  while ((k = next(&c))) {
    if (!strcmp(k, "ns")) {
      if (num(next(&c), &a, 10) < 0) goto bad;
      p->ns = (int)a;
    } else if (!strcmp(k, "userns") || !strcmp(k, "hostexec") || !strcmp(k, "nnp") || !strcmp(k, "tty")) {
      if (num(next(&c), &a, 10) < 0) goto bad;
      *(k[0] == 'u' ? &p->userns : k[0] == 'h' ? &p->hostexec : k[0] == 'n' ? &p->nnp : &p->tty) = (int)a;
    } else if (!strcmp(k, "root") || !strcmp(k, "setup") || !strcmp(k, "ready") || !strcmp(k, "error") ||
               !strcmp(k, "cwd") || !strcmp(k, "seccomp") || !strcmp(k, "rootfs") || !strcmp(k, "netns")) {
      const char *v = next(&c);
      if (!v) goto bad;
      if (!strcmp(k, "root")) p->root = v;
      else if (!strcmp(k, "setup")) p->setup = v;
      else if (!strcmp(k, "ready")) p->ready = v;
      else if (!strcmp(k, "error")) p->error = v;
      else if (!strcmp(k, "cwd")) p->cwd = v;
      else if (!strcmp(k, "rootfs")) p->rootfs = v;
      else if (!strcmp(k, "netns")) p->netns = v;
      else p->seccomp = v;
    } else if (!strcmp(k, "target") || !strcmp(k, "parent")) {
      if (num(next(&c), &a, 10) < 0 || a <= 0) goto bad;
      *(k[0] == 't' ? &p->target : &p->parent) = (pid_t)a;
    } else if (!strcmp(k, "user")) {
      if (num(next(&c), &a, 10) < 0 || num(next(&c), &b, 10) < 0) goto bad;
      p->uid = (uid_t)a;
      p->gid = (gid_t)b;
    } else if (!strcmp(k, "groups")) {
      if (num(next(&c), &a, 10) < 0 || a < 0 || a > MAX_GROUPS) goto bad;
      p->ngroups = (int)a;
      p->setgroups = 1;
      for (int i = 0; i < p->ngroups; i++) {
        if (num(next(&c), &b, 10) < 0) goto bad;
        p->groups[i] = (gid_t)b;
      }
    } else if (!strcmp(k, "caps")) {
      if (unum(next(&c), &p->cap_bnd) < 0 || unum(next(&c), &p->cap_eff) < 0 || unum(next(&c), &p->cap_prm) < 0 ||
          unum(next(&c), &p->cap_inh) < 0 || unum(next(&c), &p->cap_amb) < 0)
        goto bad;
    } else if (!strcmp(k, "rlimit")) {
      if (p->nrl >= MAX_RLIMITS || num(next(&c), &a, 10) < 0 || num(next(&c), &b, 10) < 0 || num(next(&c), &d, 10) < 0) goto bad;
      p->rl[p->nrl].resource = (int)a;
      p->rl[p->nrl].soft = b < 0 ? RLIM_INFINITY : (unsigned long long)b;
      p->rl[p->nrl].hard = d < 0 ? RLIM_INFINITY : (unsigned long long)d;
      p->nrl++;
    } else if (!strcmp(k, "args") || !strcmp(k, "env")) {
      char **v = list(&c);
      if (!v) goto bad;
      if (k[0] == 'a') p->argv = v;
      else p->envp = v;
    } else {
      goto bad;
    }
  }
  if (!p->argv) p->argv = calloc(1, sizeof(char *));
  if (!p->envp) p->envp = calloc(1, sizeof(char *));
  return 0;
bad:
  errno = EINVAL;
  return -1;
}
