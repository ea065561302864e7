// End-to-end import of a real tree (default /usr/lib/x86_64-linux-gnu, ~660 MB; override with
// STORE_BENCH_TREE): first import into an empty store, then a second import of the same tree,
// each in a fresh process (MB/s and peak RSS), next to `tar -c DIR | gzip -1 > /dev/null`; then
// the files the store holds, their bytes and what the file system allocates for them.
// Run: npm run build && npm run bench import

import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { storeFiles } from './_storeFiles.js'

function treeBytes(dir: string): number {
  const r = spawnSync('du', ['-sb', '--apparent-size', dir], { encoding: 'utf8' })
  return Number(r.stdout.split('\t')[0])
}

function timeShell(cmd: string): number {
  const t0 = performance.now()
  const r = spawnSync('/bin/sh', ['-c', cmd], { stdio: 'ignore' })
  if (r.status !== 0) throw new Error(`${cmd} failed`)
  return performance.now() - t0
}

export default async function run(): Promise<void> {
  const tree = process.env.STORE_BENCH_TREE ?? '/usr/lib/x86_64-linux-gnu'
  const bytes = treeBytes(tree)
  const mb = bytes / 1e6
  console.log(`import of ${tree}: ${mb.toFixed(0)} MB of files`)
  // Warm the page cache so every variant reads from memory.
  // Warm the page cache. Not `> /dev/null`: GNU tar notices that and skips reading contents.
  timeShell(`tar -C ${tree} -cf - . | cat > /dev/null`)
  const refMs = timeShell(`tar -C ${tree} -cf - . | gzip -1 > /dev/null`)
  const child = fileURLToPath(new URL('./_importChild.js', import.meta.url))
  const root = mkdtempSync(join(tmpdir(), 'store-bench-import-'))
  try {
    const once = (env: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [child, root, tree], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } })
      if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`)
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssMB: number; stats: { size: number; newStored: number } }
    }
    const first = once()
    // Again, reading and chunking every file (stat memo off): the dedup path itself.
    const reread = once({ STORE_IMPORT_MEMO: '0' })
    // Again, as a user would: the unchanged tree is recognised by its stat fingerprint.
    const second = once()
    const onDisk = storeFiles(root)
    console.table([
      { variant: 'tar -c | gzip -1 > /dev/null', seconds: +(refMs / 1000).toFixed(2), 'MB/s': +(mb / (refMs / 1000)).toFixed(0), 'peak RSS MB': '' },
      { variant: 'store import (first)', seconds: +(first.ms / 1000).toFixed(2), 'MB/s': +(mb / (first.ms / 1000)).toFixed(0), 'peak RSS MB': +first.maxRssMB.toFixed(0) },
      { variant: 'store import (again, files re-read)', seconds: +(reread.ms / 1000).toFixed(2), 'MB/s': +(mb / (reread.ms / 1000)).toFixed(0), 'peak RSS MB': +reread.maxRssMB.toFixed(0) },
      { variant: 'store import (again, unchanged tree)', seconds: +(second.ms / 1000).toFixed(2), 'MB/s': +(mb / (second.ms / 1000)).toFixed(0), 'peak RSS MB': +second.maxRssMB.toFixed(0) },
    ])
    console.log(`first/ref speed ratio ${(refMs / first.ms).toFixed(2)}x; re-import ${(first.ms / reread.ms).toFixed(1)}x faster re-reading every file, ${(first.ms / second.ms).toFixed(1)}x with the stat fingerprint; stored ${(onDisk.bytes / 1e6).toFixed(1)} MB in ${onDisk.files} files (${(onDisk.allocated / 1e6).toFixed(1)} MB allocated, ${((onDisk.allocated / onDisk.bytes - 1) * 100).toFixed(1)} % more) for ${mb.toFixed(0)} MB`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
