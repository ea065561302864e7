// Node has no mknod or setxattr: device nodes, fifos, overlay whiteouts (0/0 char devices),
// their owners and modes are made by one batched shell script (they are rare, so one spawn per
// layer), and xattrs by one `setfattr -h --restore` after it (a metadata-only snapshot has two
// on every file: one setfattr per xattr cost ~2 ms each, 20 s for a Debian base). Every path
// is a resolved path inside the root (no symlink among its components) and each command is a
// no-follow form (mknod, mkfifo, chown -h, setfattr -h; chmod only on a node the script itself
// just made). The apply loop flushes before it removes anything, so no later entry can turn a
// queued path into a link before it runs.

import { spawnSync } from 'node:child_process'
import { Codes, StoreError } from '../errors.js'

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** Printable ASCII but backslash: dumped as it is (nearly every path; byte by byte cost 0.27 s of a Debian base's snapshot). */
const PLAIN = /^[\x21-\x5b\x5d-\x7e]*$/

/** A path or name as getfattr dumps it (what `setfattr --restore` reads): \ooo for bytes outside printable ASCII, backslash too. */
const dumpQuote = (s: string) =>
  PLAIN.test(s) ? s : [...Buffer.from(s, 'utf8')].map((b) => (b > 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`)).join('')

export class SpecialScript {
  private lines: string[] = []
  /** xattrs queued, in getfattr's dump form: path -> "name=0x…" lines. */
  private attrs = new Map<string, string[]>()
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
    const line = `${dumpQuote(name)}=${value.length ? `0x${Buffer.from(value).toString('hex')}` : '""'}`
    const list = this.attrs.get(abs)
    if (list) list.push(line)
    else this.attrs.set(abs, [line])
  }

  get pending(): boolean {
    return this.lines.length > 0 || this.attrs.size > 0
  }

  /** Run what is queued. */
  flush(): void {
    const lines = this.lines
    const attrs = this.attrs
    this.lines = []
    this.attrs = new Map()
    this.whiteouts.clear()
    // The nodes first: xattrs may be meant for them.
    if (lines.length > 0) check(spawnSync('/bin/sh', ['-e'], { input: lines.join('\n') + '\n', encoding: 'utf8' }))
    if (attrs.size === 0) return
    let dump = ''
    for (const [abs, list] of attrs) dump += `# file: ${dumpQuote(abs)}\n${list.join('\n')}\n\n`
    check(spawnSync('setfattr', ['-h', '--restore=-'], { input: dump, encoding: 'utf8', maxBuffer: 64 << 20 }))
  }
}

function check(r: { status: number | null; stderr?: string; error?: Error }): void {
  if (r.status === 0) return
  throw new StoreError(Codes.LAYER_CORRUPT, `cannot create special files: ${(r.stderr || r.error?.message || '').trim()}`, {
    hint: 'devices, fifos and whiteouts need root (or a user namespace) and the attr package (setfattr)',
  })
}
