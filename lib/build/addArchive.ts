// ADD of a local tar archive (plain, gzip, bzip2 or xz): its entries go straight into the
// step's layer under the destination dir, read with our own tar reader; nothing is extracted
// to disk, so no entry can reach the host. Each entry meets the checks import applies
// (layer/entryChecks.ts: no "..", no absolute name, nothing through a symlink of the archive,
// hardlinks to earlier entries only); whiteout names are refused, since a layer would read them
// as deletions. Ownership, --chmod and SOURCE_DATE_EPOCH are applied by itemsTar() as for
// copied files; xattrs are dropped, as `tar -x` without --xattrs did.

import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
import { Codes, StoreError, isStoreError } from '../errors.js'
import { readTar } from '../tar/index.js'
import { EntryChecks, whiteoutOf, type TarItem } from '../layer/index.js'

/** What the archive's first bytes say it is compressed with. */
async function compressionOf(path: string): Promise<'gzip' | 'bzip2' | 'xz' | 'none'> {
  const fh = await open(path, 'r')
  try {
    const b = Buffer.alloc(6)
    const { bytesRead } = await fh.read(b, 0, 6, 0)
    const head = b.subarray(0, bytesRead)
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip'
    if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2'
    if (head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz'
    return 'none'
  } finally {
    await fh.close()
  }
}

/** The archive's uncompressed bytes (bzip2 and xz through their own tools, as GNU tar does). */
async function* uncompressed(path: string): AsyncGenerator<Uint8Array> {
  const kind = await compressionOf(path)
  if (kind === 'none') return yield* createReadStream(path, { highWaterMark: 1 << 20 })
  if (kind === 'gzip') return yield* createReadStream(path).pipe(createGunzip())
  const child = spawn(kind, ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number>((res) => child.on('close', (code) => res(code ?? 1)))
  child.on('error', () => {}) // a missing tool shows as exit status 127 below
  yield* child.stdout
  const code = await exited
  if (code !== 0) throw new Error(code === 127 ? `${kind} is not installed` : stderr.trim() || `${kind} exited with ${code}`)
}

/** The entries of the archive at host path `path`, as layer items under `destDir` (relative). */
export async function* archiveItems(path: string, display: string, destDir: string, mode?: number): AsyncGenerator<TarItem> {
  const checks = new EntryChecks()
  const under = (p: string) => (destDir ? `${destDir}/${p}` : p)
  try {
    for await (const e of readTar(uncompressed(path))) {
      const h = e.header
      const { path: rel, target } = checks.check(h)
      if (rel === '') continue // the archive's own root: the destination dir is already there
      if (whiteoutOf(rel)) throw new StoreError(Codes.TAR_INVALID, `tar entry "${h.name}" has a whiteout name`, { data: { path: h.name } })
      const name = h.type === 'dir' ? `${under(rel)}/` : under(rel)
      const header = { ...h, name, linkname: target !== undefined ? under(target) : h.linkname }
      yield { name, header, body: e.body, mode }
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new StoreError(isStoreError(err) ? err.code : Codes.BUILD_FAILED, `ADD cannot unpack ${display}: ${why}`, { cause: err, data: isStoreError(err) ? err.data : {} })
  }
}
