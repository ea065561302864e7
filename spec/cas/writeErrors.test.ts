// A write that fails is reported as what it is, with its errno and path: STORAGE_FULL for a full
// file system (a small tmpfs), IO_ERROR otherwise (ingest/ made unusable), through every write
// path (put, putStream, a chunk batch with either codec), never as a corrupt blob; nothing
// half-written stays in blobs/ or packs/.

import { execFileSync } from 'node:child_process'
import { seededBytes } from '../_fixtures/seeded.js'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { openStore, type Store } from '../../lib/store.js'
import { createContentStore, type ContentStore } from '../../lib/cas/index.js'
import { loadCodec } from '../../lib/codec/index.js'
import { needRoot, unavailable } from '../_fixtures/requires.js'

const dirs: string[] = []
const mounts: string[] = []
afterEach(() => {
  // Lazily if busy (a descriptor the store still holds): the mount must go whatever happened.
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', [m])
    } catch {
      execFileSync('umount', ['-l', m])
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'store-werr-'))
  dirs.push(d)
  return d
}

async function* pieces(b: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < b.length; o += 65536) yield b.subarray(o, o + 65536)
}

/** Each write path, given data that does not fit / cannot be written. */
const writers: [string, (s: Store, data: Uint8Array) => Promise<unknown>][] = [
  ['put', (s, d) => s.cas.put(d)],
  ['putStream', (s, d) => s.cas.putStream(pieces(d))],
  ['a chunk batch (native codec)', (s, d) => batchWrite(s.cas, d)],
  ['a chunk batch (portable codec)', async (s, d) => batchWrite(createContentStore({ layout: s.layout, hash: s.hash, codec: await loadCodec('fflate') }), d)],
]

/** As ingest does: every put settled, then commit, or abort and the first error. */
async function batchWrite(cas: ContentStore, d: Uint8Array): Promise<void> {
  const b = cas.chunkBatch()
  const rs = await Promise.allSettled([0, 1, 2, 3].map((i) => b.put(d.subarray(i * (d.length >> 2), (i + 1) * (d.length >> 2)))))
  const failed = rs.find((r) => r.status === 'rejected')
  if (!failed) return b.commit()
  await b.abort()
  throw failed.reason
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: string; message: string; data?: Record<string, unknown> }) => e)

describe.each(writers)('%s', (_name, write) => {
  test('on an unusable ingest/ folder fails with IO_ERROR naming the errno and the path', async () => {
    const root = join(temp(), 'root')
    const store = await openStore({ root })
    rmSync(store.layout.ingestDir, { recursive: true, force: true })
    writeFileSync(store.layout.ingestDir, 'not a folder')
    const e = await failure(write(store, seededBytes(3 << 20)))
    expect(e).toMatchObject({ code: 'IO_ERROR', data: { errno: 'ENOTDIR' } })
    expect(String(e!.data!.path)).toContain(store.layout.ingestDir)
    expect(e!.message).toMatch(/: not a directory$/)
  })

  test.skipIf(unavailable('ENOSPC specs (a small tmpfs)', needRoot()))('on a full file system fails with STORAGE_FULL, leaving no blob', async () => {
    const root = join(temp(), 'root')
    mkdirSync(root)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root])
    mounts.push(root)
    const store = await openStore({ root })
    const e = await failure(write(store, seededBytes(3 << 20)))
    expect(e).toMatchObject({ code: 'STORAGE_FULL', data: { errno: 'ENOSPC' } })
    expect(e!.message).toMatch(/^\w+ \/.*: no space left on device$/)
    for (const dir of [store.layout.blobsDir, store.layout.packsDir]) {
      const files = existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()) : []
      expect(files).toEqual([])
    }
  })
})
