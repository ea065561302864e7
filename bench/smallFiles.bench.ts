// A folder of STORE_BENCH_FILES (default 100,000) small files (20–60 bytes each, 200 per folder,
// made once), imported in a fresh process (peak RSS, seconds), then fsck. Issue 11: 539 MB RSS
// at 100k files, and fsck reported the >1 MiB brotli index as corrupt from 60k on.
// Run: npm run build && npm run bench smallFiles   (STORE_BENCH_BASELINE=<older dist/cli/main.js>)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prng } from './_tars.js'
import { importAndCheck } from './_memory.js'

export default async function run(): Promise<void> {
  const n = Number(process.env.STORE_BENCH_FILES ?? 100_000)
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-files-'))
  try {
    const rnd = prng(42)
    for (let i = 0; i < n; i++) {
      const sub = join(dir, 'tree', `d${Math.floor(i / 200)}`)
      if (i % 200 === 0) mkdirSync(sub, { recursive: true })
      writeFileSync(join(sub, `f${i}.txt`), `file ${i} ${'x'.repeat(Math.floor(rnd() * 40))}\n`)
    }
    importAndCheck(`import of a folder of ${n.toLocaleString('en')} small files`, join(dir, 'tree'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
