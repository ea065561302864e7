// changes() of the overlay drivers: the upper dir IS the writable layer, in overlay form.
//   0/0 char device        -> delete (the top-most deleted path only: overlayfs whiteouts the
//                             removed dir itself, never its children)
//   dir marked opaque       -> opaque (its lower children are hidden; its own children follow)
//   anything else           -> add when the lower view has no such path, else modify
// fuse-overlayfs without privileges writes `.wh.<name>` files and `.wh..wh..opq` markers instead,
// and as root adds a `.wh..opq` device next to the opaque xattr: both forms are understood.
// Order: depth-first, names in byte order: parents before children, as the layer writer wants.

import { lstat, readdir } from 'node:fs/promises'
import type { LayerChange } from './types.js'
import { LowerView, isWhiteout } from './_lowerView.js'
import type { OpaqueOracle } from './_xattr.js'

const WH = '.wh.'
const OPQ = '.wh..wh..opq'

export const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

export async function upperChanges(upper: string, lowers: string[], oracle: OpaqueOracle): Promise<LayerChange[]> {
  const view = new LowerView(lowers, oracle)
  const out: LayerChange[] = []
  await walk(upper, '', view, oracle, false, out)
  return out
}

/** `fresh`: the dir is new or opaque, so nothing below it exists in the lower view. */
async function walk(upper: string, rel: string, view: LowerView, oracle: OpaqueOracle, fresh: boolean, out: LayerChange[]): Promise<void> {
  const dir = rel ? `${upper}/${rel}` : upper
  const names = (await readdir(dir)).sort(byteOrder)
  const entries = await Promise.all(names.map(async (n) => ({ n, st: await lstat(`${dir}/${n}`) })))
  const subdirs = entries.filter((e) => e.st.isDirectory()).map((e) => `${dir}/${e.n}`)
  const opaque = await oracle.opaque(subdirs)
  for (const { n, st } of entries) {
    const path = rel ? `${rel}/${n}` : n
    const source = `${dir}/${n}`
    if (n.startsWith(WH)) {
      // fuse-overlayfs bookkeeping: a `.wh.<x>` file deletes x (unless x was re-created here).
      if (n !== OPQ && st.isFile() && !names.includes(n.slice(WH.length))) {
        out.push({ kind: 'delete', path: rel ? `${rel}/${n.slice(WH.length)}` : n.slice(WH.length) })
      }
      continue
    }
    if (isWhiteout(st)) {
      out.push({ kind: 'delete', path })
      continue
    }
    if (st.isDirectory()) {
      const isOpaque = opaque.has(source) || (await readdir(source)).includes(OPQ)
      const lower = fresh ? undefined : await view.lookup(path)
      const lowerDir = lower?.stat.isDirectory() === true
      // An opaque marker only means something over a lower dir; over a file or nothing it is a
      // plain new dir.
      if (isOpaque && lowerDir) out.push({ kind: 'opaque', path, source })
      else out.push({ kind: lower ? 'modify' : 'add', path, source })
      await walk(upper, path, view, oracle, isOpaque || !lowerDir, out)
      continue
    }
    const inLower = !fresh && (await view.lookup(path)) !== undefined
    out.push({ kind: inLower ? 'modify' : 'add', path, source })
  }
}
