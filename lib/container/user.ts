// `-u USER[:GROUP]` resolved through the image's /etc/passwd and /etc/group, read from the
// container's layers (top-most first; a whiteout hides lower files).

import { readFile, lstat } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'

export interface ResolvedUser {
  uid: number
  gid: number
  additionalGids: number[]
  home: string
}

/** Read a file as the merged view of `dirs` (top-most first) would show it. */
export async function readMerged(dirs: string[], rel: string): Promise<string | undefined> {
  for (const d of dirs) {
    const p = `${d}/${rel}`
    const st = await lstat(p).catch(() => undefined)
    if (!st) continue
    if (st.isCharacterDevice() && Number(st.rdev) === 0) return undefined // overlay whiteout
    return readFile(p, 'utf8').catch(() => undefined)
  }
  return undefined
}

const isNum = (s: string) => /^\d+$/.test(s)

export async function resolveUser(dirs: string[], spec: string): Promise<ResolvedUser> {
  const [userPart, groupPart] = spec === '' ? ['root', undefined] : spec.split(':', 2)
  const passwd = ((await readMerged(dirs, 'etc/passwd')) ?? '').split('\n').map((l) => l.split(':'))
  const groups = ((await readMerged(dirs, 'etc/group')) ?? '').split('\n').map((l) => l.split(':'))
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
  } else {
    throw new StoreError(Codes.INVALID_ARGUMENT, `unable to find user ${userPart}: no matching entries in passwd file`, { exit: 125 })
  }
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((x) => x.length >= 3 && (isNum(groupPart) ? x[2] === groupPart : x[0] === groupPart))
    if (g) gid = Number(g[2])
    else if (isNum(groupPart)) gid = Number(groupPart)
    else throw new StoreError(Codes.INVALID_ARGUMENT, `unable to find group ${groupPart}: no matching entries in group file`, { exit: 125 })
  }
  const additionalGids =
    name === undefined
      ? []
      : groups.filter((g) => g.length >= 4 && g[3].split(',').includes(name!) && Number(g[2]) !== gid).map((g) => Number(g[2]))
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw new StoreError(Codes.INVALID_ARGUMENT, `uids and gids must be in range 0-${0xfffffffe}`, { exit: 125 })
  return { uid, gid, additionalGids, home }
}
