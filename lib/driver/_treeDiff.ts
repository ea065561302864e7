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

import { closeSync, openSync, readSync, readlinkSync, type BigIntStats } from 'node:fs'
import type { LayerChange } from './types.js'
import { LowerView } from './_lowerView.js'
import { xattrsOf, type OpaqueOracle } from '../_xattr.js'
import { DirFd, byteOrder } from '../fsroot/index.js'

const STUB_XATTR = /^(trusted|user)\.overlay\.(metacopy|redirect)$/

export async function treeChanges(rootfs: string, lowers: string[], oracle: OpaqueOracle, sinceCtimeNs: bigint, ignoreXattrs: string[]): Promise<LayerChange[]> {
  const view = new LowerView(lowers, oracle)
  const ctx: Ctx = { rootfs, view, since: sinceCtimeNs, ignore: new Set(ignoreXattrs) }
  // The rootfs may be a running container's: walked through open dir fds (fsroot's DirFd).
  const top = DirFd.open(rootfs)
  try {
    return await walk(ctx, top, '', false)
  } finally {
    top.close()
  }
}

interface Ctx {
  rootfs: string
  view: LowerView
  since: bigint
  ignore: Set<string>
}

async function walk(ctx: Ctx, d: DirFd, rel: string, fresh: boolean): Promise<LayerChange[]> {
  const here = new Set(d.list())
  const below = fresh ? [] : await ctx.view.list(rel)
  const names = [...new Set([...here, ...below])].sort(byteOrder)
  const out: LayerChange[] = []
  const sub = async (n: string, path: string, childFresh: boolean) => {
    const child = d.dir(n)
    try {
      return await walk(ctx, child, path, childFresh)
    } finally {
      child.close()
    }
  }
  for (const n of names) {
    const path = rel ? `${rel}/${n}` : n
    const change = { path, source: `${ctx.rootfs}/${path}`, root: ctx.rootfs }
    if (!here.has(n)) {
      out.push({ kind: 'delete', path })
      continue
    }
    const st = d.lstat(n, { bigint: true })
    const lower = fresh ? undefined : await ctx.view.lookup(path)
    if (!lower) {
      out.push({ kind: 'add', ...change })
      if (st.isDirectory()) out.push(...(await sub(n, path, true)))
      continue
    }
    if (st.isDirectory() && lower.stat.isDirectory()) {
      const children = await sub(n, path, false)
      if (children.length > 0 || metaDiffers(st, lower.stat) || (st.ctimeNs >= ctx.since && (await xattrsDiffer(ctx, d.atForChild(n), lower.path)))) {
        out.push({ kind: 'modify', ...change }, ...children)
      }
      continue
    }
    if (st.isDirectory() !== lower.stat.isDirectory()) {
      // Replaced across kinds: the new entry supersedes the old one (a new dir's children are new).
      out.push({ kind: 'modify', ...change })
      if (st.isDirectory()) out.push(...(await sub(n, path, true)))
      continue
    }
    if (await entryDiffers(ctx, d, n, st, lower.stat, lower.path, lower.content)) out.push({ kind: 'modify', ...change })
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

async function entryDiffers(ctx: Ctx, d: DirFd, n: string, st: BigIntStats, lst: BigIntStats, lpath: string, lcontent?: string): Promise<boolean> {
  if (metaDiffers(st, lst)) return true
  if (st.isSymbolicLink() && d.readlink(n) !== readlinkSync(lpath)) return true
  if (st.ctimeNs < ctx.since) return false
  if (await xattrsDiffer(ctx, d.atForChild(n), lpath)) return true
  return st.isFile() && !sameBytes(d, n, lcontent ?? lpath) // a stub's bytes are in the pool
}

async function xattrsDiffer(ctx: Ctx, a: string, b: string): Promise<boolean> {
  const x = await xattrsOf([a, b])
  // A stub's metacopy and redirect are overlay's, never the image's (its copy has neither).
  const strip = (m: Map<string, string> | undefined) =>
    JSON.stringify([...(m ?? new Map<string, string>())].filter(([k]) => !ctx.ignore.has(k) && !STUB_XATTR.test(k)).sort())
  return strip(x.get(a)) !== strip(x.get(b))
}

/** Synchronous reads: both files are on local disks, and this runs for touched files only. */
function sameBytes(d: DirFd, n: string, b: string): boolean {
  const fa = d.openFile(n)
  const fb = openSync(b, 'r')
  try {
    const ba = Buffer.alloc(1 << 16)
    const bb = Buffer.alloc(1 << 16)
    for (;;) {
      const ra = readSync(fa, ba, 0, ba.length, null)
      const rb = readSync(fb, bb, 0, bb.length, null)
      if (ra !== rb) return false
      if (ra === 0) return true
      if (!ba.subarray(0, ra).equals(bb.subarray(0, rb))) return false
    }
  } finally {
    closeSync(fa)
    closeSync(fb)
  }
}
