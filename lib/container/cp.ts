// `store cp`: files between a container and the host, as Docker's (moby pkg/archive/copy.go
// rules: a folder into an existing folder goes under its own name, onto a new path it becomes
// that path, `SRC/.` copies the contents, a file onto a file replaces it, `-` is a tar stream).
//
// Safety, as Docker's chrootarchive: every path inside a container is resolved by a process
// whose root directory is the container's root (`store-launch inroot`, running the host's static
// busybox tar): a symlink in the container never leads to the host, however it is raced. The
// host side is extracted the same way, chrooted in the destination's folder. Between the two
// tar processes, the stream is rewritten here (the top entry renamed to its destination, owners
// set to the destination's user unless -a) and counted (the "Successfully copied" size).
//
// The container's root: a running container's is /proc/<pid>/root (its volumes and binds
// included); a stopped one's is mounted for the copy, read-only over its writable layer for a
// copy out, and as its own overlay in a private mount namespace for a copy in.

import { spawn, type ChildProcess } from 'node:child_process'
import { lstat, stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { posix } from 'node:path'
import { PassThrough, Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { launcherBinary } from '../_paths.js'
import { getDriver, mountStepCommand } from '../driver/index.js'
import { containerPid, toolPath } from '../runtime/index.js'
import { readTar, writeTar } from '../tar/index.js'
import { containerLowers } from './records.js'
import { currentState } from './state.js'
import type { ContainerRecord } from './types.js'

export interface CopyOptions {
  /** -a: keep uid/gid from the source (else: the destination's user, root in a container). */
  archive?: boolean
  /** -L: follow a symlink given as the source. */
  followLink?: boolean
}

/** Where the copy ends up, for Docker's "Successfully copied N to DEST". */
export interface CopyResult {
  bytes: number
}

type Kind = 'file' | 'dir' | 'link' | 'other'

interface PathInfo {
  path: string
  exists: boolean
  kind?: Kind
}

const BUSYBOXES = ['/bin/busybox', '/usr/bin/busybox', '/sbin/busybox', '/usr/sbin/busybox']

function busybox(): string {
  const found = BUSYBOXES.find((p) => existsSync(p))
  if (!found) throw new StoreError(Codes.RUNTIME_UNAVAILABLE, 'store cp needs the host\'s static busybox (apt-get install busybox-static)')
  return found
}

/** Docker's SplitPathDirEntry: `/a/b/` -> ['/a', 'b']; `/a/.` -> ['/a', '.']. */
function splitDirEntry(p: string): [string, string] {
  const trimmed = p.replace(/\/+$/, '') || '/'
  if (trimmed.endsWith('/.') || trimmed === '.') return [trimmed.slice(0, -2) || '/', '.']
  return [posix.dirname(trimmed), posix.basename(trimmed)]
}

/** A path that asserts a folder (`x/` or `x/.`). */
const assertsDir = (p: string) => p.endsWith('/') || p.endsWith('/.') || p === '.'

/** Runs busybox applets chrooted in a root; `close` undoes whatever made the root. */
interface Root {
  spawn(applet: string, args: string[], stdio: ('pipe' | 'ignore' | 'inherit')[]): ChildProcess
  close(): Promise<void>
}

function chrooted(root: string, prefix: string[] = []): Root['spawn'] {
  const bb = busybox()
  return (applet, args, stdio) => {
    const argv = [...prefix, launcherBinary(), 'inroot', root, bb, applet, ...args]
    return spawn(argv[0], argv.slice(1), { stdio, env: { PATH: toolPath() } })
  }
}

/** The container's root for a copy out (read) or in (write). */
async function containerRoot(store: Store, rec: ContainerRecord, write: boolean): Promise<Root> {
  const st = await currentState(store, rec.id)
  if (st.status === 'running' && st.launcherPid) {
    const pid = await containerPid(st.launcherPid, rec.launcher)
    if (pid) return { spawn: chrooted(`/proc/${pid}/root`), close: async () => {} }
  }
  const dir = store.layout.container(rec.id)
  const driver = getDriver(rec.driver)
  const lowers = containerLowers(store, rec)
  if (!write) {
    // A read-only merged view, mounted for the copy and unmounted after it.
    let release!: () => void
    const done = new Promise<void>((r) => (release = r))
    let ready!: (root: string) => void
    let failed!: (e: unknown) => void
    const rootP = new Promise<string>((res, rej) => ((ready = res), (failed = rej)))
    const mounted = driver.withMergedRoot(dir, lowers, async (root) => {
      ready(root)
      await done
    }).catch(failed)
    const root = await rootP
    return { spawn: chrooted(root), close: async () => (release(), await mounted) }
  }
  // Writes: the container's own root, mounted in a mount namespace of the copy's only.
  const plan = driver.mountPlan(dir, lowers)
  if (plan.steps.length === 0) return { spawn: chrooted(plan.rootfs), close: async () => {} }
  const mounts = plan.steps.map((s) => `${mountStepCommand(s)} || exit 125`).join('\n')
  return { spawn: chrooted(plan.rootfs, ['unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', `${mounts}\nexec "$@"`, 'sh']), close: async () => {} }
}

/** What a path is inside a root (busybox stat, chrooted): lstat unless `follow`. */
async function statIn(root: Root, path: string, follow: boolean): Promise<PathInfo> {
  const p = root.spawn('stat', [...(follow ? ['-L'] : []), '-c', '%F', path], ['ignore', 'pipe', 'ignore'])
  let out = ''
  p.stdout!.on('data', (b) => (out += b))
  const code = await new Promise<number>((r) => p.on('close', (c) => r(c ?? 1)))
  if (code !== 0) return { path, exists: false }
  const t = out.trim()
  return { path, exists: true, kind: t === 'directory' ? 'dir' : t === 'symbolic link' ? 'link' : t.startsWith('regular') ? 'file' : 'other' }
}

async function statHost(path: string, follow: boolean): Promise<PathInfo> {
  try {
    const s = await (follow ? stat(path) : lstat(path))
    return { path, exists: true, kind: s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : s.isFile() ? 'file' : 'other' }
  } catch {
    return { path, exists: false }
  }
}

/**
 * Docker's PrepareArchiveCopy: the folder to extract into, and the rename of the archive's top
 * entry (`from` -> `to`), for a source of `src`'s kind copied to `dst`.
 */
function plan(src: PathInfo, dst: PathInfo, dstPath: string): { dir: string; from: string; to: string } {
  const [, srcBase] = splitDirEntry(src.path)
  const srcIsDir = src.kind === 'dir' || srcBase === '.'
  if (dst.exists && dst.kind === 'dir') return { dir: dstPath, from: srcBase, to: srcBase === '.' ? '.' : srcBase }
  const [dstDir, dstBase] = splitDirEntry(dstPath)
  if (dst.exists && srcIsDir) throw new StoreError(Codes.INVALID_ARGUMENT, 'cannot copy a directory to a file')
  if (dst.exists) return { dir: dstDir, from: srcBase, to: dstBase }
  if (srcIsDir) return { dir: dstDir, from: srcBase, to: dstBase }
  if (assertsDir(dstPath)) throw new StoreError(Codes.INVALID_ARGUMENT, 'no such directory')
  return { dir: dstDir, from: srcBase, to: dstBase }
}

/** The tar stream with its top entry renamed and owners set; counts the bytes that pass. */
function rewrite(src: AsyncIterable<Uint8Array>, from: string, to: string, owner: { uid: number; gid: number } | undefined, counted: { bytes: number }): AsyncIterable<Uint8Array> {
  // Docker's RebaseArchiveEntries: `from` and what is under it move to `to`.
  const rename = (name: string) => {
    const n = name.replace(/\/+$/, '') || '.'
    if (n === from) return to
    if (n.startsWith(`${from}/`)) return `${to}${n.slice(from.length)}`
    return n
  }
  async function* entries() {
    for await (const e of readTar(src)) {
      const h = { ...e.header, name: rename(e.header.name) }
      if (h.type === 'hardlink') h.linkname = rename(h.linkname)
      if (owner) Object.assign(h, { uid: owner.uid, gid: owner.gid, uname: '', gname: '' })
      yield { header: h, body: e.body }
    }
  }
  return (async function* () {
    for await (const chunk of writeTar(entries())) {
      counted.bytes += chunk.length
      yield chunk
    }
  })()
}

/**
 * A child as soon as it is spawned: its stdout piped into a buffer we own, its stderr collected,
 * its status awaited. Node resumes (drains and drops) a child's unread stdout when it exits,
 * and 'close' fires once: both are taken at once, never later.
 */
function started(p: ChildProcess): { out: PassThrough; done: Promise<number>; err: () => string } {
  let err = ''
  p.stderr?.on('data', (b) => (err += b))
  const out = new PassThrough()
  p.stdout?.pipe(out)
  const done = new Promise<number>((r) => p.on('close', (c) => r(c ?? 1)))
  return { out, done, err: () => err.trim() }
}

/** `store cp CONTAINER:SRC DEST|-`. */
export async function copyFromContainer(store: Store, rec: ContainerRecord, name: string, srcPath: string, dst: string | Writable, o: CopyOptions = {}): Promise<CopyResult> {
  const root = await containerRoot(store, rec, false)
  try {
    const follow = !!o.followLink || assertsDir(srcPath)
    const src = await statIn(root, srcPath.replace(/\/\.$/, '') || '/', follow)
    if (!src.exists) throw new StoreError(Codes.INVALID_ARGUMENT, `Could not find the file ${srcPath} in container ${name}`)
    src.path = srcPath
    const [srcDir, srcBase] = splitDirEntry(srcPath)
    const counted = { bytes: 0 }
    const tarP = root.spawn('tar', ['-c', ...(o.followLink ? ['-h'] : []), '-f', '-', '-C', srcDir, srcBase], ['ignore', 'pipe', 'pipe'])
    const tar = started(tarP)
    if (typeof dst !== 'string') {
      // `-`: the archive as busybox made it (Docker streams its own, unchanged).
      await pipeline(tar.out, new Writable({ write: (c, _e, cb) => ((counted.bytes += c.length), dst.write(c, cb)) }))
      if ((await tar.done) !== 0) throw new StoreError(Codes.COPY_FAILED, `cannot read ${srcPath} in container ${name}: ${tar.err()}`)
      return counted
    }
    const [dstParent] = splitDirEntry(dst)
    const target = await statHost(dst, true)
    if (!target.exists && !(await statHost(dstParent, true)).exists) {
      tarP.kill('SIGKILL')
      throw new StoreError(Codes.INVALID_ARGUMENT, `invalid output path: directory "${dstParent}" does not exist`)
    }
    let p
    try {
      p = plan(src, target, dst)
    } catch (e) {
      tarP.kill('SIGKILL')
      throw e
    }
    const owner = o.archive ? undefined : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
    const untarP = chrooted(p.dir)('tar', ['-x', '-f', '-', ...(o.archive ? ['--numeric-owner'] : []), ...(process.getuid?.() === 0 ? [] : ['-o'])], ['pipe', 'ignore', 'pipe'])
    const untar = started(untarP)
    await pipeline(Readable.from(rewrite(tar.out, p.from, p.to, owner, counted)), untarP.stdin!)
    const [a, b] = await Promise.all([tar.done, untar.done])
    if (a !== 0) throw new StoreError(Codes.COPY_FAILED, `cannot read ${srcPath} in container ${name}: ${tar.err()}`)
    if (b !== 0) throw new StoreError(Codes.COPY_FAILED, `cannot write ${dst}: ${untar.err()}`)
    return counted
  } finally {
    await root.close()
  }
}

/** `store cp SRC|- CONTAINER:DEST`. */
export async function copyToContainer(store: Store, rec: ContainerRecord, name: string, src: string | Readable, dstPath: string, o: CopyOptions = {}): Promise<CopyResult> {
  const root = await containerRoot(store, rec, true)
  try {
    const target = await statIn(root, dstPath, true)
    const counted = { bytes: 0 }
    if (typeof src !== 'string') {
      if (!target.exists || target.kind !== 'dir') throw new StoreError(Codes.INVALID_ARGUMENT, `destination "${name}:${dstPath}" must be a directory`)
      const untarP = root.spawn('tar', ['-x', '-f', '-', '-C', dstPath, '--numeric-owner'], ['pipe', 'ignore', 'pipe'])
      const untar = started(untarP)
      await pipeline(src, new Writable({ write: (c, _e, cb) => ((counted.bytes += c.length), untarP.stdin!.write(c, cb)), final: (cb) => untarP.stdin!.end(cb) }))
      if ((await untar.done) !== 0) throw new StoreError(Codes.COPY_FAILED, `cannot extract into ${name}:${dstPath}: ${untar.err()}`)
      return counted
    }
    const source = await statHost(src.replace(/\/\.$/, '') || '/', !!o.followLink || assertsDir(src))
    if (!source.exists) throw new StoreError(Codes.INVALID_ARGUMENT, `lstat ${src}: no such file or directory`)
    source.path = src
    const [dstParent] = splitDirEntry(dstPath)
    if (!target.exists && !(await statIn(root, dstParent, true)).exists) {
      throw new StoreError(Codes.INVALID_ARGUMENT, `Could not find the file ${dstParent} in container ${name}`)
    }
    const p = plan(source, target, dstPath)
    const [srcDir, srcBase] = splitDirEntry(src)
    // The host's source is the user's own: read as it is (-L follows links, as Docker's).
    const tar = started(spawn(busybox(), ['tar', '-c', ...(o.followLink ? ['-h'] : []), '-f', '-', '-C', srcDir, srcBase], { stdio: ['ignore', 'pipe', 'pipe'] }))
    const untarP = root.spawn('tar', ['-x', '-f', '-', '-C', p.dir, '--numeric-owner'], ['pipe', 'ignore', 'pipe'])
    const untar = started(untarP)
    await pipeline(Readable.from(rewrite(tar.out, p.from, p.to, o.archive ? undefined : { uid: 0, gid: 0 }, counted)), untarP.stdin!)
    const [a, b] = await Promise.all([tar.done, untar.done])
    if (a !== 0) throw new StoreError(Codes.COPY_FAILED, `cannot read ${src}: ${tar.err()}`)
    if (b !== 0) throw new StoreError(Codes.COPY_FAILED, `cannot write ${name}:${dstPath}: ${untar.err()}`)
    return counted
  } finally {
    await root.close()
  }
}
