// A layer of very many entries: a generated tar.gz of STORE_BENCH_ENTRIES (default 1,000,000)
// tiny or empty files, 100 per folder, imported in a fresh process (peak RSS, seconds), its
// diffID checked against the tar's SHA-256, then fsck (which rebuilds the tar from the index).
// Issue 11: the single-JSON index took 2.7 GB at 700k entries and failed at 1M.
// Run: npm run build && npm run bench manyEntries   (STORE_BENCH_BASELINE=<older dist/cli/main.js>)

import { createHash } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { manyEntriesTar } from './_tars.js'
import { importAndCheck } from './_memory.js'

export default async function run(): Promise<void> {
  const n = Number(process.env.STORE_BENCH_ENTRIES ?? 1_000_000)
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-entries-'))
  try {
    const file = join(dir, 'many.tar.gz')
    const h = createHash('sha256')
    const hash = new Transform({ transform: (b, _e, cb) => (h.update(b), cb(null, b)) })
    await pipeline(Readable.from(manyEntriesTar(n)), hash, createGzip({ level: 1 }), createWriteStream(file))
    importAndCheck(`import of a tar.gz of ${n.toLocaleString('en')} entries`, file, `sha256:${h.digest('hex')}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
