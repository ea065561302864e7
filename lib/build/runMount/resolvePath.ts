// A path inside a root, resolved as the kernel would resolve it if the root were `/`: symlinks
// are followed, absolute ones and `..` restart from or stop at the root, never above it (the
// securejoin rule BuildKit applies to mount sources). So a context symlink `link -> /etc`
// named as a bind source means <context>/etc, never the host's /etc. Two backings: a host dir
// (the context, a cache dir) and the merged view of a stage's snapshots.

import { lstat, readlink } from 'node:fs/promises'
import { Codes, StoreError } from '../../errors.js'
import type { MergedView } from '../../driver/index.js'

type Kind = 'dir' | 'symlink' | 'other'

export interface RootFs {
  /** What `rel` (no leading "/"; '' is the root) is, or undefined when it does not exist. */
  kind(rel: string): Promise<Kind | undefined>
  readlink(rel: string): Promise<string>
}

export interface Resolved {
  /** The resolved path, relative to the root, free of symlinks ('' is the root). */
  rel: string
  kind: 'dir' | 'other' | 'missing'
  /** When missing: the components left after the first one that does not exist. */
  rest: string[]
}

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_LINKS = 40

export async function resolveInRoot(root: RootFs, path: string): Promise<Resolved> {
  const todo = path.split('/').filter(Boolean).reverse()
  let cur: string[] = []
  let kind: Resolved['kind'] = 'dir'
  let links = 0
  while (todo.length > 0) {
    const c = todo.pop()!
    if (kind !== 'dir') return { rel: cur.join('/'), kind: 'missing', rest: [c, ...todo.reverse()] } // ENOTDIR
    if (c === '.') continue
    if (c === '..') {
      cur.pop()
      continue
    }
    const rel = [...cur, c].join('/')
    const k = await root.kind(rel)
    if (k === undefined) return { rel: cur.join('/'), kind: 'missing', rest: [c, ...todo.reverse()] }
    if (k === 'symlink') {
      if (++links > MAX_LINKS) throw new StoreError(Codes.BUILD_FAILED, `${path}: too many levels of symbolic links`)
      const target = await root.readlink(rel)
      if (target.startsWith('/')) cur = []
      todo.push(...target.split('/').filter(Boolean).reverse())
      continue
    }
    cur.push(c)
    kind = k
  }
  return { rel: cur.join('/'), kind, rest: [] }
}

export function hostRoot(dir: string): RootFs {
  const abs = (rel: string) => (rel ? `${dir}/${rel}` : dir)
  return {
    async kind(rel) {
      const st = await lstat(abs(rel)).catch(() => undefined)
      return st === undefined ? undefined : st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'other'
    },
    readlink: (rel) => readlink(abs(rel)),
  }
}

export function viewRoot(view: MergedView): RootFs {
  return {
    async kind(rel) {
      const e = await view.lookup(rel)
      return e === undefined ? undefined : e.stat.isSymbolicLink() ? 'symlink' : e.stat.isDirectory() ? 'dir' : 'other'
    },
    readlink: async (rel) => readlink((await view.lookup(rel))!.path),
  }
}
