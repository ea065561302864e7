// Docker's BLOCK I/O sums from the cgroup files' texts (v2 io.stat, v1 blkio io_service_bytes).

import { describe, expect, test } from 'vitest'
import { blkioBytes, ioStatBytes } from '../../lib/container/blockIo.js'

describe('ioStatBytes()', () => {
  test('sums rbytes and wbytes over the devices, ignoring the other keys', () => {
    const text = '254:0 rbytes=4096 wbytes=8388608 rios=1 wios=8 dbytes=512 dios=1\n7:0 rbytes=100 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n'
    expect(ioStatBytes(text)).toEqual({ read: 4196, write: 8388608 })
  })

  test('an empty io.stat (nothing done, or no io controller) is zeros', () => {
    expect(ioStatBytes('')).toEqual({ read: 0, write: 0 })
  })
})

describe('blkioBytes()', () => {
  test('sums the Read and Write entries of every device; Sync, Async, Total and the last line are not counted', () => {
    const text = ['7:0 Read 0', '7:0 Write 12582912', '7:0 Sync 12582912', '7:0 Async 0', '7:0 Discard 0', '7:0 Total 12582912',
      '254:0 Read 4096', '254:0 Write 0', '254:0 Total 4096', 'Total 12587008', ''].join('\n')
    expect(blkioBytes(text)).toEqual({ read: 4096, write: 12582912 })
  })

  test('a file with no device line (`Total 0`: the kernel counted nothing there) is undefined, so the next file is read', () => {
    expect(blkioBytes('Total 0\n')).toBeUndefined()
    expect(blkioBytes('')).toBeUndefined()
  })
})
