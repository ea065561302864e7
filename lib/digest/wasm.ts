// SHA-256 through hash-wasm: portable (runs wherever WebAssembly does), no node: imports.
//
// hash-wasm instances are created asynchronously, but `HashBackend.create()` is synchronous. So
// one wasm instance serves every hasher: the hasher whose state is loaded in it is the `owner`;
// any other hasher that needs the instance saves the owner's state out (a ~100-byte copy) and
// loads its own. A stream hashed alone never switches; interleaved hashers pay one small copy
// per switch, which is negligible next to hashing 64 KiB.

import { createSHA256, type IHasher } from 'hash-wasm'
import type { Digest } from './digest.js'
import type { HashBackend, Hasher } from './types.js'

export async function createWasmBackend(): Promise<HashBackend> {
  const engine: IHasher = await createSHA256()
  engine.init()
  // Every new hasher starts from this state; load() copies it, so it is never modified.
  const initial = engine.save()
  let owner: WasmHasher | undefined

  const park = () => {
    if (owner) owner.saved = engine.save()
    owner = undefined
  }

  class WasmHasher implements Hasher {
    saved: Uint8Array | undefined = initial
    private done = false

    private activate(): void {
      if (this.done) throw new Error('sha256 hasher used after digest()')
      if (owner === this) return
      park()
      engine.load(this.saved!)
      this.saved = undefined
      owner = this
    }

    update(data: Uint8Array): void {
      this.activate()
      // hash-wasm copies through its 16 KiB wasm heap; the input itself is never copied in JS.
      engine.update(data)
    }

    digest(): Digest {
      this.activate()
      this.done = true
      owner = undefined
      return `sha256:${engine.digest('hex')}`
    }
  }

  return {
    name: 'wasm',
    create: () => new WasmHasher(),
    sha256(data: Uint8Array): Digest {
      park()
      engine.init()
      engine.update(data)
      return `sha256:${engine.digest('hex')}`
    },
  }
}
