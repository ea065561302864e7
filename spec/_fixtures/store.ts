// A fresh store in its own temp dir for each test, removed afterwards.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '../../lib/store.js'
import type { StoreConfig } from '../../lib/config.js'

/** `parent`: where the temp dir goes (default the system's temp dir; a spec may need another file system). */
/** A store in a temp folder of its own, opened with `config` (backends, deltas…: lib/config.ts). */
export async function tempStore(parent = tmpdir(), config: StoreConfig = {}): Promise<{ store: Store; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(parent, 'store-unit-'))
  const store = await openStore({ ...config, root: join(dir, 'root') })
  return { store, dir, cleanup: async () => { await store.close(); await rm(dir, { recursive: true, force: true }) } }
}

export async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of src) parts.push(Buffer.from(b))
  return Buffer.concat(parts)
}

export async function* fromBuffer(b: Uint8Array, pieces = 1): AsyncGenerator<Uint8Array> {
  const step = Math.max(1, Math.ceil(b.length / pieces))
  for (let i = 0; i < b.length; i += step) yield b.subarray(i, i + step)
}
