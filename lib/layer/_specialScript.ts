// Node has no mknod or setxattr: device nodes, fifos, overlay whiteouts (0/0 char devices),
// their owners and modes, and xattrs are made by one batched shell script (they are rare, so
// one spawn per layer). Every path in it is a resolved path inside the root (no symlink among
// its components) and each command is a no-follow form (mknod, mkfifo, chown -h, setfattr -h;
// chmod only on a node the script itself just made). The apply loop flushes the script before
// it removes anything, so no later entry can turn a queued path into a link before it runs.

import { spawnSync } from 'node:child_process'
import { Codes, StoreError } from '../errors.js'

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export class SpecialScript {
  private lines: string[] = []
  /** Queued whiteouts: path -> line. */
  private readonly whiteouts = new Map<string, number>()

  /** A device node or fifo at `abs`, with its owner (when `owner`) and mode. */
  node(abs: string, kind: 'char' | 'block' | 'fifo', major: number, minor: number, mode: number, owner?: { uid: number; gid: number }): void {
    this.lines.push(kind === 'fifo' ? `mkfifo -- ${q(abs)}` : `mknod -- ${q(abs)} ${kind === 'char' ? 'c' : 'b'} ${major} ${minor}`)
    if (owner) this.lines.push(`chown -h -- ${owner.uid}:${owner.gid} ${q(abs)}`)
    this.lines.push(`chmod -- ${(mode & 0o7777).toString(8)} ${q(abs)}`)
  }

  /** An overlayfs whiteout: a 0/0 character device. */
  whiteout(abs: string): void {
    this.whiteouts.set(abs, this.lines.push(`mknod -- ${q(abs)} c 0 0`) - 1)
  }

  /** Drops a queued whiteout at `abs` (an entry of the same layer takes the path); whether there was one. */
  cancelWhiteout(abs: string): boolean {
    const i = this.whiteouts.get(abs)
    if (i === undefined) return false
    this.lines[i] = ':'
    this.whiteouts.delete(abs)
    return true
  }

  xattr(abs: string, name: string, value: Uint8Array): void {
    this.lines.push(`setfattr -h -n ${q(name)} -v 0x${Buffer.from(value).toString('hex')} -- ${q(abs)}`)
  }

  get pending(): boolean {
    return this.lines.length > 0
  }

  /** Run what is queued. */
  flush(): void {
    if (this.lines.length === 0) return
    const lines = this.lines
    this.lines = []
    this.whiteouts.clear()
    const r = spawnSync('/bin/sh', ['-e'], { input: lines.join('\n') + '\n', encoding: 'utf8' })
    if (r.status !== 0) {
      throw new StoreError(Codes.LAYER_CORRUPT, `cannot create special files: ${(r.stderr || r.error?.message || '').trim()}`, {
        hint: 'devices, fifos and whiteouts need root (or a user namespace) and the attr package (setfattr)',
      })
    }
  }
}
