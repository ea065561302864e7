// The merged view of a stack of read-only snapshots, computed without mounting anything: what a
// container sees before it writes. Lowers are top-most first and already in overlay form, so:
//   - a 0/0 character device hides the name in every lower below it;
//   - an opaque dir hides the lower dirs of the same path (but not its own children);
//   - a non-dir hides everything below it at that path, a dir over a non-dir wins.
// Directory stacks (which lowers hold a visible dir at a path) are memoised, so looking up many
// paths under one dir costs one lstat per lower per name. A regular file of a data-only
// snapshot is a stub: its entry says where its bytes are (`content`, a pool file; _stubs.ts).

import { lstatSync, readdirSync, type BigIntStats, type Stats } from 'node:fs'
import type { OpaqueOracle } from '../_xattr.js'
import { byteOrder } from '../fsroot/index.js'
import type { SnapshotMap } from '../snapshot/map.js'
import { stubIndex } from './_stubs.js'

export interface LowerEntry {
  /** Host path of the top-most lower that provides this path. */
  path: string
  /** bigint: nanosecond times, for exact comparisons. */
  stat: BigIntStats
  /** Where a stub's bytes are (a pool file); undefined when they are at `path` itself. */
  content?: string
}

export function isWhiteout(st: Stats | BigIntStats): boolean {
  return st.isCharacterDevice() && Number(st.rdev) === 0
}

// Synchronous on purpose: one lstat is a few microseconds, a trip through libuv's thread pool
// tens of them, and callers ask for paths one after another (`store run` asks ~40 of them).
const lstatOrNull = (p: string): BigIntStats | null => {
  try {
    return lstatSync(p, { bigint: true })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw e
  }
}

export class LowerView {
  /** rel dir -> host dirs (top-first) that are merged to make it; absent key = unknown yet. */
  private readonly stacks = new Map<string, string[]>()
  /** Snapshot maps read so far, by lower (null: not a data-only snapshot). */
  private readonly maps = new Map<string, SnapshotMap | null>()

  constructor(private readonly lowers: string[], private readonly oracle: OpaqueOracle) {
    this.stacks.set('', [...lowers])
  }

  /** The visible entry at `rel` (no leading "/"), or undefined when the lowers do not have it. */
  async lookup(rel: string): Promise<LowerEntry | undefined> {
    if (rel === '') {
      if (this.lowers.length === 0) return undefined
      return { path: this.lowers[0], stat: lstatSync(this.lowers[0], { bigint: true }) }
    }
    const slash = rel.lastIndexOf('/')
    const parent = slash < 0 ? '' : rel.slice(0, slash)
    const stack = await this.stack(parent)
    for (const dir of stack) {
      const p = `${dir}/${rel.slice(slash + 1)}`
      const st = lstatOrNull(p)
      if (!st) continue
      // The top-most lower decides: a whiteout hides the name, anything else is what is seen
      // (for a dir, overlayfs shows the top-most dir's metadata too).
      if (isWhiteout(st)) return undefined
      const content = st.isFile() && st.size > 0n ? this.stubs(dir, parent)?.content(rel.slice(slash + 1)) : undefined
      return content ? { path: p, stat: st, content } : { path: p, stat: st }
    }
    return undefined
  }

  /** Names visible in the merged dir `rel` (in byte order), empty when it is not a dir in the lowers. */
  async list(rel: string): Promise<string[]> {
    const stack = await this.stack(rel)
    const seen = new Map<string, boolean>() // name -> visible
    for (const dir of stack) {
      for (const n of readdirSync(dir)) {
        if (seen.has(n)) continue
        const st = lstatSync(`${dir}/${n}`)
        seen.set(n, !isWhiteout(st))
      }
    }
    return [...seen].filter(([, v]) => v).map(([n]) => n).sort(byteOrder)
  }

  /** Host dirs, top-first, whose contents merge into the view of dir `rel` (empty: not a dir). */
  async dirStack(rel: string): Promise<string[]> {
    return [...(await this.stack(rel))]
  }

  /** The stubs below `dir`, a dir of the stack of `rel` (undefined: not a data-only snapshot). */
  stubs(dir: string, rel: string) {
    // Every dir of stack(rel) is `${lower}/${rel}`: the lower is what is left of it.
    const root = rel === '' ? dir : dir.slice(0, dir.length - rel.length - 1)
    return stubIndex(root, rel, this.maps)
  }

  /** Host dirs, top-first, whose contents merge into the lower view of dir `rel`. */
  private async stack(rel: string): Promise<string[]> {
    const known = this.stacks.get(rel)
    if (known) return known
    const slash = rel.lastIndexOf('/')
    const parent = await this.stack(slash < 0 ? '' : rel.slice(0, slash))
    const name = rel.slice(slash + 1)
    const dirs: string[] = []
    for (const d of parent) {
      const st = lstatOrNull(`${d}/${name}`)
      if (!st) continue
      if (!st.isDirectory()) break // a file or whiteout hides everything below it
      dirs.push(`${d}/${name}`)
    }
    // A dir is cut below the first lower in which it is opaque. The bottom one hides nothing,
    // so a path found in one lower only (every path of a one-layer image) asks no oracle.
    const opaque = dirs.length > 1 ? await this.oracle.opaque(dirs.slice(0, -1)) : new Set<string>()
    const cut = dirs.findIndex((d) => opaque.has(d))
    const stack = cut < 0 ? dirs : dirs.slice(0, cut + 1)
    this.stacks.set(rel, stack)
    return stack
  }
}
