// A node:zlib Transform as an async-iterable-in, async-iterable-out function (the shape the
// codec contract uses), for the native backend. Backpressure is the Transform's own: the source
// is pulled only as fast as the output is read, so memory stays at zlib's buffers.

import { Readable, type Transform } from 'node:stream'

export async function* through(t: Transform, src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const input = Readable.from(src, { objectMode: false })
  input.on('error', (e) => t.destroy(e))
  input.pipe(t)
  try {
    for await (const b of t) yield b as Uint8Array
  } finally {
    // Stopped early, or failed: release both sides (a no-op once they have ended).
    input.destroy()
    t.destroy()
  }
}
