// Short names for lowerdirs. The kernel takes mount options in one page (4096 bytes), so 30
// snapshots at containers/<id>/../snapshots/<64 hex> already do not fit. Like Docker's overlay2,
// each container gets `l/<n>` symlinks to its snapshots and the mount runs with cwd = the
// container dir: `lowerdir=l/0:l/1:...` stays under 4 KiB up to overlayfs' own limit of 500
// lowers, whatever the store root's path.

import { mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs'

export const linkName = (i: number) => `l/${i}`

/** Make (or repair) containerDir/l/<i> -> lowers[i]. Synchronous: mountPlan() is. */
export function ensureLinks(containerDir: string, lowers: string[]): void {
  mkdirSync(`${containerDir}/l`, { recursive: true })
  lowers.forEach((target, i) => ensureLink(`${containerDir}/${linkName(i)}`, target))
}

/** `l/d<i>`: the links to data-only lowers (the pool), after the `::` of the option. */
export const dataLinkName = (i: number) => `l/d${i}`

/** Make (or repair) containerDir/l/d<i> -> data[i]. */
export function ensureDataLinks(containerDir: string, data: string[]): void {
  ensureLinks(containerDir, [])
  data.forEach((target, i) => ensureLink(`${containerDir}/${dataLinkName(i)}`, target))
}

/** `link` -> `target`, replacing a link that points elsewhere. */
function ensureLink(link: string, target: string): void {
  let current: string | undefined
  try {
    current = readlinkSync(link)
  } catch {
    current = undefined
  }
  if (current === target) return
  if (current !== undefined) rmSync(link, { force: true })
  symlinkSync(target, link)
}

/**
 * `lowerdir=` value for the links, top-most first (the order of `lowers`), then the data-only
 * lowers (`::`, kernel >= 6.5): only a metadata-only file's redirect reaches into those.
 */
export function lowerdirOption(lowers: string[], extraTop: string[] = [], data = 0): string {
  const dataPart = Array.from({ length: data }, (_, i) => `::${dataLinkName(i)}`).join('')
  return `lowerdir=${[...extraTop, ...lowers.map((_, i) => linkName(i))].join(':')}${dataPart}`
}
