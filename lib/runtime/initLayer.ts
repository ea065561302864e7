// Docker's "-init" layer. Mount points must exist in the container's tree: /etc/hosts,
// /etc/hostname, /etc/resolv.conf, /proc, /dev, /sys, every volume and bind target, the working
// dir. An image without them would get them created in its writable layer at each start, and
// they would show in `diff` and end up in `commit`. Instead they live in a small per-container
// dir placed as the TOP-MOST LOWER (lowers = [initDir, ...snapshots]), made once at create:
//   - only what the image lacks is created (empty files for file binds, dirs otherwise);
//   - dirs on the way that the image has are re-created with the image's mode, owner and times,
//     so the container sees them unchanged (overlayfs shows the top-most lower's dir metadata);
//   - a target below a symlink or a file of the image is left to the launcher (it resolves it
//     inside the root at start), and so are targets inside another mount (/dev/pts).

import { chmodSync, lchownSync, lstatSync, mkdirSync, rmSync, utimesSync, writeFileSync, type BigIntStats } from 'node:fs'
import { mergedView } from '../driver/view.js'
import type { OciSpec } from './types.js'
import { completeSpec } from './bundle.js'

// File system calls are synchronous: a dozen small ones in a row, on the path of every
// `store run`; each through the thread pool cost more than the call itself.
export async function prepareInitLayer(initDir: string, lowers: string[], spec: OciSpec, bundleDir: string): Promise<void> {
  const view = mergedView(lowers)
  const full = completeSpec(spec, bundleDir)
  rmSync(initDir, { recursive: true, force: true })
  mkdirSync(initDir, { recursive: true })
  // Metadata is applied last, children first: creating an entry would move its parent's mtime.
  const metas: [string, BigIntStats][] = []
  const root = await view.lookup('')
  if (root) metas.push([initDir, root.stat])

  const dests = full.mounts.map((m) => parts(m.destination).join('/'))
  const wanted: { path: string; file: boolean }[] = []
  for (const m of full.mounts) wanted.push({ path: parts(m.destination).join('/'), file: isBind(m) && !isDirSource(m.source) })
  wanted.push({ path: parts(spec.process.cwd || '/').join('/'), file: false })

  for (const t of wanted) {
    if (t.path === '') continue
    // Inside another mount: made there at start.
    if (dests.some((d) => d !== t.path && (d === '' || t.path.startsWith(`${d}/`)))) continue
    const comps = t.path.split('/')
    let firstMissing = -1
    for (let i = 0; i < comps.length; i++) {
      const e = await view.lookup(comps.slice(0, i + 1).join('/'))
      if (!e) {
        firstMissing = i
        break
      }
      if (!e.stat.isDirectory()) {
        // The image has a symlink or file in the way (or at the target itself): launcher's job.
        firstMissing = -2
        break
      }
    }
    if (firstMissing < 0) continue
    for (let i = 0; i < comps.length; i++) {
      const rel = comps.slice(0, i + 1).join('/')
      const abs = `${initDir}/${rel}`
      if (existsLink(abs)) continue
      if (i < firstMissing) {
        mkdirSync(abs)
        metas.push([abs, (await view.lookup(rel))!.stat])
      } else if (i === comps.length - 1 && t.file) {
        writeFileSync(abs, '', { mode: 0o644 })
      } else {
        mkdirSync(abs, { mode: 0o755 })
      }
    }
  }
  for (const [path, st] of metas.reverse()) copyMeta(path, st)
}

const parts = (p: string) => p.split('/').filter((x) => x && x !== '.')

const isBind = (m: OciSpec['mounts'][number]) => m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind')

/** Bind sources that are not there yet (the bundle's /etc files) are files. */
function isDirSource(source: string): boolean {
  try {
    return lstatSync(source).isDirectory()
  } catch {
    return false
  }
}

/** lstat succeeds (a dangling symlink counts: existsSync would follow it). */
function existsLink(p: string): boolean {
  try {
    lstatSync(p)
    return true
  } catch {
    return false
  }
}

function copyMeta(path: string, st: BigIntStats): void {
  lchownSync(path, Number(st.uid), Number(st.gid))
  chmodSync(path, Number(st.mode & 0o7777n))
  utimesSync(path, Number(st.atimeNs) / 1e9, Number(st.mtimeNs) / 1e9)
}
