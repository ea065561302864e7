// The file operations locks are made of. A lock file is never written in place: its content
// (the holder) is written to a private temp file first, then hard-linked to the lock's name.
// link(2) fails if the name exists and makes the name appear complete, so a lock file is never
// empty or half-written — not on a full disk (the temp write fails, nothing appears) and not
// after a kill -9 (the temp file is left, the lock is not). An empty lock file can only come
// from an older store or a damaged file system, and is stale.

import { link, lstat, open, readFile, rename, rm, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { parseHolder, type Holder } from './_process.js'
import { withPath } from '../_fs.js'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Temp files of lock takers end in this (swept when their writer is gone). */
export const TEMP_SUFFIX = '.new'

/** A private temp file holding `text`, next to `path`; removed again if writing fails. */
export async function writeTemp(path: string, text: string): Promise<string> {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`
  const fh = await open(tmp, 'wx')
  try {
    await fh.writeFile(text)
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw withPath(e, path)
  }
  await fh.close()
  return tmp
}

/** Makes `path` a link to `tmp`; false if `path` exists. */
export async function linkOnce(tmp: string, path: string): Promise<boolean> {
  try {
    await link(tmp, path)
    return true
  } catch (e: any) {
    if (e?.code === 'EEXIST') return false
    throw e
  }
}

/** Replaces `path` by a new link to `tmp`, atomically (the name never goes missing). */
export async function replaceWith(tmp: string, path: string): Promise<void> {
  const t2 = `${tmp}2`
  await link(tmp, t2)
  try {
    await rename(t2, path)
  } catch (e) {
    await rm(t2, { force: true })
    throw e
  }
}

export interface LockFile {
  /** Undefined: empty or garbled, i.e. stale. */
  holder?: Holder
  text: string
  ino: number
}

/** What the lock file names now; undefined if there is none. */
export async function readLockFile(path: string): Promise<LockFile | undefined> {
  try {
    const [st, text] = await Promise.all([lstat(path), readFile(path, 'utf8')])
    return { holder: parseHolder(text), text, ino: st.ino }
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined
    throw e
  }
}

/** Unlinks `path` if it is still the file seen (inode `ino`), or still holds `text`. */
export async function unlinkIfSame(path: string, what: { ino?: number; text?: string }): Promise<void> {
  const cur = await readLockFile(path)
  if (!cur) return
  if (what.ino !== undefined && cur.ino !== what.ino) return
  if (what.text !== undefined && cur.text !== what.text) return
  await unlink(path).catch((e) => {
    if (e?.code !== 'ENOENT') throw e
  })
}
