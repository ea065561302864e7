// `store logs [-f] [--tail N]`: a container's output, kept in containers/<id>/container.log
// (stdout and stderr together, in the order written). --tail starts at the Nth line from the
// end (found reading the file backwards, a window at a time: the log is never read whole).

import { open, type FileHandle } from 'node:fs/promises'
import type { Store } from '../store.js'
import { logPath } from './records.js'
import { currentState } from './state.js'
import type { ContainerRecord } from './types.js'

export async function* containerLogs(store: Store, rec: ContainerRecord, follow: boolean, tail?: number): AsyncGenerator<Uint8Array> {
  const fh = await open(logPath(store, rec.id), 'r').catch(() => undefined)
  if (!fh) return
  try {
    let pos = tail === undefined ? 0 : await tailStart(fh, tail)
    const buf = Buffer.alloc(1 << 16)
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
      if (bytesRead > 0) {
        pos += bytesRead
        yield Buffer.from(buf.subarray(0, bytesRead))
        continue
      }
      if (!follow) return
      if ((await currentState(store, rec.id)).status !== 'running') {
        // Drain what the process wrote before it ended, then stop.
        const last = await fh.read(buf, 0, buf.length, pos)
        if (last.bytesRead === 0) return
        pos += last.bytesRead
        yield Buffer.from(buf.subarray(0, last.bytesRead))
        continue
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    await fh.close()
  }
}

/** Where the last `n` lines of the file start (a last line without its newline counts). */
export async function tailStart(fh: FileHandle, n: number): Promise<number> {
  const size = (await fh.stat()).size
  if (n <= 0) return size
  const buf = Buffer.alloc(1 << 16)
  let seen = 0
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - buf.length)
    const { bytesRead } = await fh.read(buf, 0, end - start, start)
    for (let i = bytesRead - 1; i >= 0; i--) {
      // A newline starts the line after it; the file's own last byte starts none.
      if (buf[i] === 0x0a && start + i !== size - 1 && ++seen === n) return start + i + 1
    }
    end = start
  }
  return 0
}
