// Bytes read from and written to block devices by a container's cgroup, as Docker's BLOCK I/O
// column sums them (docker/cli calculateBlockIO: every entry whose op starts with r or w). Pure:
// the texts of the cgroup files in, the two sums out.
//   cgroup v2 `io.stat`: one line per device, `8:0 rbytes=… wbytes=… rios=… wios=… …`.
//   cgroup v1 `blkio.*io_service_bytes*`: `8:0 Read 4096`, `8:0 Write 0`, … `8:0 Total …`, and a
//   last line `Total N` (no device: not counted, as Docker's parser skips it).

export interface BlockIo {
  read: number
  write: number
}

/** Sums of `rbytes` and `wbytes` over the devices of a cgroup v2 `io.stat`. */
export function ioStatBytes(text: string): BlockIo {
  const out = { read: 0, write: 0 }
  for (const line of text.split('\n')) {
    for (const m of line.matchAll(/\b([rw])bytes=(\d+)/g)) out[m[1] === 'r' ? 'read' : 'write'] += Number(m[2])
  }
  return out
}

/** Sums of the Read and Write entries of a cgroup v1 blkio `io_service_bytes` file; undefined when it has no device line. */
export function blkioBytes(text: string): BlockIo | undefined {
  let out: BlockIo | undefined
  for (const line of text.split('\n')) {
    const m = /^\d+:\d+ (\w+) (\d+)$/.exec(line.trim())
    if (!m) continue
    out ??= { read: 0, write: 0 }
    const op = m[1][0].toLowerCase()
    if (op === 'r') out.read += Number(m[2])
    else if (op === 'w') out.write += Number(m[2])
  }
  return out
}

/**
 * The v1 files in runc's order of preference (libcontainer/cgroups/fs/blkio.go): BFQ's, CFQ's,
 * then blk-throttle's. The first one that lists a device is the answer: a scheduler's file
 * exists whether or not that scheduler runs the disk (BFQ's reads `Total 0` under mq-deadline).
 */
export const BLKIO_FILES = ['blkio.bfq.io_service_bytes_recursive', 'blkio.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive'] as const
