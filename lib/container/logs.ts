// `store logs [-f]`: a detached container's output, kept in containers/<id>/container.log
// (stdout and stderr together, in the order written).

import { open } from 'node:fs/promises'
import type { Store } from '../store.js'
import { logPath } from './records.js'
import { currentState } from './state.js'
import type { ContainerRecord } from './types.js'

export async function* containerLogs(store: Store, rec: ContainerRecord, follow: boolean): AsyncGenerator<Uint8Array> {
  const fh = await open(logPath(store, rec.id), 'r').catch(() => undefined)
  if (!fh) return
  try {
    let pos = 0
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
