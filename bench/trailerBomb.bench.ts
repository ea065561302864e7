// A "trailer bomb": one small entry, the end-of-archive marker, then STORE_BENCH_TRAILER_MIB
// (default 300) MiB of zeros, gzipped (300 MiB of zeros is ~300 KB), imported in a fresh process
// (peak RSS, seconds); the diffID (the SHA-256 of the whole tar, zeros included) checked, then
// fsck. Issue 11: the trailer was held whole and base64 in the index: 2.4 GB RSS at 300 MiB,
// failure after 34 s at 1 GiB.
// Run: npm run build && npm run bench trailerBomb   (STORE_BENCH_BASELINE=<older dist/cli/main.js>)

import { createHash } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trailerBombTar } from './_tars.js'
import { importAndCheck } from './_memory.js'

export default async function run(): Promise<void> {
  const mib = Number(process.env.STORE_BENCH_TRAILER_MIB ?? 300)
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-bomb-'))
  try {
    const file = join(dir, 'bomb.tar.gz')
    const h = createHash('sha256')
    const hash = new Transform({ transform: (b, _e, cb) => (h.update(b), cb(null, b)) })
    await pipeline(Readable.from(trailerBombTar(mib << 20)), hash, createGzip({ level: 9 }), createWriteStream(file))
    importAndCheck(`import of a tar followed by ${mib} MiB of zeros (gzipped)`, file, `sha256:${h.digest('hex')}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
