// Hostile layers for the security specs: tar entries that try to write, replace or remove host
// files when a layer is extracted, and the canary folder they aim at. Each case says what
// `store import` must do with it (refuse, naming the entry; or accept, and then extraction must
// keep everything inside the container's root). Archives are written by hand (the tar codec's
// header encoder), since no well-behaved tool produces most of them.

import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeHeader, END_OF_ARCHIVE, type TarEntryType, type TarHeader } from '../../lib/tar/index.js'
import { treeHash } from './containers.js'

export interface Ent {
  name: string
  type?: TarEntryType
  linkname?: string
  data?: string
  mode?: number
  mtime?: number
  dev?: [number, number]
  xattrs?: Record<string, string>
}

export function header(e: Ent): TarHeader {
  const data = Buffer.from(e.data ?? '')
  return {
    name: e.name, type: e.type ?? 'file', mode: e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), uid: 0, gid: 0, uname: '', gname: '',
    size: (e.type ?? 'file') === 'file' ? data.length : 0, mtime: e.mtime ?? 1700000000, linkname: e.linkname ?? '',
    devmajor: e.dev?.[0] ?? 0, devminor: e.dev?.[1] ?? 0,
    xattrs: Object.fromEntries(Object.entries(e.xattrs ?? {}).map(([k, v]) => [k, new TextEncoder().encode(v)])),
  }
}

