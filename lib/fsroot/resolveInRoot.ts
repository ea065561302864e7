// Resolve a path inside a root, as containerd's fs.RootPath, moby's FollowSymlinkInScope and
// the kernel's openat2(RESOLVE_IN_ROOT) do: each component is lstat'ed; a symlink before the
// last component (or at it, when asked) is replaced by its target, read inside the root: an
// absolute target starts again at the root, ".." never climbs above it. Components that do not
// exist are kept as named (a caller creating the path makes them real dirs), so the answer is
// always inside the root whatever the links say.

import { Codes, StoreError } from '../errors.js'
import type { EntryKind, ResolveOptions, Resolved, RootFs } from './types.js'

/** Symlinks followed for one path before ELOOP: containerd's fs.RootPath limit (the kernel's is 40). */
export const MAX_LINKS = 255

/** Components of a path, pushed on a stack in reverse so the next one is pop()ed. */
function pushReversed(stack: string[], path: string): void {
  const parts = path.split('/')
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i] !== '' && parts[i] !== '.') stack.push(parts[i])
}

export async function resolveInRoot<S extends EntryKind>(fs: RootFs<S>, path: string, opts: ResolveOptions = {}): Promise<Resolved<S>> {
  const todo: string[] = []
  pushReversed(todo, path)
  const done: string[] = []
  // done[missingAt] and everything after it do not exist: no need to ask about them.
  let missingAt = -1
  // lstat of done's last component; null = not known (after "..").
  let cur: S | undefined | null = null
  let links = 0
  while (todo.length > 0) {
    const c = todo.pop()!
    if (c === '..') {
      done.pop()
      if (missingAt >= done.length) missingAt = -1
      cur = null
      continue
    }
    if (missingAt >= 0) {
      done.push(c)
      continue
    }
    const rel = done.length === 0 ? c : `${done.join('/')}/${c}`
    const st = await fs.lstat(rel)
    if (st === undefined) {
      missingAt = done.length
      done.push(c)
      cur = undefined
      continue
    }
    if (st.isSymbolicLink() && (todo.length > 0 || opts.follow)) {
      if (++links > MAX_LINKS) {
        throw new StoreError(Codes.SYMLINK_LOOP, `too many levels of symbolic links resolving "${path}"`, { data: { path } })
      }
      const target = await fs.readlink(rel)
      if (target.startsWith('/')) done.length = 0
      pushReversed(todo, target)
      cur = null
      continue
    }
    done.push(c)
    cur = st
  }
  const rel = done.join('/')
  if (missingAt >= 0) return { rel }
  const stat = cur === null ? await fs.lstat(rel) : cur
  return stat === undefined ? { rel } : { rel, stat }
}

/**
 * The parent of `path` resolved (symlinks followed inside the root) and its last component
 * kept as named: where an entry of that name is created, replaced or removed.
 */
export async function resolveParent<S extends EntryKind>(fs: RootFs<S>, path: string): Promise<{ dir: Resolved<S>; name: string; rel: string }> {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  const name = parts.pop() ?? ''
  if (name === '..') {
    // "a/.." names a dir, not an entry in one: resolve it whole.
    const dir = await resolveInRoot(fs, path, { follow: true })
    return { dir, name: '', rel: dir.rel }
  }
  const dir = await resolveInRoot(fs, parts.join('/'), { follow: true })
  return { dir, name, rel: dir.rel ? (name ? `${dir.rel}/${name}` : dir.rel) : name }
}
