// Apply a layer to a folder.
//   mode 'overlay': extract ONE layer into an empty snapshot folder, whiteouts in overlayfs form
//                   (a 0/0 char device for `.wh.<name>`, trusted.overlay.opaque=y for
//                   `.wh..wh..opq`), for the overlay driver's lowerdirs.
//   mode 'plain':   apply onto an existing tree with OCI semantics: `.wh.<name>` deletes
//                   <name>; an opaque marker removes every child of its dir that this layer did
//                   not itself create, wherever the marker appears in the tar. `.wh.` names never
//                   appear in the result.
// Every path is checked against escapes (.., absolute, through a symlink) before it is used.
// Node has no mknod/setxattr: devices, fifos, whiteout devices and xattrs are collected and made
// by one batched shell script at the end (they are rare, so one spawn per layer).

import { chmod, lchown, link, lstat, mkdir, open, rm, symlink, lutimes, utimes, readdir } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { Codes, StoreError } from '../errors.js'
import type { ContentStore } from '../cas/types.js'
import { digestFromHex } from '../digest/digest.js'
import { parseHeaderBytes } from '../tar/index.js'
import type { LayerIndex } from './_format.js'
import { normalizeEntryPath, parentOf, SymlinkGuard, whiteoutOf } from './paths.js'

export type ApplyMode = 'overlay' | 'plain'

