// changes() of the copy driver: compare the materialised rootfs with the merged lower view.
// A plain tree keeps no record of what was written, so each entry's metadata is compared with
// the lower entry it was copied from: type, mode, uid, gid, size, mtime (ns), device numbers,
// symlink target. Two things do not show in that metadata: an xattr change and a content
// rewrite that keeps size and mtime (e.g. `touch -r` afterwards). For those the ctime decides:
// the kernel sets it on every change and nobody can set it back, so an entry whose ctime is not
// older than the stamp written right after materialisation was touched since, and gets its
// xattrs and bytes compared too (entries copied in the stamp's clock tick are compared as well:
// harmless). Deleted paths are reported once, at the top-most deleted one; a dir is reported
// (modify) when its own metadata changed or anything below it did, as overlayfs' copy-up would.

import { lstat, open, readdir, readlink } from 'node:fs/promises'
import type { BigIntStats } from 'node:fs'
import type { LayerChange } from './types.js'
import { LowerView } from './_lowerView.js'
import { xattrsOf, type OpaqueOracle } from './_xattr.js'
import { byteOrder } from './_upperChanges.js'

export async function treeChanges(rootfs: string, lowers: string[], oracle: OpaqueOracle, sinceCtimeNs: bigint, ignoreXattrs: string[]): Promise<LayerChange[]> {
  const view = new LowerView(lowers, oracle)
  const ctx: Ctx = { rootfs, view, since: sinceCtimeNs, ignore: new Set(ignoreXattrs) }
  return walk(ctx, '', false)
}

interface Ctx {
  rootfs: string
  view: LowerView
  since: bigint
  ignore: Set<string>
}

async function walk(ctx: Ctx, rel: string, fresh: boolean): Promise<LayerChange[]> {
  const dir = rel ? `${ctx.rootfs}/${rel}` : ctx.rootfs
  const here = new Set(await readdir(dir))
  const below = fresh ? [] : await ctx.view.list(rel)
  const names = [...new Set([...here, ...below])].sort(byteOrder)
  const out: LayerChange[] = []
  for (const n of names) {
    const path = rel ? `${rel}/${n}` : n
    const source = `${dir}/${n}`
    if (!here.has(n)) {
      out.push({ kind: 'delete', path })
      continue
    }
    const st = await lstat(source, { bigint: true })
    const lower = fresh ? undefined : await ctx.view.lookup(path)
    if (!lower) {
      out.push({ kind: 'add', path, source })
      if (st.isDirectory()) out.push(...(await walk(ctx, path, true)))
      continue
    }
    if (st.isDirectory() && lower.stat.isDirectory()) {
      const children = await walk(ctx, path, false)
      if (children.length > 0 || metaDiffers(st, lower.stat) || (st.ctimeNs >= ctx.since && (await xattrsDiffer(ctx, source, lower.path)))) {
        out.push({ kind: 'modify', path, source }, ...children)
      }
      continue
    }
    if (st.isDirectory() !== lower.stat.isDirectory()) {
      // Replaced across kinds: the new entry supersedes the old one (a new dir's children are new).
      out.push({ kind: 'modify', path, source })
      if (st.isDirectory()) out.push(...(await walk(ctx, path, true)))
      continue
    }
    if (await entryDiffers(ctx, st, source, lower.stat, lower.path)) out.push({ kind: 'modify', path, source })
  }
  return out
}

function metaDiffers(a: BigIntStats, b: BigIntStats): boolean {
  return (
    a.mode !== b.mode || // type and permission bits
    a.uid !== b.uid ||
    a.gid !== b.gid ||
    // Dir sizes depend on the file system's history, not on content: not compared.
    (!a.isDirectory() && a.size !== b.size) ||
    a.mtimeNs !== b.mtimeNs ||
    a.rdev !== b.rdev
  )
}

async function entryDiffers(ctx: Ctx, st: BigIntStats, path: string, lst: BigIntStats, lpath: string): Promise<boolean> {
  if (metaDiffers(st, lst)) return true
  if (st.isSymbolicLink() && (await readlink(path)) !== (await readlink(lpath))) return true
  if (st.ctimeNs < ctx.since) return false
  if (await xattrsDiffer(ctx, path, lpath)) return true
  return st.isFile() && !(await sameBytes(path, lpath))
}

async function xattrsDiffer(ctx: Ctx, a: string, b: string): Promise<boolean> {
  const x = await xattrsOf([a, b])
  const strip = (m: Map<string, string> | undefined) =>
    JSON.stringify([...(m ?? new Map<string, string>())].filter(([k]) => !ctx.ignore.has(k)).sort())
  return strip(x.get(a)) !== strip(x.get(b))
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')])
  try {
    const ba = Buffer.alloc(1 << 16)
    const bb = Buffer.alloc(1 << 16)
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, ba.length, null), fb.read(bb, 0, bb.length, null)])
      if (ra.bytesRead !== rb.bytesRead) return false
      if (ra.bytesRead === 0) return true
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false
    }
  } finally {
    await Promise.all([fa.close(), fb.close()])
  }
}
