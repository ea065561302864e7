// `store fsck --snapshots`: each snapshot against its layers, and the pool against its names.
//   1. per snapshot: the layers applied again into a scratch tree (_expect.ts), and both trees
//      compared entry by entry (type, mode, owner, size, mtime, link target, device, xattrs);
//      each regular file's content against the layer's (its SHA-256): a pooled file by its
//      map entry, its pool file (present, same size; the same inode for the hard-link form)
//      and a stub's redirect; a copy by its bytes;
//   2. the pool: every content file re-hashed against its name, every redirect name the same
//      inode as its content file.
// Steps return what they found; nothing is repaired (a snapshot is a cache: `system prune`
// drops it, the next container rebuilds it).

import { createReadStream, lstatSync, mkdirSync, rmSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import type { ContentStore } from '../cas/types.js'
import type { Digest } from '../digest/digest.js'
import { poolRedirect, type Layout } from '../layout.js'
import { applyLayer, loadIndex, type LayerRecord } from '../layer/index.js'
import { xattrsOf } from '../_xattr.js'
import { SnapshotSink } from './_sink.js'
import { listTree, placeExpected } from './_expect.js'
import { mappedSnapshots, scanPool } from './_poolScan.js'
import { readMapSync } from './map.js'

export interface SnapshotProblem {
  id: string
  message: string
}

export interface SnapshotCheck {
  snapshots: number
  poolFiles: number
  problems: SnapshotProblem[]
}

const sha256File = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(path).on('data', (b) => h.update(b)).on('error', reject).on('end', () => resolve(h.digest('hex')))
  })

export async function verifySnapshots(cas: ContentStore, layout: Layout, layer: (id: Digest) => Promise<LayerRecord | undefined>): Promise<SnapshotCheck> {
  const out: SnapshotCheck = { snapshots: 0, poolFiles: 0, problems: [] }
  const found = mappedSnapshots(layout)
  const all = [...found.snapshots.map((s) => s.dir), ...found.unmapped]
  for (const dir of all) {
    out.snapshots++
    const id = `sha256:${dir.slice(dir.lastIndexOf('/') + 1)}` as Digest
    try {
      for (const message of await checkSnapshot(cas, layout, id, dir, layer)) out.problems.push({ id, message })
    } catch (e) {
      out.problems.push({ id, message: (e as Error).message })
    }
  }
  await checkPool(layout, out)
  return out
}

async function checkSnapshot(cas: ContentStore, layout: Layout, id: Digest, dir: string, layer: (id: Digest) => Promise<LayerRecord | undefined>): Promise<string[]> {
  const map = readMapSync(layout.snapshotMap(id))
  const chain: LayerRecord[] = []
  for (let c: Digest | null = id; c; ) {
    const l = await layer(c)
    if (!l) return [`layer ${c} is not in the store`]
    chain.unshift(l)
    c = l.parent
    if (map?.form !== 'data-only') break // one layer per snapshot, except a data-only chain
  }
  const prefix = process.getuid?.() === 0 ? 'trusted.overlay.' : 'user.overlay.'
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  mkdirSync(tmp)
  const sink = new SnapshotSink(layout, 'data-only', placeExpected, prefix)
  try {
    for (const l of chain) {
      const mode = map?.form === 'data-only' ? 'plain' : 'overlay'
      await applyLayer(cas, await loadIndex(cas, l.index), tmp, { mode, opaqueXattr: `${prefix}opaque`, files: sink })
    }
    const [want, have] = [await listTree(tmp), await listTree(dir)]
    const problems: string[] = []
    for (const [rel, w] of want) {
      const h = have.get(rel)
      if (!h) problems.push(`/${rel} is missing`)
      else if (h.text !== w.text) problems.push(`/${rel} is "${h.text}", the layer says "${w.text}"`)
    }
    for (const rel of have.keys()) if (!want.has(rel)) problems.push(`/${rel} is not in the layer`)
    const stubs: string[] = []
    for (const [rel, ref] of sink.refs) {
      if (!have.get(rel) || have.get(rel)!.kind !== 'file') continue
      const got = map?.get(rel)
      const pool = got && (got.key ? layout.poolVariant(got.hex, got.key) : layout.poolFile(got.hex))
      if (got && got.hex !== ref.hex) problems.push(`/${rel} uses pool file ${got.hex}, its content is ${ref.hex}`)
      else if (pool) {
        const st = lstatSync(pool, { throwIfNoEntry: false })
        if (!st) problems.push(`/${rel}: its pool file ${pool} is missing`)
        else if (st.size !== lstatSync(`${dir}/${rel}`).size) problems.push(`/${rel}: its pool file ${pool} has ${st.size} bytes`)
        else if (map?.form === 'hardlink' && st.ino !== have.get(rel)!.ino) problems.push(`/${rel} is not a link to its pool file ${pool}`)
        if (map?.form === 'data-only') stubs.push(rel)
      } else if ((await sha256File(`${dir}/${rel}`)) !== ref.hex) problems.push(`/${rel} has other bytes than the layer`)
    }
    // A stub's redirect, read back: the one thing that decides what overlayfs shows.
    const attrs = await xattrsOf(stubs.map((r) => `${dir}/${r}`))
    for (const rel of stubs) {
      const ref = map!.get(rel)!
      const want = `0x${Buffer.from(poolRedirect(ref.hex, ref.window ?? 0)).toString('hex')}`
      const got = attrs.get(`${dir}/${rel}`)
      if (got?.get(`${prefix}redirect`) !== want || !got?.has(`${prefix}metacopy`)) problems.push(`/${rel}: its stub does not redirect to its pool file`)
    }
    return problems
  } finally {
    sink.ctx.batch.abort()
    rmSync(tmp, { recursive: true, force: true })
  }
}

async function checkPool(layout: Layout, out: SnapshotCheck): Promise<void> {
  const files = scanPool(layout)
  const byIno = new Map<number, string[]>()
  for (const [name, f] of files) byIno.set(f.ino, [...(byIno.get(f.ino) ?? []), name])
  for (const [name, f] of files) {
    const m = /^([0-9a-f]{2})\/([0-9a-f]{64})(\.[0-9a-f]{16})?$/.exec(name)
    if (!m) {
      // A redirect name is a second name of the content file whose digest has it in a window.
      const owner = (byIno.get(f.ino) ?? []).find((n) => n.length === 67 && [0, 1, 2].some((w) => poolRedirect(n.slice(3), w) === `/${name}`))
      if (!owner) out.problems.push({ id: `pool/${name}`, message: 'is a redirect name of no pool file with that digest' })
      continue
    }
    out.poolFiles++
    const got = await sha256File(`${layout.poolDir}/${name}`)
    if (got !== m[2]) out.problems.push({ id: `pool/${name}`, message: `has content with digest ${got}` })
  }
}
