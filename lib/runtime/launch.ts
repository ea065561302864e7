// launch(): write the bundle, generate launch.sh (the mounts) and launch.plan (the process) for
// the chosen launcher, run them with the native launcher (native/, `store-launch run`), wait,
// and return the container's exit status (Docker's convention). Setup failures (a mount that
// does not work) are errors, not statuses: the launcher leaves their message in launch.err.

import { spawn, spawnSync } from 'node:child_process'
import { isatty } from 'node:tty'
import { access, closeSync, constants as fsc, mkdirSync, openSync, readlinkSync, rmSync, symlinkSync, writeSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { launcherBinary } from '../_paths.js'
import { encodePlan } from './_plan.js'
import { compileSeccompBpf, seccompJson, type OciSeccomp, type SeccompHostArch } from './seccomp.js'
import { createHash } from 'node:crypto'
import { writeFileAtomic } from '../_fs.js'
import { constants } from 'node:os'
import { Codes, StoreError } from '../errors.js'
import { LogWriter, type LogStream } from './logFile.js'
import type { LaunchRequest, LaunchResult, LauncherName } from './types.js'
import { bundleFiles, writeBundle } from './bundle.js'
import { DEV_LINKS, builtinRootfsScript, builtinScript, leavesDaemon } from './builtin.js'
import { ociScript } from './oci.js'
import { hostEnv } from '../config.js'

export const LAUNCHERS: LauncherName[] = ['builtin', 'runc', 'crun']

const exists = (p: string) => new Promise<boolean>((res) => access(p, fsc.X_OK, (e) => res(!e)))

const pathExists = (p: string) => new Promise<boolean>((res) => access(p, fsc.F_OK, (e) => res(!e)))

/** The caller's PATH plus the system dirs (runc lives in /usr/sbin, often missing for users). */
export const toolPath = () => [...new Set([...(hostEnv().PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].filter(Boolean).join(':')

async function onPath(cmd: string): Promise<boolean> {
  for (const d of toolPath().split(':')) {
    if (d && (await exists(`${d}/${cmd}`))) return true
  }
  return false
}

/** Launchers usable here: each needs util-linux's mount and our native launcher; runc and crun themselves. */
export async function availableLaunchers(): Promise<LauncherName[]> {
  const out: LauncherName[] = []
  const [native, mount, runc, crun] = await Promise.all([exists(launcherBinary()), ...['mount', 'runc', 'crun'].map(onPath)])
  if (!native || !mount) return out
  out.push('builtin')
  if (runc) out.push('runc')
  if (crun) out.push('crun')
  return out
}

/** <bundle>/devlinks: the /dev symlinks, made once, copied into each /dev with the devices. */
/** The /dev symlinks, made once per container (synchronous: a dozen tiny calls per start). */
function devLinks(bundleDir: string): string {
  const dir = `${bundleDir}/devlinks`
  mkdirSync(dir, { recursive: true })
  for (const [name, target] of DEV_LINKS) {
    const p = `${dir}/${name}`
    let now: string | undefined
    try {
      now = readlinkSync(p)
    } catch {
      // not made yet
    }
    if (now !== target) {
      rmSync(p, { force: true })
      symlinkSync(target, p)
    }
  }
  return dir
}

export async function launch(req: LaunchRequest, launcher: LauncherName): Promise<LaunchResult> {
  if (!LAUNCHERS.includes(launcher)) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `unknown launcher "${launcher}"`, { hint: `one of: ${LAUNCHERS.join(', ')}` })
  }
  if (!(await availableLaunchers()).includes(launcher)) {
    throw new StoreError(Codes.RUNTIME_UNAVAILABLE, `launcher "${launcher}" is not available here`, {
      hint: launcher === 'builtin' ? `it needs util-linux (mount) and ${launcherBinary()} (npm run build)` : `install ${launcher}`,
    })
  }
  // Checked here for every launcher alike (runc/crun would only say "exit status 1").
  for (const m of req.spec.mounts) {
    if ((m.type === 'bind' || m.options.includes('rbind') || m.options.includes('bind')) && !(await pathExists(m.source))) {
      throw new StoreError(Codes.LAUNCH_FAILED, `bind source path does not exist: ${m.source}`, { data: { mount: m } })
    }
  }
  const f = bundleFiles(req.bundleDir)
  // The runtimes run hooks once the container's mounts are made: our readiness mark. runc: a
  // poststart hook (the process has started). crun: createRuntime (mounts made, host side); with
  // a poststart hook its own terminal proxy printed a terminal container's whole output as one
  // log line (the output it leaves unread at exit: crun's terminals now come through our
  // console socket, native/console.c).
  // The hook reads the state the runtime writes to its stdin to the end: exiting before that
  // made crun fail the start with "writing to pipe: Broken pipe" now and then.
  const mark = [{ path: '/bin/sh', args: ['sh', '-c', `: > '${f.ready.replace(/'/g, `'\\''`)}'; while read -r x; do :; done`] }]
  const hooks = launcher === 'builtin' ? undefined : launcher === 'crun' ? { createRuntime: mark } : { poststart: mark }
  const spec = await writeBundle(hooks ? { ...req, spec: { ...req.spec, hooks } } : req, { rootless: process.getuid?.() !== 0 })
  const script =
    launcher === 'builtin'
      ? builtinScript(spec, req.rootfsSteps, { ...f, devlinks: devLinks(req.bundleDir) }, [...(req.prelude?.('$PPID') ?? []), ...(req.networkSetup ?? [])])
      : ociScript(launcher, req.id, req.bundleDir, spec, req.rootfsSteps, f, [...(req.prelude?.('$$') ?? []), ...(req.networkSetup ?? [])])
  const rootfs = launcher === 'builtin' && leavesDaemon(req.rootfsSteps) ? builtinRootfsScript(req.rootfsSteps, f.error) : undefined
  const rootless = process.getuid?.() !== 0
  // runc/crun compile the profile in config.json themselves; ours loads it as classic BPF.
  const bpf = launcher === 'builtin' && spec.linux.seccomp ? await seccompFilter(spec.linux.seccomp, f.seccomp, req.seccompFilterPath) : undefined
  const plan = encodePlan(spec, { setup: f.script, rootfs: rootfs && f.rootfsScript, ready: f.ready, error: f.error, seccomp: bpf }, { parent: process.pid, hostexec: launcher !== 'builtin', userns: rootless, netns: !!req.networkSetup, joinNetns: req.joinNetns })
  await Promise.all([
    writeFile(f.script, script, { mode: 0o700 }), writeFile(f.plan, plan, { mode: 0o600 }), rm(f.error, { force: true }), rm(f.ready, { force: true }),
    rootfs ? writeFile(f.rootfsScript, rootfs, { mode: 0o700 }) : rm(f.rootfsScript, { force: true }),
  ])

  // A terminal container, attached: the launcher makes our terminal raw (the native relay when
  // the pty arrives, for the built-in launcher and crun; util-linux script for runc) and puts it
  // back when the command ends, but the output reaches our terminal through us (the tee to the
  // log), later; written after
  // the terminal was put back, it was translated a second time (CR CR LF, seen in CI under load
  // with both). So the terminal is made raw here, before the launcher starts (as Docker's client
  // does before it attaches; the launcher then finds it raw and leaves it so), and put back once
  // every byte has been written.
  const terminal = req.stdio.kind === 'tee' && spec.process.terminal === true ? rawTerminal() : undefined
  const fds: number[] = []
  const open = (path: string, flags: string) => {
    fds.push(openSync(path, flags))
    return fds[fds.length - 1]
  }
  let exitCode: number
  let log: LogWriter | undefined
  try {
    const io = req.stdio
    log = io.kind === 'tee' || io.kind === 'log' ? new LogWriter(io.log) : undefined
    const stdio: ('inherit' | 'ignore' | 'pipe' | number)[] =
      io.kind === 'inherit'
        ? ['inherit', 'inherit', 'inherit']
        : io.kind === 'tee'
          ? ['inherit', 'pipe', 'pipe']
          : io.kind === 'log'
            ? ['ignore', 'pipe', 'pipe']
            : [io.stdin ? open(io.stdin, 'r') : 'ignore', open(io.stdout, 'a'), open(io.stderr, 'a')]
    exitCode = await new Promise<number>((resolve, reject) => {
      // A session of its own: a terminal's Ctrl-C reaches the caller only, which forwards it
      // once (the process group would otherwise get it directly as well). Reading an inherited
      // terminal still works: it is not this session's controlling tty, so no SIGTTIN.
      // The launcher dies with us (PDEATHSIG, even on -9), and the container's init and every
      // mount of its namespace with it.
      const p = spawn(launcherBinary(), ['run', f.plan], { stdio, detached: true, env: { ...hostEnv(), PATH: toolPath() } })
      p.on('error', (e) => reject(new StoreError(Codes.RUNTIME_UNAVAILABLE, `cannot start the ${launcher} launcher: ${e.message}`, { cause: e })))
      p.on('spawn', () => req.onSpawn?.(p.pid!))
      const status = (code: number | null, signal: NodeJS.Signals | null) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))
      if (log === undefined) p.on('exit', status)
      else {
        // Ends once the output is drained too (every writer is in the container's namespace).
        const attached = io.kind === 'tee'
        relay(p.stdout!, 'stdout', log, attached ? process.stdout : undefined)
        relay(p.stderr!, 'stderr', log, attached ? process.stderr : undefined)
        p.on('close', status)
      }
    })
  } finally {
    for (const fd of fds) closeSync(fd)
    log?.close()
    terminal?.restore()
  }
  if (exitCode === 125) {
    const why = await readFile(f.error, 'utf8').catch(() => undefined)
    if (why !== undefined) {
      throw new StoreError(Codes.LAUNCH_FAILED, `cannot start container ${req.id.slice(0, 12)}: ${why.trim()}`, {
        data: { launcher, script: f.script },
        hint: `the generated script is ${f.script}`,
      })
    }
  }
  return { exitCode }
}

/** Our stdin's terminal made raw (`stty raw -echo`), and how to put it back; none when stdin is no terminal. */
function rawTerminal(): { restore(): void } | undefined {
  if (!isatty(0)) return undefined
  const saved = spawnSync('stty', ['-g'], { stdio: ['inherit', 'pipe', 'ignore'], encoding: 'utf8' })
  const mode = saved.status === 0 ? saved.stdout.trim() : ''
  if (!mode) return undefined
  spawnSync('stty', ['raw', '-echo'], { stdio: ['inherit', 'ignore', 'ignore'] })
  return { restore: () => void spawnSync('stty', [mode], { stdio: ['inherit', 'ignore', 'ignore'] }) }
}

/** Set on process.stdout while an attached container's output goes there. */
const ATTACHED = Symbol.for('store.attached')

/**
 * The container's output into its log (logFile.ts: the bytes, and when and on which stream each
 * line came), and when attached to ours too, byte for byte, in the order it comes. Our end
 * closed (`store run … | head -1`): the container's pipe is closed too, so its next write fails
 * as it would have on ours. A log that cannot be written (a full disk) costs the log, not the run.
 */
function relay(from: Readable, stream: LogStream, log: LogWriter, to?: NodeJS.WriteStream): void {
  from.on('data', (b: Buffer) => {
    log.write(stream, b)
    if (!to) return
    if (!to.write(b)) {
      from.pause()
      to.once('drain', () => from.resume())
    }
  })
  if (!to) return
  const closed = () => from.destroy()
  to.on('error', closed)
  // Told to the CLI's own EPIPE handler (cli/_entry.ts), which would otherwise end the process.
  const mark = to as unknown as Record<symbol, unknown>
  mark[ATTACHED] = true
  from.once('close', () => {
    to.off('error', closed)
    delete mark[ATTACHED]
  })
}

export const hostSeccompArch = (): SeccompHostArch => (process.arch === 'arm64' ? 'arm64' : 'amd64')

/**
 * The compiled filter's path: compiling Docker's profile takes 4-7 ms here, a twentieth of a
 * whole `store run`, so a filter is kept by the SHA-256 of its profile and arch (when the
 * caller gives a place) and compiled only once; otherwise it is written into the bundle.
 */
export async function seccompFilter(profile: OciSeccomp, bundleFile: string, cached?: (key: string) => string): Promise<string> {
  const arch = hostSeccompArch()
  const json = seccompJson(profile)
  const path = cached?.(createHash('sha256').update(`${arch}\0${json}`).digest('hex')) ?? bundleFile
  if (cached && (await pathExists(path))) return path
  await writeFileAtomic(path, compileSeccompBpf(profile, arch), 0o644)
  return path
}

/** A process's children, lowest pid first: its first is a launcher's PID 1 (host pid). */
export async function childPids(pid: number): Promise<number[]> {
  // Children are listed per thread (runc is multi-threaded Go): read every task's list.
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[])
  const lists = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')))
  return lists.join(' ').trim().split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b)
}

/**
 * The container's own process, given the launcher's pid (for exec): with the built-in launcher
 * the launcher's child is the container's PID 1 itself (in its root); with runc/crun that child
 * is the runtime, rooted on the host, and the container's process is its child in a nested PID
 * namespace.
 */
export async function containerPid(launcherPid: number, launcher: LauncherName): Promise<number | undefined> {
  const init = (await childPids(launcherPid))[0]
  if (!init) return undefined
  // A child in a nested PID namespace is the container's (runc/crun, or a FUSE root's daemon
  // kept one namespace up); otherwise the built-in launcher's child is the command itself.
  const pidns = (pid: number) => readlink(`/proc/${pid}/ns/pid`).catch(() => undefined)
  const kids = await childPids(init)
  const initNs = await pidns(init)
  for (const k of kids) {
    // A child that ended meanwhile has no namespace to read: not a nested one (a short-lived
    // child of the command, such as a shell loop's sleep, was taken for it and exec failed).
    const ns = await pidns(k)
    if (ns !== undefined && ns !== initNs) return k
  }
  return launcher === 'builtin' ? init : kids[kids.length - 1]
}
