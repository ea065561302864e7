// The one race the pool's short redirect names have: two processes commit different contents
// whose 80-bit alias is the same (layout.ts poolRedirect; only a crafted file makes that), and
// the other one linked it first. Our stubs then redirect to the other content: before the
// snapshot is renamed into place, each such stub moves to the next free name of its content.

import { lstatSync, linkSync } from 'node:fs'
import { SpecialScript } from '../layer/_specialScript.js'
import { poolRedirect } from '../layout.js'
import type { SnapshotSink } from './_sink.js'

const ino = (p: string) => {
  try {
    return lstatSync(p).ino
  } catch {
    return undefined
  }
}

export async function fixClashes(sink: SnapshotSink, root: string, clashes: Set<string>): Promise<void> {
  const { layout, overlayPrefix } = sink.ctx
  const script = new SpecialScript()
  const moved = new Map<string, number>() // hex -> new window
  for (const [rel, ref] of sink.refs) {
    if (!clashes.has(layout.poolAlias(ref.hex, ref.window ?? 0))) continue
    let w = moved.get(ref.hex)
    if (w === undefined) {
      const full = layout.poolFile(ref.hex)
      for (w = (ref.window ?? 0) + 1; w < 3; w++) {
        const alias = layout.poolAlias(ref.hex, w)
        const there = ino(alias)
        if (there === ino(full)) break
        if (there === undefined) {
          try {
            linkSync(full, alias)
            break
          } catch {}
        }
      }
      if (w >= 3) throw new Error(`pool: no free redirect name left for content ${ref.hex}`)
      moved.set(ref.hex, w)
    }
    sink.refs.set(rel, { hex: ref.hex, window: w })
    script.xattr(`${root}/${rel}`, `${overlayPrefix}redirect`, new TextEncoder().encode(poolRedirect(ref.hex, w)))
  }
  script.flush()
}
