// Copy a tree read through fsroot (an image's merged view, or a host folder) into a volume's
// data dir, with modes, owners, times, symlinks (verbatim, never followed), hard links, device
// nodes, fifos and xattrs. The volume may already be mounted in a running container, so every
// write goes through an open fd of its parent dir (/proc/self/fd/N/name): new entries are made
// with O_EXCL / mkdir / symlink / mknod, which never follow a link, and metadata is set through
// the entry's own fd or with the no-follow calls (lchown, lutimes).
// Hard links are found by (dev, ino) among the source's entries: snapshots never share inodes
// across layers, so two names of one inode are one layer's hard link.

import { closeSync, constants as C, copyFileSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, readlinkSync, symlinkSync, type Stats } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { Codes, StoreError } from '../errors.js'
import { DirFd, TreeReader, type TreeFs } from '../fsroot/index.js'
import { shQuote as q, xattrsOf } from '../driver/index.js'

// Markers of the snapshots themselves, not of the image's files.
const OWN_XATTR = /^(trusted|user)\.(overlay|fuseoverlayfs)\./

interface Ctx {
  tree: TreeFs<Stats>
  dest: string
  links: Map<string, string>
  /** [source host path, dest rel] of every copied entry that may carry xattrs. */
  copied: [string, string][]
}

/** Copies the content of dir `rel` of `tree` into the existing, empty dir `dest`, and its metadata onto `dest`. */
export async function copyTree(tree: TreeFs<Stats>, rel: string, rootStat: Stats, dest: string): Promise<void> {
  const ctx: Ctx = { tree, dest, links: new Map(), copied: [] }
  const top = DirFd.open(dest)
  try {
    await copyDir(ctx, rel, top, '')
    setMeta(top.fd, rootStat)
  } finally {
    top.close()
  }
  await copyXattrs(ctx)
}

async function copyDir(ctx: Ctx, src: string, d: DirFd, destRel: string): Promise<void> {
  for (const name of await ctx.tree.list(src)) {
    const s = src ? `${src}/${name}` : name
    const r = destRel ? `${destRel}/${name}` : name
    const e = await ctx.tree.entry(s)
    if (!e) continue
    const st = e.stat
    const at = d.at(name)
    if (st.isDirectory()) {
      mkdirSync(at, 0o700)
      const child = d.dir(name)
      try {
        await copyDir(ctx, s, child, r)
        setMeta(child.fd, st) // after the children: creating them changed the times
      } finally {
        child.close()
      }
    } else if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(e.path), at)
      lchownSync(at, st.uid, st.gid)
      lutimesSync(at, st.atime, st.mtime)
      continue // symlinks carry no xattrs worth copying (user.* is not allowed on them)
    } else if (st.isFile() && st.nlink > 1 && ctx.links.has(`${st.dev}:${st.ino}`)) {
      const first = new TreeReader(ctx.dest)
      try {
        const p = first.parentOf(ctx.links.get(`${st.dev}:${st.ino}`)!)
        linkSync(p.dir.at(p.name), at) // link(2) never follows its source
      } finally {
        first.close()
      }
      continue
    } else if (st.isFile()) {
      // O_EXCL: never follows. A stub's bytes are in the pool (`content`); its xattrs are its own.
      copyFileSync(e.content ?? e.path, at, C.COPYFILE_EXCL | C.COPYFILE_FICLONE)
      const fd = openSync(at, C.O_RDONLY | C.O_NOFOLLOW)
      try {
        setMeta(fd, st)
      } finally {
        closeSync(fd)
      }
      if (st.nlink > 1) ctx.links.set(`${st.dev}:${st.ino}`, r)
    } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
      makeNode(d, name, st)
      lchownSync(at, st.uid, st.gid)
      lutimesSync(at, st.atime, st.mtime)
    } else continue // sockets are not copied
    ctx.copied.push([e.path, r])
  }
}

/** Owner, then mode (chown clears setuid bits), then times, through the entry's own fd. */
function setMeta(fd: number, st: Stats): void {
  fchownSync(fd, st.uid, st.gid)
  fchmodSync(fd, st.mode & 0o7777)
  futimesSync(fd, st.atime, st.mtime)
}

/** Node cannot mknod: mknod(1) with -m (the mode is set as the node is made, nothing to follow later). */
function makeNode(d: DirFd, name: string, st: Stats): void {
  const mode = (st.mode & 0o7777).toString(8)
  const rdev = Number(st.rdev)
  const [major, minor] = [(rdev >> 8) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00)]
  const args = st.isFIFO() ? ['mkfifo', '-m', mode, '--', d.atForChild(name)] : ['mknod', '-m', mode, '--', d.atForChild(name), st.isCharacterDevice() ? 'c' : 'b', `${major}`, `${minor}`]
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' })
  if (r.status !== 0) throw new StoreError(Codes.VOLUME_COPY_FAILED, `copying image content into volume: cannot make ${name}: ${(r.stderr || r.error?.message || '').trim()}`)
}

/** xattrs read in batches from the source (getfattr), set one entry at a time (they are rare). */
async function copyXattrs(ctx: Ctx): Promise<void> {
  const reader = new TreeReader(ctx.dest)
  try {
    for (let i = 0; i < ctx.copied.length; i += 256) {
      const batch = ctx.copied.slice(i, i + 256)
      const found = await xattrsOf(batch.map(([src]) => src))
      for (const [src, rel] of batch) {
        const attrs = [...(found.get(src) ?? [])].filter(([k]) => !OWN_XATTR.test(k))
        if (attrs.length === 0) continue
        const p = reader.parentOf(rel)
        const target = p.dir.atForChild(p.name)
        const script = attrs.map(([k, v]) => `setfattr -h -n ${q(k)} -v ${v} -- ${q(target)}`).join('\n')
        const r = spawnSync('/bin/sh', ['-e', '-c', script], { encoding: 'utf8' })
        if (r.status !== 0) throw new StoreError(Codes.VOLUME_COPY_FAILED, `copying image content into volume: xattrs of ${rel}: ${r.stderr.trim()}`)
      }
    }
  } finally {
    reader.close()
  }
}
