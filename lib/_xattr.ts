// Opaque-directory markers are extended attributes (trusted.overlay.opaque=y as root,
// user.overlay.opaque in a user namespace). Node cannot read xattrs, so getfattr (attr package)
// is asked, in batches: one spawn for a list of dirs, or one recursive spawn for a whole tree.
// getfattr prints names with \ooo octal escapes for backslash, newline and other bytes it will
// not print raw; unescapeName() undoes that.

import { exec } from './_exec.js'
import { Codes, StoreError } from './errors.js'

/** xattr names that mark an opaque dir: overlayfs as root, in a user namespace, fuse-overlayfs. */
export const OPAQUE_TRUSTED = 'trusted.overlay.opaque'
export const OPAQUE_USER = 'user.overlay.opaque'
export const OPAQUE_FUSE = 'user.fuseoverlayfs.opaque'

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Answers "which of these dirs are opaque?" for one set of marker xattr names. */
export interface OpaqueOracle {
  opaque(dirs: string[]): Promise<Set<string>>
}

/** Queries getfattr for the given dirs (absolute paths), a few hundred per spawn. */
export function queryOracle(names: string[]): OpaqueOracle {
  return {
    async opaque(dirs) {
      const found = new Set<string>()
      for (let i = 0; i < dirs.length; i += 256) {
        for (const p of await getfattr(names, dirs.slice(i, i + 256), false)) found.add(p)
      }
      return found
    },
  }
}

/** Scans whole trees once (getfattr -R) and answers from the result: for full-tree walks. */
export async function scanOracle(names: string[], roots: string[]): Promise<OpaqueOracle> {
  const found = new Set(await getfattr(names, roots, true))
  return { opaque: async (dirs) => new Set(dirs.filter((d) => found.has(d))) }
}

/** Paths among `paths` (recursively when asked) carrying one of the xattrs with value "y". */
async function getfattr(names: string[], paths: string[], recursive: boolean): Promise<string[]> {
  if (paths.length === 0) return []
  const pattern = `^(${names.map(esc).join('|')})$`
  // -h: a path that is (or became) a symlink answers for itself, never for its target.
  const args = ['--absolute-names', '-h', '-P', '-d', '-m', pattern, ...(recursive ? ['-R'] : []), '--', ...paths]
  const r = await exec('getfattr', args)
  if (r.code === 127) {
    throw new StoreError(Codes.DRIVER_UNAVAILABLE, 'getfattr not found: cannot read overlay opaque markers', {
      hint: 'install the attr package (apt-get install attr)',
    })
  }
  // Exit status 1 only means some path had none of the attributes (or vanished): not an error.
  const out: string[] = []
  let file: string | undefined
  for (const line of r.stdout.toString('latin1').split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeName(line.slice(8))
    else if (file !== undefined && /="y"$/.test(line)) out.push(file)
  }
  return out
}

/** getfattr's escaping of names: \ooo octal bytes; the result is decoded as UTF-8. */
export function unescapeName(latin1: string): string {
  const bytes = Buffer.from(latin1.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1')
  return bytes.toString('utf8')
}

/** Paths per getfattr call: one call for every stub of a large snapshot was E2BIG. */
const GETFATTR_PATHS = 512

/** All xattrs of each path (not following symlinks), hex-encoded values, for comparisons. */
export async function xattrsOf(paths: string[]): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>(paths.map((p) => [p, new Map()]))
  for (let i = 0; i < paths.length; i += GETFATTR_PATHS) {
    const r = await exec('getfattr', ['--absolute-names', '-h', '-P', '-d', '-m', '-', '-e', 'hex', '--', ...paths.slice(i, i + GETFATTR_PATHS)])
    if (r.code === 127) return out
    let cur: Map<string, string> | undefined
    for (const line of r.stdout.toString('latin1').split('\n')) {
      if (line.startsWith('# file: ')) cur = out.get(unescapeName(line.slice(8)))
      else if (cur) {
        const eq = line.indexOf('=')
        if (eq > 0) cur.set(line.slice(0, eq), line.slice(eq + 1))
      }
    }
  }
  return out
}

/** Every path under `root` (itself included) that has any xattr: one recursive getfattr, no link followed. */
export async function xattrHolders(root: string): Promise<Set<string>> {
  const r = await exec('getfattr', ['--absolute-names', '-h', '-P', '-R', '-m', '-', '--', root])
  if (r.code === 127) {
    throw new StoreError(Codes.DRIVER_UNAVAILABLE, 'getfattr not found: cannot read extended attributes', { hint: 'install the attr package (apt-get install attr)' })
  }
  const out = new Set<string>()
  for (const line of r.stdout.toString('latin1').split('\n')) if (line.startsWith('# file: ')) out.add(unescapeName(line.slice(8)))
  return out
}
