// Materialise a stack of overlay-form snapshots into one plain tree (the copy driver's rootfs).
// Bottom-up, one `cp -a --reflink=auto` per snapshot (reflinks on btrfs/xfs, a plain copy
// elsewhere), with the overlay markers honoured around it:
//   before the copy: paths the snapshot deletes (0/0 char devices) are removed, opaque dirs are
//     emptied, and a dir <-> non-dir change removes the old entry (cp cannot overwrite across);
//   after the copy: the copied whiteout devices are removed (their parents' times restored from
//     the snapshot: touch -r), and opaque xattrs are dropped from the copies.
// --remove-destination makes cp unlink before writing, so a file hardlinked in a lower snapshot
// is replaced, never written through (which would change its other names too).
// `link`: hard links to the snapshots' files instead of copies (`cp -l`), for a tree that is
// only ever mounted read-only (a build's RUN --mount=type=bind from a stage): no file data moves.
// A data-only snapshot's files are stubs (their bytes are in the pool): they are copied, then
// filled from the pool and stripped of overlay's xattrs (_fillStubs.ts), never linked.

import { lstat, mkdir, readdir } from 'node:fs/promises'
import { exec, execOk, shQuote as q } from '../_exec.js'
import { isWhiteout } from './_lowerView.js'
import { scanOracle, type OpaqueOracle } from '../_xattr.js'
import { Codes, StoreError } from '../errors.js'
import { stubIndex, type StubIndex } from './_stubs.js'
import { fillStubs } from './_fillStubs.js'

export interface MaterialiseOptions {
  link?: boolean
  /** The stubs of each lower (default: a lower that is a data-only snapshot's root has them). */
  stubs?: (lower: string) => StubIndex | undefined
}

/** Copy `lowers` (top-most first) into `dest` (created if missing). */
export async function materialise(lowers: string[], dest: string, opaqueNames: string[], opts: MaterialiseOptions = {}): Promise<void> {
  await mkdir(dest, { recursive: true })
  const oracle = await scanOracle(opaqueNames, lowers)
  for (const lower of [...lowers].reverse()) {
    const stubs = opts.stubs ? opts.stubs(lower) : stubIndex(lower)
    await applySnapshot(lower, dest, opaqueNames, oracle, (opts.link ?? false) && !stubs)
    if (stubs) await fillStubs(stubs, dest)
  }
}

async function applySnapshot(lower: string, dest: string, opaqueNames: string[], oracle: OpaqueOracle, link: boolean): Promise<void> {
  const before: string[] = []
  const after: string[] = []
  // `fresh`: the dest dir is removed first (it was a file or a symlink there), so nothing under
  // it is looked at in dest: an lstat through an image's symlink would read the host.
  const walk = async (rel: string, fresh = false): Promise<void> => {
    const names = await readdir(rel ? `${lower}/${rel}` : lower)
    const subdirs: string[] = []
    const replaced = new Set<string>()
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n
      const st = await lstat(`${lower}/${r}`)
      const target = `${dest}/${r}`
      const cur = fresh ? null : await lstat(target).catch(() => null)
      if (isWhiteout(st)) {
        if (cur) before.push(`rm -rf -- ${q(target)}`)
        after.push(`rm -f -- ${q(target)}`, `touch -r ${q(rel ? `${lower}/${rel}` : lower)} -- ${q(rel ? `${dest}/${rel}` : dest)}`)
        continue
      }
      if (cur && cur.isDirectory() !== st.isDirectory()) {
        before.push(`rm -rf -- ${q(target)}`)
        replaced.add(r)
      }
      if (st.isDirectory()) subdirs.push(r)
    }
    const opaque = await oracle.opaque(subdirs.map((r) => `${lower}/${r}`))
    for (const r of subdirs) {
      if (opaque.has(`${lower}/${r}`) && !fresh && !replaced.has(r)) {
        // Lower children are hidden: empty the dir (cp then restores the snapshot's own ones).
        before.push(`find ${q(`${dest}/${r}`)} -mindepth 1 -maxdepth 1 -exec rm -rf -- {} + 2>/dev/null || :`)
      }
      if (opaque.has(`${lower}/${r}`)) for (const x of opaqueNames) after.push(`setfattr -h -x ${x} -- ${q(`${dest}/${r}`)} 2>/dev/null || :`)
      await walk(r, fresh || replaced.has(r))
    }
  }
  await walk('')
  if (before.length) await script(before)
  await execOk('cp', ['-a', link ? '--link' : '--reflink=auto', '--remove-destination', '--', `${lower}/.`, `${dest}/`], {
    code: Codes.DRIVER_UNAVAILABLE,
    what: `copying snapshot ${lower}`,
  })
  if (after.length) await script(after)
}

async function script(lines: string[]): Promise<void> {
  const r = await exec('/bin/sh', ['-e'], { input: lines.join('\n') + '\n' })
  if (r.code !== 0) throw new StoreError(Codes.DRIVER_UNAVAILABLE, `cannot materialise a snapshot: ${r.stderr.trim()}`)
}
