// Bulk ingest allocates a few hundred bytes to a few KiB per tar entry that live for
// milliseconds (a folder of 300,000 files: ~600 MB of them). V8 answers by doubling its young
// generation up to 2 × 64 MiB semi-spaces (Node builds without pointer compression): on a
// 100,000-file import that was ~100 MB of heap for a live set of ~15 MB. Kept at its first
// size, the heap stays ~45 MB: 299 -> 254 MB peak RSS, the same CPU within 5 % (2026-12-03).
// V8 reads this flag whenever it would grow the space, so it works set at run time, and it
// holds for the worker threads started after it. Process-wide and idempotent.
//
// Set only once the work is large (YOUNG_AFTER entries): a V8 flag changed at run time costs
// the next thread that starts ~30 ms more (measured: a worker that answers in 32 ms took 61-65
// ms when it was the first made after the change), and a small import starts its threads
// then. Four patch releases of a package imported one after another took 1.71-1.81 s against
// 1.87-1.99 s with this flag and --expose-gc set up front (the latter is now set by a worker
// on first need: lib/codec/_compressOps.ts). After 1,024 entries rather than 4,096: the first
// import of /usr/share (46,893 files) peaked at 467-471 MB either way, at 498-501 MB with 4,096
// (the young generation had grown by then).

import { setFlagsFromString } from 'node:v8'

let done = false

/** Entries of a walk or an ingest after which it keeps the young generation small. */
export const YOUNG_AFTER = 1024

export function keepYoungGenerationSmall(): void {
  if (done) return
  done = true
  setFlagsFromString('--semi-space-growth-factor=1')
}