/** A tar of `ents`, in order, exactly as given (no normalisation). */
export function tarOf(ents: Ent[]): Buffer {
  const parts: Uint8Array[] = []
  for (const e of ents) {
    const h = header(e)
    parts.push(encodeHeader(h))
    if (h.size > 0) parts.push(Buffer.from(e.data!), Buffer.alloc((512 - (h.size % 512)) % 512))
  }
  parts.push(END_OF_ARCHIVE)
  return Buffer.concat(parts)
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** A `docker save` archive (Docker >= 25 layout) of one image made of `layers` (uncompressed tars). */
export function dockerSave(tag: string, layers: Buffer[], config: Record<string, unknown> = {}): Buffer {
  const cfg = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha(l)}`) },
    history: layers.map(() => ({ created: '2026-12-01T00:00:00Z', created_by: 'spec' })),
  }))
  const files: [string, Buffer][] = [
    ['blobs/sha256/' + sha(cfg), cfg],
    ...layers.map((l): [string, Buffer] => ['blobs/sha256/' + sha(l), l]),
    ['manifest.json', Buffer.from(JSON.stringify([{ Config: `blobs/sha256/${sha(cfg)}`, RepoTags: [tag], Layers: layers.map((l) => `blobs/sha256/${sha(l)}`) }]))],
  ]
  return rawTar(files)
}

/** A tar of binary files (tarOf() takes text). */
export function rawTar(files: [string, Buffer][]): Buffer {
  const parts: Uint8Array[] = []
  for (const [name, b] of files) {
    parts.push(encodeHeader({ ...header({ name }), size: b.length }), b, Buffer.alloc((512 - (b.length % 512)) % 512))
  }
  parts.push(END_OF_ARCHIVE)
  return Buffer.concat(parts)
}

export const CANARY_TEXT = 'canary: must never change\n'

/**
 * A host folder the hostile entries aim at: `canary.txt` (0640), `sub/secret`, `etc/passwd`
 * (a user no image has). `fingerprint()` hashes all of it (paths, modes, owners, sizes, times,
 * contents): equal before and after means nothing was added, changed or removed.
 */
export function makeCanary(dir: string): { dir: string; fingerprint: () => string } {
  mkdirSync(join(dir, 'sub'), { recursive: true })
  mkdirSync(join(dir, 'etc'))
  writeFileSync(join(dir, 'canary.txt'), CANARY_TEXT)
  chmodSync(join(dir, 'canary.txt'), 0o640)
  writeFileSync(join(dir, 'sub/secret'), 'host secret\n')
  writeFileSync(join(dir, 'etc/passwd'), 'hostonly:x:4242:4242::/:/bin/sh\n')
  return { dir, fingerprint: () => treeHash(dir) }
}

export type Outcome =
  /** `store import` refuses it; the error names `entry` and matches `message`. */
  | { refused: true; entry: string; message: RegExp }
  /** Imported; extracting it must keep everything inside the root. */
  | { refused: false }

export interface HostileCase {
  name: string
  entries: Ent[]
  outcome: Outcome
}

/** Every hostile layer, aimed at the canary folder `c` (absolute). */
export function hostileCases(c: string): HostileCase[] {
  const crel = c.replace(/^\/+/, '')
  const up = '../'.repeat(16)
  const through = (entry: string, link: string) => ({ refused: true as const, entry, message: new RegExp(`written through the symlink "${link}"`) })
  const escapes = (entry: string) => ({ refused: true as const, entry, message: /escapes the layer root/ })
  const notEarlier = (entry: string) => ({ refused: true as const, entry, message: /which is not an earlier entry of the layer/ })
  const link = (name: string, to: string): Ent => ({ name, type: 'symlink', linkname: to })
  const hard = (name: string, to: string): Ent => ({ name, type: 'hardlink', linkname: to })
  return [
    { name: '"../" in a name', entries: [{ name: '../../../../../escape', data: 'x' }], outcome: escapes('../../../../../escape') },
    { name: 'an absolute name', entries: [{ name: `${c}/new`, data: 'x' }], outcome: escapes(`${c}/new`) },
    { name: 'a symlink, then a file through it', entries: [link('evil', c), { name: 'evil/new', data: 'x' }], outcome: through('evil/new', 'evil') },
    { name: 'a relative symlink out', entries: [link('rel', `${up}${crel}`), { name: 'rel/new', data: 'x' }], outcome: through('rel/new', 'rel') },
    { name: 'a symlink chain', entries: [link('a', 'b'), link('b', c), { name: 'a/new', data: 'x' }], outcome: through('a/new', 'a') },
    { name: 'a hardlink to a symlink, then a file through it', entries: [link('evil', c), hard('evil2', 'evil'), { name: 'evil2/new', data: 'x' }], outcome: through('evil2/new', 'evil2') },
    { name: 'a hardlink to a symlink replacing a host file (setuid)', entries: [link('evil', c), hard('evil2', 'evil'), { name: 'evil2/canary.txt', data: 'owned', mode: 0o4755 }], outcome: through('evil2/canary.txt', 'evil2') },
    { name: 'a hardlink to a symlink replacing a host dir', entries: [link('evil', c), hard('evil2', 'evil'), { name: 'evil2/sub', data: 'x' }], outcome: through('evil2/sub', 'evil2') },
    { name: 'a hardlink to a symlink, then a whiteout through it', entries: [link('evil', c), hard('evil2', 'evil'), { name: 'evil2/.wh.canary.txt' }], outcome: through('evil2/.wh.canary.txt', 'evil2') },
    { name: 'a dir replaced by a link, then written through', entries: [{ name: 'd/', type: 'dir' }, link('d', c), { name: 'd/new', data: 'x' }], outcome: through('d/new', 'd') },
    { name: 'a whiteout through a link', entries: [link('evil', c), { name: 'evil/.wh.canary.txt' }], outcome: through('evil/.wh.canary.txt', 'evil') },
    { name: 'an opaque marker through a link', entries: [link('evil', c), { name: 'evil/.wh..wh..opq' }], outcome: through('evil/.wh..wh..opq', 'evil') },
    { name: 'a hardlink out', entries: [hard('h', `${up}${crel}/canary.txt`)], outcome: escapes('h') },
    { name: 'a hardlink through a symlink', entries: [link('evil', c), hard('h', 'evil/canary.txt')], outcome: { refused: true, entry: 'h', message: /through the symlink "evil"/ } },
    { name: 'a hardlink to a later member', entries: [hard('h', 'later'), { name: 'later', data: 'x' }], outcome: notEarlier('h') },
    { name: 'a hardlink to a missing member', entries: [hard('h', 'nowhere')], outcome: notEarlier('h') },
    { name: 'a hardlink to itself', entries: [hard('h', 'h')], outcome: notEarlier('h') },
    // Accepted by import: each entry is harmless alone; extraction must keep them inside.
    { name: 'a device node queued, then its dir replaced by a link', entries: [{ name: 'q/', type: 'dir' }, { name: 'q/null', type: 'char', dev: [1, 3], mode: 0o666 }, link('q', c)], outcome: { refused: false } },
    { name: 'an xattr queued, then its dir replaced by a link', entries: [{ name: 'x/', type: 'dir' }, { name: 'x/canary.txt', data: 'x', xattrs: { 'user.evil': '1' } }, link('x', c)], outcome: { refused: false } },
    { name: 'a dir time, then the dir replaced by a link', entries: [{ name: 't/', type: 'dir', mtime: 1000 }, link('t', c)], outcome: { refused: false } },
    { name: 'a device node and a setuid file', entries: [{ name: 'devs/', type: 'dir' }, { name: 'devs/null', type: 'char', dev: [1, 3], mode: 0o666 }, { name: 'suid', data: '#!/bin/sh\n', mode: 0o4755 }], outcome: { refused: false } },
  ]
}
