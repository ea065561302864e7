// walk(): every blob once, in digest order, wherever it is stored: the loose files (blobs/ read
// shard by shard, sorted) merged with every loaded pack index (each sorted) through a heap of
// cursors, so a blob in two packs, or packed and loose, is listed once and nothing is held
// beyond one shard's names.

import { readdir } from 'node:fs/promises'
import { digestFromHex, type Digest } from '../digest/digest.js'
import { errno, type CasContext } from './_context.js'
import { compareDigests } from './_packFormat.js'
import type { Pack } from './_packSet.js'

const SHARD = /^[0-9a-f]{2}$/
const HEX = /^[0-9a-f]{64}$/

export async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort()
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return []
    throw e
  }
}

/** Loose blobs in digest order. Names that are not a digest in its own shard are skipped. */
export async function* walkLoose(ctx: CasContext): AsyncGenerator<string> {
  for (const shard of await list(ctx.layout.blobsDir)) {
    if (!SHARD.test(shard)) continue
    for (const name of await list(`${ctx.layout.blobsDir}/${shard}`)) {
      if (HEX.test(name) && name.startsWith(shard)) yield name
    }
  }
}

/** Packed blobs of the loaded packs in digest order (hex), each once. */
export function* walkPacked(packs: readonly Pack[]): Generator<string> {
  const heap: [Pack, number][] = packs.filter((p) => p.index.count > 0).map((p) => [p, 0])
  const less = (a: [Pack, number], b: [Pack, number]) =>
    compareDigests(a[0].index.bytes, a[0].index.digestAt(a[1]), b[0].index.bytes, b[0].index.digestAt(b[1])) < 0
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && less(heap[l], heap[m])) m = l
      if (r < heap.length && less(heap[r], heap[m])) m = r
      if (m === i) return
      ;[heap[i], heap[m]] = [heap[m], heap[i]]
      i = m
    }
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i)
  let last = ''
  while (heap.length > 0) {
    const [p, i] = heap[0]
    const hex = p.index.hex(i)
    if (hex !== last) yield (last = hex)
    if (i + 1 < p.index.count) heap[0] = [p, i + 1]
    else heap[0] = heap[heap.length - 1], heap.pop()
    down(0)
  }
}

export async function* walk(ctx: CasContext): AsyncGenerator<Digest> {
  await ctx.packs.refresh()
  const packed = walkPacked(ctx.packs.list())
  let p = packed.next()
  let last = ''
  for await (const hex of walkLoose(ctx)) {
    while (!p.done && p.value < hex) {
      yield digestFromHex((last = p.value))
      p = packed.next()
    }
    if (hex !== last) yield digestFromHex((last = hex))
  }
  for (; !p.done; p = packed.next()) if (p.value !== last) yield digestFromHex((last = p.value))
}
