// The resemblance index on disk: what is added is found, here at once and by other processes
// after flush; newer chunks win ties; compaction keeps lookups and drops what gc collected; a
// torn segment is skipped; a large segment is read bucket by bucket from disk.

import { readdir, writeFile } from 'node:fs/promises'
import { describe, expect } from 'vitest'
import type { Digest } from '../../lib/digest/digest.js'
import { FEATURES } from '../../lib/codec/delta/index.js'
import { openResemblanceIndex } from '../../lib/codec/delta/resemblanceIndex.js'
import { withDir } from './_data.js'

const digest = (i: number): Digest => `sha256:${i.toString(16).padStart(64, '0')}`
/** A sketch with features base+1 … base+FEATURES, the first `shared` of them `common`'s. */
const sketch = (base: number, common = 0, shared = 0) => Uint32Array.from({ length: FEATURES }, (_, k) => (k < shared ? common + k + 1 : base + k + 1))
const segments = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.rix'))

describe('resemblance index', () => {
  withDir('finds a chunk by any shared feature, most shared first, then newest', async ({ dir }) => {
    const ix = await openResemblanceIndex(dir)
    ix.add(digest(1), sketch(1000), 0)
    ix.add(digest(2), sketch(2000, 1000, 3), 1)
    ix.add(digest(3), sketch(3000, 1000, 3), 2)
    expect(ix.lookup(sketch(1000))).toEqual([
      { digest: digest(1), depth: 0, shared: FEATURES },
      { digest: digest(3), depth: 2, shared: 3 },
      { digest: digest(2), depth: 1, shared: 3 },
    ])
    expect(ix.lookup(sketch(9000))).toEqual([])
    await ix.close()
  })

  withDir('persists at flush: another process sees it, in the same order', async ({ dir }) => {
    const a = await openResemblanceIndex(dir)
    const b = await openResemblanceIndex(dir)
    a.add(digest(1), sketch(1000), 0)
    b.add(digest(2), sketch(2000, 1000, 2), 0)
    await a.flush()
    await b.flush()
    expect(await segments(dir)).toHaveLength(2)
    const c = await openResemblanceIndex(dir)
    expect(c.lookup(sketch(1000, 0, 0)).map((x) => x.digest)).toEqual([digest(1), digest(2)])
    expect(c.lookup(sketch(2000, 1000, 2), 1)).toEqual([{ digest: digest(2), depth: 0, shared: FEATURES }])
    for (const x of [a, b, c]) await x.close()
  })

  withDir('compaction merges segments, keeps lookups, and drops what `keep` refuses', async ({ dir }) => {
    const ix = await openResemblanceIndex(dir, { maxSegments: 100 })
    for (let i = 1; i <= 20; i++) {
      ix.add(digest(i), sketch(i * 1000, 500, i % 4), i % 3)
      await ix.flush()
    }
    const before = ix.lookup(sketch(500, 0, 0), 10)
    await ix.compact()
    expect(await segments(dir)).toHaveLength(1)
    expect(ix.lookup(sketch(500, 0, 0), 10)).toEqual(before)
    await ix.compact((d) => d !== digest(19))
    expect(ix.lookup(sketch(500, 0, 0), 10).map((x) => x.digest)).not.toContain(digest(19))
    expect(ix.lookup(sketch(7000, 500, 3), 1)).toEqual([{ digest: digest(7), depth: 1, shared: FEATURES }])
    await ix.close()
    const again = await openResemblanceIndex(dir)
    expect(again.lookup(sketch(7000, 500, 3), 1)).toEqual([{ digest: digest(7), depth: 1, shared: FEATURES }])
    await again.close()
  })

  withDir('flush compacts once segments pile up past the limit', async ({ dir }) => {
    const ix = await openResemblanceIndex(dir, { maxSegments: 3 })
    for (let i = 1; i <= 4; i++) {
      ix.add(digest(i), sketch(i * 1000), 0)
      await ix.flush()
    }
    expect(await segments(dir)).toHaveLength(1)
    for (let i = 1; i <= 4; i++) expect(ix.lookup(sketch(i * 1000))[0].digest).toBe(digest(i))
    await ix.close()
  })

  withDir('a torn or foreign segment file is skipped (it is a cache), and compaction removes it', async ({ dir }) => {
    const ix = await openResemblanceIndex(dir)
    ix.add(digest(1), sketch(1000), 0)
    await ix.close()
    const [name] = await segments(dir)
    await writeFile(`${dir}/000000000000-torn.rix`, Buffer.from('RIX1\x01\x00'))
    await writeFile(`${dir}/zzz-foreign.rix`, 'not a segment')
    const again = await openResemblanceIndex(dir)
    expect(again.lookup(sketch(1000))[0].digest).toBe(digest(1))
    await again.compact()
    expect(await segments(dir)).toEqual([name])
    await again.close()
  })

  withDir('a segment larger than the in-memory limit is read from disk, bucket by bucket', async ({ dir }) => {
    const ix = await openResemblanceIndex(dir, { inMemoryUpTo: 1024 })
    for (let i = 1; i <= 3000; i++) ix.add(digest(i), sketch(i * 100), 0)
    await ix.close()
    const big = await openResemblanceIndex(dir, { inMemoryUpTo: 1024 })
    for (const i of [1, 1500, 3000]) expect(big.lookup(sketch(i * 100))[0]).toEqual({ digest: digest(i), depth: 0, shared: FEATURES })
    big.add(digest(5000), sketch(900_000, 1500 * 100, 2), 1)
    await big.compact()
    expect(big.lookup(sketch(1500 * 100)).map((x) => x.digest)).toEqual([digest(1500), digest(5000)])
    await big.close()
  })
})