export interface ApplyOptions {
  mode: ApplyMode
  /** In a user namespace overlayfs reads user.overlay.opaque instead of trusted.* */
  opaqueXattr?: string
  /** Keep ownership from the tar (default true; false when not root). */
  chown?: boolean
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export async function applyLayer(cas: ContentStore, ix: LayerIndex, root: string, opts: ApplyOptions): Promise<void> {
  const guard = new SymlinkGuard()
  const created = new Set<string>()
  const opaqueDirs: string[] = []
  const dirTimes: { path: string; mtime: number }[] = []
  const script: string[] = []
  const chown = opts.chown ?? process.getuid?.() === 0
  const opaqueXattr = opts.opaqueXattr ?? 'trusted.overlay.opaque'

  for (const e of ix.entries) {
    const h = parseHeaderBytes(e.h)
    const rel = normalizeEntryPath(h.name)
    if (rel === '') continue // the root itself: keep the snapshot's own metadata
    guard.check(rel, h.name)
    if (opts.mode === 'plain') await checkNoSymlinkParents(root, rel, h.name)
    const abs = `${root}/${rel}`
    const wh = whiteoutOf(rel)
    if (wh) {
      if (wh.kind === 'opaque') {
        opaqueDirs.push(wh.dir)
      } else if (opts.mode === 'overlay') {
        await mkdir(`${root}/${parentOf(wh.target)}`, { recursive: true })
        script.push(`mknod ${q(`${root}/${wh.target}`)} c 0 0`)
      } else {
        await rm(`${root}/${wh.target}`, { recursive: true, force: true })
      }
      continue
    }
    await mkdir(parentOf(abs), { recursive: true })
    for (let r = rel; r !== '' && !created.has(r); r = parentOf(r)) created.add(r)
    if (h.type === 'symlink') guard.add(rel)
    else guard.remove(rel)

    // Replace whatever is there unless both are dirs (a dir entry over a dir merges).
    const existing = await lstat(abs).catch(() => undefined)
    if (existing && !(existing.isDirectory() && h.type === 'dir')) await rm(abs, { recursive: true, force: true })

    switch (h.type) {
      case 'dir':
        await mkdir(abs, { recursive: true })
        dirTimes.push({ path: abs, mtime: h.mtime })
        break
      case 'file':
        await writeFile(cas, abs, e.c ?? [], h.size, h.name)
        break
      case 'symlink':
        await symlink(h.linkname, abs)
        break
      case 'hardlink': {
        const target = normalizeEntryPath(h.linkname, `hardlink target of "${h.name}"`)
        guard.check(target, h.linkname)
        try {
          await link(`${root}/${target}`, abs)
        } catch (err) {
          throw new StoreError(Codes.LAYER_CORRUPT, `hardlink "${h.name}" points to "${h.linkname}", which is not in the layer`, { cause: err, exit: 1 })
        }
        continue // metadata is the target's
      }
      case 'char':
      case 'block':
        script.push(`mknod ${q(abs)} ${h.type === 'char' ? 'c' : 'b'} ${h.devmajor} ${h.devminor}`)
        break
      case 'fifo':
        script.push(`mkfifo ${q(abs)}`)
        break
    }
    const deferred = h.type === 'char' || h.type === 'block' || h.type === 'fifo'
    if (deferred) {
      if (chown) script.push(`chown -h ${h.uid}:${h.gid} ${q(abs)}`)
      script.push(`chmod ${(h.mode & 0o7777).toString(8)} ${q(abs)}`)
    } else {
      if (chown) await lchown(abs, h.uid, h.gid)
      if (h.type !== 'symlink') await chmod(abs, h.mode & 0o7777)
      if (h.type !== 'dir') {
        const t = h.mtime
        await (h.type === 'symlink' ? lutimes(abs, t, t) : utimes(abs, t, t))
      }
    }
    for (const [k, v] of Object.entries(h.xattrs)) {
      script.push(`setfattr -h -n ${q(k)} -v 0x${Buffer.from(v).toString('hex')} ${q(abs)}`)
    }
  }

  for (const dir of opaqueDirs) {
    const abs = dir ? `${root}/${dir}` : root
    if (opts.mode === 'overlay') {
      await mkdir(abs, { recursive: true })
      script.push(`setfattr -n ${opaqueXattr} -v y ${q(abs)}`)
    } else {
      // Hide every lower child: remove what this layer did not create.
      for (const name of await readdir(abs).catch(() => [] as string[])) {
        const rel = dir ? `${dir}/${name}` : name
        if (!created.has(rel)) await rm(`${root}/${rel}`, { recursive: true, force: true })
      }
    }
  }
  if (script.length > 0) runScript(script)
  // Dir mtimes last: creating children changed them. Deepest first.
  for (const d of dirTimes.reverse()) await utimes(d.path, d.mtime, d.mtime)
}

async function writeFile(cas: ContentStore, abs: string, chunks: [string, number][], size: number, name: string) {
  const fh = await open(abs, 'w', 0o600)
  try {
    let written = 0
    let next = chunks.length > 0 ? cas.get(digestFromHex(chunks[0][0])) : undefined
    for (let i = 0; i < chunks.length; i++) {
      const data = await next!
      next = i + 1 < chunks.length ? cas.get(digestFromHex(chunks[i + 1][0])) : undefined
      await fh.write(data, 0, data.length, written)
      written += data.length
    }
    if (written !== size) throw new StoreError(Codes.LAYER_CORRUPT, `layer content of "${name}" has ${written} bytes, header says ${size}`)
  } finally {
    await fh.close()
  }
}

async function checkNoSymlinkParents(root: string, rel: string, name: string) {
  let i = rel.indexOf('/')
  while (i >= 0) {
    const st = await lstat(`${root}/${rel.slice(0, i)}`).catch(() => undefined)
    if (!st) return
    if (st.isSymbolicLink()) {
      throw new StoreError(Codes.PATH_ESCAPE, `tar entry "${name}" is written through the symlink "${rel.slice(0, i)}"`, { data: { path: name }, exit: 1 })
    }
    i = rel.indexOf('/', i + 1)
  }
}

function runScript(lines: string[]) {
  const r = spawnSync('/bin/sh', ['-e'], { input: lines.join('\n') + '\n', encoding: 'utf8' })
  if (r.status !== 0) {
    throw new StoreError(Codes.LAYER_CORRUPT, `cannot create special files: ${(r.stderr || r.error?.message || '').trim()}`, {
      hint: 'devices, fifos and whiteouts need root (or a user namespace) and the attr package (setfattr)',
    })
  }
}
