// `-u USER[:GROUP]` resolved through the image's /etc/passwd and /etc/group, read from the
// container's layers as the container will see them: the merged view of the lowers (top-most
// first; whiteouts and opaque dirs hide lower files) with the path resolved inside it, so an
// image whose /etc is a symlink reads its own files, never the host's.

import { closeSync, constants as C, fstatSync, openSync, readFileSync } from 'node:fs'
import { Codes, StoreError } from '../errors.js'
import { mergedView } from '../driver/index.js'
import { resolveInRoot, type TreeFs } from '../fsroot/index.js'

export interface ResolvedUser {
  uid: number
  gid: number
  additionalGids: number[]
  home: string
}

/** Read a file as the merged view of `dirs` (top-most first) would show it; undefined when absent. */
export async function readMerged(dirs: string[] | TreeFs, rel: string): Promise<string | undefined> {
  const view = Array.isArray(dirs) ? mergedView(dirs) : dirs
  const r = await resolveInRoot(view, rel, { follow: true })
  const e = r.stat ? await view.entry(r.rel) : undefined
  if (!e) return undefined
  let fd: number
  try {
    fd = openSync(e.content ?? e.path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK) // a stub's bytes are in the pool
  } catch {
    return undefined
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : undefined
  } finally {
    closeSync(fd)
  }
}

const isNum = (s: string) => /^\d+$/.test(s)

/**
 * `dirs`: an image's lowers (top-most first); or a function reading a file of a running
 * container's root (exec: lib/fsroot readInRoot over /proc/<pid>/root).
 */
export async function resolveUser(dirs: string[] | ((rel: string) => string | undefined), spec: string): Promise<ResolvedUser> {
  const [userPart, groupPart] = spec === '' ? ['root', undefined] : spec.split(':', 2)
  const read = typeof dirs === 'function' ? async (rel: string) => dirs(rel) : ((view) => (rel: string) => readMerged(view, rel))(mergedView(dirs))
  const passwdFile = await read('etc/passwd')
  const passwd = (passwdFile ?? '').split('\n').map((l) => l.split(':'))
  const groupFile = await read('etc/group')
  const groups = (groupFile ?? '').split('\n').map((l) => l.split(':'))
  let uid: number
  let gid = 0
  let home = '/'
  let name: string | undefined
  const entry = passwd.find((p) => p.length >= 7 && (isNum(userPart) ? p[2] === userPart : p[0] === userPart))
  if (entry) {
    uid = Number(entry[2])
    gid = Number(entry[3])
    home = entry[5] || '/'
    name = entry[0]
  } else if (isNum(userPart)) {
    uid = Number(userPart)
  } else if (userPart === 'root' && (spec === '' || passwdFile === undefined)) {
    // No user asked for, or root in an image without /etc/passwd (FROM scratch + a static
    // binary): uid 0, as Docker runs them.
    uid = 0
  } else {
    throw new StoreError(Codes.INVALID_ARGUMENT, `unable to find user ${userPart}: no matching entries in passwd file`)
  }
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((x) => x.length >= 3 && (isNum(groupPart) ? x[2] === groupPart : x[0] === groupPart))
    if (g) gid = Number(g[2])
    else if (isNum(groupPart)) gid = Number(groupPart)
    else if (groupPart === 'root' && groupFile === undefined) gid = 0
    else throw new StoreError(Codes.INVALID_ARGUMENT, `unable to find group ${groupPart}: no matching entries in group file`)
  }
  const additionalGids =
    name === undefined
      ? []
      : groups.filter((g) => g.length >= 4 && g[3].split(',').includes(name!) && Number(g[2]) !== gid).map((g) => Number(g[2]))
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw new StoreError(Codes.INVALID_ARGUMENT, `uids and gids must be in range 0-${0xfffffffe}`)
  return { uid, gid, additionalGids, home }
}
