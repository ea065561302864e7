// The build context: resolving COPY/ADD sources (globs, .dockerignore, escapes), and hashing
// them for the cache key from content, names, modes and ownership — never mtimes. File digests
// are remembered per (path, dev, inode, size, mtime, ctime) in cache/context-hashes.json, so a
// rebuild re-reads only files whose metadata changed: hashing is proportional to what changed.

import { createReadStream, type Stats } from 'node:fs'
import { readFile, readlink } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { hostTree, resolveInRoot, type TreeFs } from '../fsroot/index.js'

export type IgnoreFn = (rel: string, isDir: boolean) => boolean

export interface SourceItem {
  /** Path relative to the source root, resolved (no symlink among its dirs). */
  rel: string
  abs: string
  stat: Stats
}

const SMALL_FILE = 256 << 10
const HASH_WINDOW = 32

interface HashMemo {
  [abs: string]: { key: string; digest: string }
}

export class ContextHasher {
  private memo: HashMemo = {}
  private dirty = false

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    this.memo = (await readJson<HashMemo>(`${this.store.layout.cacheDir}/context-hashes.json`).catch(() => undefined)) ?? {}
  }

  async save(): Promise<void> {
    if (this.dirty) await writeFileAtomic(`${this.store.layout.cacheDir}/context-hashes.json`, JSON.stringify(this.memo))
  }

  async fileDigest(abs: string, st: Stats): Promise<string> {
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
    const m = this.memo[abs]
    if (m && m.key === key) return m.digest
    // Small files in one read: a stream's 1 MiB buffer per file was most of the garbage
    // collection of a 10 000-file context.
    let digest: string
    if (st.size <= SMALL_FILE) digest = this.store.hash.sha256(await readFile(abs))
    else {
      const h = this.store.hash.create()
      for await (const b of createReadStream(abs, { highWaterMark: 1 << 20 })) h.update(b as Uint8Array)
      digest = h.digest()
    }
    this.memo[abs] = { key, digest }
    this.dirty = true
    return digest
  }

  /** Digest of a set of items as they will land: names relative to the destination. */
  async digestOf(items: { name: string; abs: string; stat: Stats }[], chown?: string, chmod?: string): Promise<string> {
    const lines: string[] = [`chown=${chown ?? ''}`, `chmod=${chmod ?? ''}`]
    const line = async (it: (typeof items)[number]) => {
      const st = it.stat
      const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o'
      const body = kind === 'f' ? await this.fileDigest(it.abs, st) : kind === 'l' ? await readlink(it.abs) : ''
      return [it.name, kind, (st.mode & 0o7777).toString(8), st.uid, st.gid, kind === 'f' ? st.size : 0, body].join('\0')
    }
    // Files are read HASH_WINDOW at a time: many small files are bound by I/O latency, not bytes.
    for (let i = 0; i < items.length; i += HASH_WINDOW) lines.push(...(await Promise.all(items.slice(i, i + HASH_WINDOW).map(line))))
    return this.store.hash.sha256(new TextEncoder().encode(lines.join('\n'))).slice(7)
  }
}

/** Match one path component against a filepath.Match pattern (*, ?, [...], \ escapes). */
export function matchComponent(pattern: string, name: string): boolean {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 1)
      if (j < 0) return pattern === name
      let cls = pattern.slice(i + 1, j)
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1)
      re += `[${cls.replace(/\\/g, '\\\\')}]`
      i = j
    } else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i])
    else re += escapeRe(c)
  }
  return new RegExp(`^${re}$`).test(name)
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const hasMeta = (s: string) => /[*?[\\]/.test(s)

/**
 * Where COPY/ADD sources are read: the context (a host folder) or a stage or image (its merged
 * snapshots, driver/view.ts). Sources are resolved inside it, as BuildKit does: a context
 * symlink `link -> /etc` makes `COPY link/file` read `<context>/etc/file`, never the host's.
 */
export type SourceRoot = string | TreeFs<Stats>

const treeOf = (r: SourceRoot): TreeFs<Stats> => (typeof r === 'string' ? hostTree(r) : r)

/**
 * Expand a COPY source (relative to the root, may hold globs) to existing paths. The dirs on the
 * way are resolved inside the root; the last component is not followed (a symlink source is
 * copied as a symlink). `rel` of each item is its resolved path.
 */
export async function expandSource(root: SourceRoot, src: string, ignore: IgnoreFn): Promise<SourceItem[]> {
  const fs = treeOf(root)
  const parts: string[] = []
  for (const p of src.split('/')) {
    if (p === '' || p === '.') continue
    if (p === '..') {
      if (parts.length === 0) throw new StoreError(Codes.BUILD_FAILED, `forbidden path outside the build context: ${src}`)
      parts.pop()
    } else parts.push(p)
  }
  let matches: string[] = ['']
  for (const [i, part] of parts.entries()) {
    const next: string[] = []
    for (const m of matches) {
      const names = hasMeta(part) ? (await fs.list(m)).filter((n) => matchComponent(part, n)) : [part]
      for (const n of names) {
        const rel = m ? `${m}/${n}` : n
        if (i === parts.length - 1) {
          next.push(rel)
          continue
        }
        const dir = await resolveInRoot(fs, rel, { follow: true })
        if (dir.stat?.isDirectory()) next.push(dir.rel)
      }
    }
    matches = next
  }
  const out: SourceItem[] = []
  for (const rel of matches) {
    const e = await fs.entry(rel)
    if (!e || (rel && ignore(rel, e.stat.isDirectory()))) continue
    out.push({ rel, abs: e.content ?? e.path, stat: e.stat }) // a stub's bytes are in the pool
  }
  return out
}

/** Every path under a source dir (not the dir itself), sorted, parents first, minus ignored. Never follows a symlink. */
export async function* walkSource(root: SourceRoot, dirRel: string, ignore: IgnoreFn): AsyncGenerator<SourceItem> {
  yield* walk(treeOf(root), dirRel, ignore)
}

async function* walk(fs: TreeFs<Stats>, dirRel: string, ignore: IgnoreFn): AsyncGenerator<SourceItem> {
  const names = await fs.list(dirRel)
  // A folder's entries are stat'ed together: one at a time, a 10 000-file context spent most
  // of a fully cached rebuild waiting on lstat round trips.
  const entries = await Promise.all(names.map((n) => fs.entry(dirRel ? `${dirRel}/${n}` : n)))
  for (const [i, n] of names.entries()) {
    const rel = dirRel ? `${dirRel}/${n}` : n
    const e = entries[i]
    if (!e) continue // gone since it was listed
    const isDir = e.stat.isDirectory()
    if (ignore(rel, isDir)) {
      if (!isDir) continue
      // An excluded dir may still hold re-included (!pattern) children: look inside.
      yield* walk(fs, rel, ignore)
      continue
    }
    yield { rel, abs: e.content ?? e.path, stat: e.stat }
    if (isDir) yield* walk(fs, rel, ignore)
  }
}
