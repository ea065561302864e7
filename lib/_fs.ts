// Small file-system helpers shared by the stores: atomic record writes and JSON reads.
// A record appears only by rename of a complete, fsynced temp file (DESIGN decision 6).

import { access, open, rename, rm, readFile, mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  await mkdir(dirname(path), { recursive: true })
  const fh = await open(tmp, 'w', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw withPath(e, path)
  }
  await fh.close()
  try {
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined
    throw e
  }
  return JSON.parse(text) as T
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

/**
 * Errors of a write through a file handle name no file: give them the record's own path, so a
 * full disk reads `write <path>: no space left on device` and not a bare errno.
 */
export function withPath(e: unknown, path: string): unknown {
  if (e && typeof e === 'object' && 'code' in e && !('path' in e)) Object.assign(e, { path })
  return e
}

/**
 * syncfs(2) of the file system holding `dir`, through coreutils' `sync -f` (Node has no
 * syncfs): one call makes every file written there durable, where an fsync per file costs a
 * journal commit each. Falls back to sync(1) of everything when `sync -f` fails.
 */
export async function syncFs(dir: string): Promise<void> {
  const { spawn } = await import('node:child_process')
  const run = (args: string[]) =>
    new Promise<boolean>((resolve) => {
      const p = spawn('sync', args, { stdio: 'ignore' })
      p.on('error', () => resolve(false))
      p.on('exit', (code) => resolve(code === 0))
    })
  if (!(await run(['-f', dir]))) await run([])
}
