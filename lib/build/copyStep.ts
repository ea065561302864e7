// COPY and ADD: the step's layer is made straight from the sources (no container): each source
// is resolved (globs, .dockerignore), mapped to its destination as Docker does, hashed for the
// cache key (content, names, modes, ownership; never mtimes), and written as a tar stream into
// a new layer. ADD also unpacks local tar archives (plain or compressed) into the destination,
// entry by entry, without extracting them to disk (addArchive.ts);
// a downloaded file (ADD <url>, remote.ts) is placed by the same rules but never unpacked.

import type { Stats } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { addLayer, type AddedLayer } from '../image/create.js'
import { itemsTar, type LayerRecord, type TarItem, type TreeTarOptions } from '../layer/index.js'
import { ContextHasher, expandSource, walkSource, type IgnoreFn, type SourceItem, type SourceRoot } from './context.js'
import { archiveItems } from './addArchive.js'

export interface CopyItem {
  /** Path in the layer (relative, no leading "/"). */
  name: string
  abs: string
  stat: Stats
  /** ADD <url>: Docker never unpacks a downloaded archive. */
  noExtract?: boolean
  /** A destination dir the step makes (no source, `abs` is ''): always 0755, never --chmod. */
  created?: boolean
}

export interface CopyPlan {
  items: CopyItem[]
  /** Cache-key digest of the items as they will land. */
  digest: string
}

/** Does `path` (absolute in the image) exist as a dir in the merged lower view? */
export type LowerStat = (path: string) => Promise<'dir' | 'other' | undefined>

export interface CopyOptions {
  /** Root the sources are resolved in: the context, or another stage's merged view (--from). */
  sourceRoot: SourceRoot
  sources: string[]
  /** Absolute destination (already resolved against WORKDIR). */
  dest: string
  ignore: IgnoreFn
  lower: LowerStat
  /** Keep source ownership (COPY --from) instead of 0:0. */
  keepOwner: boolean
  chown?: { uid: number; gid: number }
  chmod?: number
  /** ADD: unpack local tar archives. */
  extractArchives?: boolean
  /** The instruction has more than one source in all (context, heredoc, URL): dest is a dir. */
  multiple?: boolean
}

const dirStat = (uid: number, gid: number): Stats => ({ mode: 0o40755, uid, gid, isDirectory: () => true, isFile: () => false, isSymbolicLink: () => false, isCharacterDevice: () => false, isBlockDevice: () => false, isFIFO: () => false, nlink: 1, mtimeMs: 0, size: 0 }) as unknown as Stats

export async function planCopy(hasher: ContextHasher, o: CopyOptions): Promise<CopyPlan> {
  const matched = []
  for (const s of o.sources) {
    const found = await expandSource(o.sourceRoot, s, o.ignore)
    if (found.length === 0) {
      throw new StoreError(Codes.BUILD_FAILED, `failed to compute cache key: failed to calculate checksum of ref: "/${s.replace(/^\/+/, '')}": not found`, {
        hint: 'the source is missing from the build context or excluded by .dockerignore',
        })
    }
    matched.push(...found)
  }
  const items = await placeItems(o, matched)
  // ` dirs:0755`: layers cached before created dirs stopped taking --chmod must not be reused.
  const digest = await hasher.digestOf(items.map((i) => ({ name: i.name, abs: i.abs, stat: i.stat })), o.chown ? `${o.chown.uid}:${o.chown.gid}` : o.keepOwner ? 'keep' : '0:0', o.chmod === undefined ? undefined : `${o.chmod.toString(8)} dirs:0755`)
  return { items, digest }
}

/** Where matched sources land under `o.dest` (Docker's rules), after the parents it lacks. */
export async function placeItems(o: CopyOptions, matched: SourceItem[]): Promise<CopyItem[]> {
  const destIsDir = o.dest.endsWith('/') || o.multiple || matched.length > 1 || (await o.lower(o.dest)) === 'dir' || matched.some((m) => m.stat.isDirectory())
  const dest = o.dest.replace(/\/+$/, '') || '/'
  const rel = (p: string) => p.replace(/^\/+/, '')
  const items: CopyItem[] = []
  const owner = o.chown ?? { uid: 0, gid: 0 }
  // Parents of the destination that the image lacks are created 0755, owned by the chown user,
  // whatever --chmod says: BuildKit makes them with fsutil's MkdirAll(dst, 0755, chown) before
  // copying, and --chmod reaches only the copied files and dirs.
  const parents = (destIsDir ? dest : dest.slice(0, dest.lastIndexOf('/'))).split('/').filter(Boolean)
  for (let i = 1; i <= parents.length; i++) {
    const p = '/' + parents.slice(0, i).join('/')
    if ((await o.lower(p)) === undefined) items.push({ name: rel(p), abs: '', stat: dirStat(owner.uid, owner.gid), created: true })
  }
  for (const m of matched) {
    if (m.stat.isDirectory()) {
      for await (const c of walkSource(o.sourceRoot, m.rel, o.ignore)) {
        items.push({ name: rel(`${dest}/${c.rel.slice(m.rel ? m.rel.length + 1 : 0)}`), abs: c.abs, stat: c.stat })
      }
    } else {
      const base = m.rel.slice(m.rel.lastIndexOf('/') + 1)
      items.push({ name: rel(destIsDir ? `${dest}/${base}` : dest), abs: m.abs, stat: m.stat })
    }
  }
  return items
}

/** Write the planned items as a layer on top of `layers`. */
export async function copyLayer(store: Store, layers: LayerRecord[], plan: CopyPlan, o: CopyOptions, tar: TreeTarOptions = {}): Promise<AddedLayer> {
  const parent = layers.length > 0 ? layers[layers.length - 1].chainId : null
  const owner = o.chown ?? (o.keepOwner ? undefined : { uid: 0, gid: 0 })
  async function* items(): AsyncGenerator<TarItem> {
    for (const it of plan.items) {
      if (o.extractArchives && !it.noExtract && it.stat.isFile() && isArchive(it.abs)) {
        // ADD unpacks local archives: their entries go into the layer as they are read.
        const destDir = it.name.slice(0, Math.max(0, it.name.lastIndexOf('/')))
        yield* archiveItems(it.abs, it.abs.slice(it.abs.lastIndexOf('/') + 1), destDir, o.chmod)
        continue
      }
      yield { name: it.name, source: it.abs, stat: it.stat, mode: it.created ? undefined : o.chmod }
    }
  }
  return addLayer(store, parent, itemsTar(items(), { ...tar, chown: owner }))
}

function isArchive(path: string): boolean {
  return /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/.test(path)
}
