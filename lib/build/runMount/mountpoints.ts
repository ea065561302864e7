// Mount points stay out of a RUN step's layer, as BuildKit leaves them out: a mount's target,
// and the dirs made only to hold it, are not content of the step. The container's init layer
// already holds targets the image lacks (lib/runtime/initLayer.ts), so usually there is nothing
// to drop; but a target below an image symlink (/var/run -> /run) is made by the launcher in the
// container's writable layer, at the resolved path (copying up the image's dirs on the way).
// Both the written and the resolved paths are dropped, with every dir on the way the step only
// touched for them (BuildKit removes such stubs too, executor/stubs.go; it keeps the parent's
// new times, we keep the image's: the layer does not change with the clock).

import type { LayerChange, MergedView } from '../../driver/index.js'
import { resolveInRoot, viewRoot } from './resolvePath.js'

/** `target` as written and as resolved inside the image (relative, no leading "/"). */
export async function mountpointPaths(view: MergedView, target: string): Promise<string[]> {
  const r = await resolveInRoot(viewRoot(view), target)
  const resolved = [r.rel, ...r.rest].filter(Boolean).join('/')
  const written = target.split('/').filter(Boolean).join('/')
  return resolved === written ? [written] : [written, resolved]
}

/**
 * `changes` without the mount points `targets`. A dir on the way that the step only touched by
 * making a mount point in it is dropped too: an added one, or a changed one that `sameAsLower`
 * finds unchanged but for its times (so the layer stays reproducible).
 */
export async function withoutMountpoints(
  changes: LayerChange[],
  targets: string[],
  sameAsLower: (change: { path: string; source: string }) => Promise<boolean> = async () => false,
): Promise<LayerChange[]> {
  const under = (p: string, d: string) => p === d || p.startsWith(`${d}/`)
  let out = changes.filter((c) => !targets.some((d) => d !== '' && under(c.path, d)))
  if (out.length === changes.length) return out
  const ancestors = new Set<string>()
  for (const d of targets) {
    const parts = d.split('/')
    for (let i = 1; i < parts.length; i++) ancestors.add(parts.slice(0, i).join('/'))
  }
  // Deepest first: a dir emptied of its made-for-a-mount child may itself be one.
  for (const a of [...ancestors].sort((x, y) => y.split('/').length - x.split('/').length)) {
    const c = out.find((x) => x.path === a)
    if (!c || out.some((x) => x.path.startsWith(`${a}/`))) continue
    if (c.kind === 'add' || (c.kind === 'modify' && (await sameAsLower(c)))) out = out.filter((x) => x !== c)
  }
  return out
}
