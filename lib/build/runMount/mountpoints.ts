// Mount points stay out of a RUN step's layer, as BuildKit leaves them out: a mount's target,
// and the dirs made only to hold it, are not content of the step. The container's init layer
// already holds targets the image lacks (lib/runtime/initLayer.ts), so usually there is nothing
// to drop; but a target below an image symlink (/var/run -> /run) is made by the launcher in the
// container's writable layer, at the resolved path. Both the written and the resolved paths
// are dropped, with every dir the step added only on the way to one of them.

import type { LayerChange, MergedView } from '../../driver/index.js'
import { resolveInRoot, viewRoot } from './resolvePath.js'

/** `target` as written and as resolved inside the image (relative, no leading "/"). */
export async function mountpointPaths(view: MergedView, target: string): Promise<string[]> {
  const r = await resolveInRoot(viewRoot(view), target)
  const resolved = [r.rel, ...r.rest].filter(Boolean).join('/')
  const written = target.split('/').filter(Boolean).join('/')
  return resolved === written ? [written] : [written, resolved]
}

export function withoutMountpoints(changes: LayerChange[], targets: string[]): LayerChange[] {
  const under = (p: string, d: string) => p === d || p.startsWith(`${d}/`)
  let out = changes.filter((c) => !targets.some((d) => d !== '' && under(c.path, d)))
  const ancestors = new Set<string>()
  for (const d of targets) {
    const parts = d.split('/')
    for (let i = 1; i < parts.length; i++) ancestors.add(parts.slice(0, i).join('/'))
  }
  // Deepest first: a dir emptied of its made-for-a-mount child may itself be one.
  for (const a of [...ancestors].sort((x, y) => y.split('/').length - x.split('/').length)) {
    const c = out.find((x) => x.path === a)
    if (!c || c.kind !== 'add' || out.some((x) => x.path.startsWith(`${a}/`))) continue
    out = out.filter((x) => x !== c)
  }
  return out
}
