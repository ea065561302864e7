// Where a layer's entries land: every entry path is resolved inside the root before anything is
// written (fsroot's resolveInRoot over the folder being extracted), so whatever the layer holds
// (links to links, hardlinks to symlinks, `a -> ../../..`, a dir replaced by a link and then
// written through) a write never leaves the root.
//
// Following a symlink in a parent position INSIDE the root is containerd's behaviour (its
// archive.Apply resolves each parent with fs.RootPath and writes there), and it is well defined
// for both modes: extracting into an empty snapshot only meets this layer's own links, applying
// onto a stage tree also meets lower layers' links, as a plain file system would. Import refuses
// an entry below a symlink of its own layer before it is stored (paths.ts SymlinkGuard), so this
// is what keeps layers that reached the store another way (older stores, hand-made indexes)
// inside their root.

import { lstatSync, mkdirSync, type Stats } from 'node:fs'
import { rm } from 'node:fs/promises'
import { Codes, StoreError, isStoreError } from '../errors.js'
import { hostTree, resolveInRoot, type TreeFs } from '../fsroot/index.js'
import { baseOf, parentOf } from './paths.js'

const NO_THROW = { throwIfNoEntry: false } as const

export class RootWriter {
  private readonly fs: TreeFs<Stats>
  /**
   * Entry parent as named -> its resolved, existing dir: a layer's entries share parents, and
   * resolving one costs an lstat per component. Only removals can change what a cached dir
   * resolves to (a new link never lands on an existing dir), so they clear it.
   */
  private readonly dirs = new Map<string, string>()

  constructor(readonly root: string, private readonly beforeRemove: (rel: string) => void) {
    this.fs = hostTree(root)
  }

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`
  }

  lstat(rel: string): Stats | undefined {
    try {
      return lstatSync(this.abs(rel), NO_THROW) // mostly new paths: no exception for ENOENT
    } catch {
      return undefined
    }
  }

  /**
   * The resolved path for entry `rel`: its parent resolved inside the root (made as dirs where
   * missing, when `create`), its last component as named. Undefined when the parent is not a
   * dir and is not to be created.
   */
  async place(rel: string, entry: string, create = true): Promise<string | undefined> {
    const parent = parentOf(rel)
    let dir = this.dirs.get(parent)
    if (dir === undefined) {
      const r = await this.resolve(parent, entry)
      if (!r.stat?.isDirectory() && !create) return undefined
      if (!r.stat) this.mkdirs(r.rel, entry)
      else if (!r.stat.isDirectory()) throw corrupt(entry, `its parent "${r.rel}" is not a directory`)
      dir = r.rel
      this.dirs.set(parent, dir)
    }
    return dir ? `${dir}/${baseOf(rel)}` : baseOf(rel)
  }

  /** A dir resolved whole (its own last component followed too), e.g. an opaque marker's. */
  async resolve(rel: string, entry: string) {
    try {
      return await resolveInRoot(this.fs, rel, { follow: true })
    } catch (e) {
      if (isStoreError(e, Codes.SYMLINK_LOOP)) throw corrupt(entry, 'too many levels of symbolic links')
      throw e
    }
  }

  /** Make every missing dir of resolved `rel` (0755, like mkdir -p). */
  mkdirs(rel: string, entry: string): void {
    const parts = rel.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/')
      const st = this.lstat(p)
      if (st?.isDirectory()) continue
      if (st) throw corrupt(entry, `"${p}" is not a directory`)
      mkdirSync(this.abs(p), 0o755)
    }
  }

  /** Remove the entry at resolved `rel`, never following it. */
  async remove(rel: string): Promise<void> {
    this.beforeRemove(rel)
    this.dirs.clear()
    await rm(this.abs(rel), { recursive: true, force: true })
  }
}

export function corrupt(entry: string, what: string): StoreError {
  return new StoreError(Codes.LAYER_REFUSED, `tar entry "${entry}": ${what}`, { data: { path: entry } })
}
