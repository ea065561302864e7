// changes() of the overlay drivers: the upper dir IS the writable layer, in overlay form.
//   0/0 char device        -> delete (the top-most deleted path only: overlayfs whiteouts the
//                             removed dir itself, never its children)
//   dir marked opaque       -> opaque (its lower children are hidden; its own children follow)
//   anything else           -> add when the lower view has no such path, else modify
// fuse-overlayfs without privileges writes `.wh.<name>` files and `.wh..wh..opq` markers instead,
// and as root adds a `.wh..opq` device next to the opaque xattr: both forms are understood.
// Order: depth-first, names in byte order: parents before children, as the layer writer wants.
// The upper dir may belong to a running container: it is walked through open dir fds (fsroot's
// DirFd), so a dir swapped for a symlink mid-walk is never followed onto the host.

import type { LayerChange } from './types.js'
import { LowerView, isWhiteout } from './_lowerView.js'
import type { OpaqueOracle } from '../_xattr.js'
import { DirFd, byteOrder } from '../fsroot/index.js'

const WH = '.wh.'
const OPQ = '.wh..wh..opq'

export { byteOrder }

interface Ctx {
  upper: string
  view: LowerView
  oracle: OpaqueOracle
  out: LayerChange[]
}

export async function upperChanges(upper: string, lowers: string[], oracle: OpaqueOracle): Promise<LayerChange[]> {
  const ctx: Ctx = { upper, view: new LowerView(lowers, oracle), oracle, out: [] }
  const top = DirFd.open(upper)
  try {
    await walk(ctx, top, '', false)
  } finally {
    top.close()
  }
  return ctx.out
}

/** `fresh`: the dir is new or opaque, so nothing below it exists in the lower view. */
async function walk(ctx: Ctx, d: DirFd, rel: string, fresh: boolean): Promise<void> {
  const names = d.list().sort(byteOrder)
  const entries = names.map((n) => ({ n, st: d.lstat(n) }))
  // getfattr is another process: it reaches the dirs through our fd as /proc/<pid>/fd/N/name.
  const opaque = await ctx.oracle.opaque(entries.filter((e) => e.st.isDirectory()).map((e) => d.atForChild(e.n)))
  for (const { n, st } of entries) {
    const path = rel ? `${rel}/${n}` : n
    const source = `${ctx.upper}/${path}`
    if (n.startsWith(WH)) {
      // fuse-overlayfs bookkeeping: a `.wh.<x>` file deletes x (unless x was re-created here).
      if (n !== OPQ && st.isFile() && !names.includes(n.slice(WH.length))) {
        ctx.out.push({ kind: 'delete', path: rel ? `${rel}/${n.slice(WH.length)}` : n.slice(WH.length) })
      }
      continue
    }
    if (isWhiteout(st)) {
      ctx.out.push({ kind: 'delete', path })
      continue
    }
    if (st.isDirectory()) {
      const child = d.dir(n)
      try {
        const isOpaque = opaque.has(d.atForChild(n)) || child.list().includes(OPQ)
        const lower = fresh ? undefined : await ctx.view.lookup(path)
        const lowerDir = lower?.stat.isDirectory() === true
        // An opaque marker only means something over a lower dir; over a file or nothing it is a
        // plain new dir.
        if (isOpaque && lowerDir) ctx.out.push({ kind: 'opaque', path, source, root: ctx.upper })
        else ctx.out.push({ kind: lower ? 'modify' : 'add', path, source, root: ctx.upper })
        await walk(ctx, child, path, isOpaque || !lowerDir)
      } finally {
        child.close()
      }
      continue
    }
    const inLower = !fresh && (await ctx.view.lookup(path)) !== undefined
    ctx.out.push({ kind: inLower ? 'modify' : 'add', path, source, root: ctx.upper })
  }
}
