// The built-in launcher: util-linux and coreutils only, always present on Linux.
//   unshare --mount --uts --ipc [--net] --pid --propagation private  sh launch.sh
// launch.sh's supervisor half (_script.ts) forks PID 1, which runs the init half below:
//   1. the driver's rootfs mounts (or a bind of the root onto itself: it must be a mount to be
//      remounted read-only), then config.json's mounts in order, targets resolved inside the
//      root (rj: an image's symlink never points a mount at the host) and created when missing,
//      then the masked and read-only paths; a tmpfs /dev gets the standard device nodes (copies
//      of the host's, or bind mounts where mknod is not allowed) and its symlinks;
//   2. the hostname, the working dir, a read-only root;
//   3. the command is looked up in the root's PATH first, so a missing one fails like Docker's
//      (status 127, `exec: "x": executable file not found in $PATH`);
//   4. exec timeout (PID 1: forwards HUP INT QUIT TERM USR1, reports 128+N for a child killed
//      by N) -> env -i (the container's environment only) -> [setpriv: groups, no_new_privs]
//      -> unshare -R ROOT -w CWD -G GID -S UID (chroot, cwd, ids) -> the command. Host tools
//      all the way to the chroot, so the image needs none of them. rlimits: ulimit (a shell
//      builtin) for nofile/nproc, prlimit for the rest.
// Speed: every exec costs milliseconds, so mounts are batched: lines of an fstab in the bundle,
// mounted by one `mount -a -T` (X-mount.mkdir creates targets at mount time, in order, also
// inside a tmpfs mounted just before). A target whose resolved path has characters fstab would
// need escaped is mounted directly instead (after flushing the batch, to keep the order).
// Not a sandbox: the process keeps root's capabilities and PID 1 lives outside the chroot;
// runc/crun are the launchers for untrusted images.
// TTY (process.terminal): util-linux `script` allocates a pty between PID 1 and the command,
// from the container's own devpts instance (bound over /dev/pts in the launcher's namespace).

import { statfsSync, statSync } from 'node:fs'
import type { MountStep } from '../driver/types.js'
import { mountStepCommand } from '../driver/index.js'
import type { OciMount, OciSpec } from './types.js'
import { helpersPart, lookupLines, q, supervisorPart } from './_script.js'
import { Codes, StoreError } from '../errors.js'

export const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty']
/** Symlinks every /dev gets; writeBundle() keeps them in <bundle>/devlinks to copy in one go. */
export const DEV_LINKS: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx']]

/** prlimit option names; nofile and nproc go through the shell's ulimit (no exec). */
const RLIMITS: Record<string, string> = {
  RLIMIT_AS: 'as', RLIMIT_CORE: 'core', RLIMIT_CPU: 'cpu', RLIMIT_DATA: 'data', RLIMIT_FSIZE: 'fsize',
  RLIMIT_LOCKS: 'locks', RLIMIT_MEMLOCK: 'memlock', RLIMIT_MSGQUEUE: 'msgqueue', RLIMIT_NICE: 'nice',
  RLIMIT_RSS: 'rss', RLIMIT_RTPRIO: 'rtprio', RLIMIT_RTTIME: 'rttime', RLIMIT_SIGPENDING: 'sigpending', RLIMIT_STACK: 'stack',
}
const ULIMITS: Record<string, string> = { RLIMIT_NOFILE: 'n', RLIMIT_NPROC: 'p' }

export interface BuiltinFiles {
  script: string
  error: string
  fstab: string
  devlinks: string
  ready: string
}

export function builtinScript(spec: OciSpec, rootfsSteps: MountStep[], files: BuiltinFiles): string {
  const R = spec.root.path
  const rootless = process.getuid?.() !== 0
  const out: string[] = ['#!/bin/sh', '# Generated from config.json by store (built-in launcher) at each start.', supervisorPart(files.script)]
  out.push(`R=${q(R)} F=${q(files.fstab)}`, helpersPart(files.error), batchHelpers())
  // 1. The root, then config.json's mounts.
  for (const s of rootfsSteps) out.push(`${mountStepCommand(s)} || fail ${q(`cannot mount the root file system (${s.type} on ${s.target})`)}`)
  if (rootfsSteps.length === 0) out.push(`fsa ${q(fesc(R))} ${q(fesc(R))} none bind`)
  let dev: string | undefined
  for (const m of spec.mounts) {
    out.push(mountLine(m, rootless))
    if (m.type === 'tmpfs' && m.destination.replace(/\/+$/, '') === '/dev') dev = m.destination
  }
  // Masked and read-only paths (only what exists). Those in /proc and /sys are judged here,
  // on the host's: the container gets a procfs and sysfs of the same kernel, so they join the
  // batch above (one `mount` less per start). Any other path is looked at once it is mounted.
  for (const p of spec.linux.maskedPaths ?? []) {
    const kind = kernelEntry(p)
    if (kind === 'dir') out.push(`rj ${q(p)}; fsp tmpfs "$R$RJ" tmpfs ro,size=0`)
    else if (kind === 'file') out.push(`rj ${q(p)}; fsp /dev/null "$R$RJ" none bind`)
    else if (kind === 'unknown') out.push(`fsf; rj ${q(p)}; T=$R$RJ; if [ -d "$T" ]; then fsp tmpfs "$T" tmpfs ro,size=0; elif [ -e "$T" ]; then fsp /dev/null "$T" none bind; fi`)
  }
  for (const p of spec.linux.readonlyPaths ?? []) {
    const kind = kernelEntry(p)
    if (kind === 'dir' || kind === 'file') out.push(`rj ${q(p)}; fsp "$R$RJ" "$R$RJ" none bind,ro`)
    else if (kind === 'unknown') out.push(`fsf; rj ${q(p)}; T=$R$RJ; [ ! -e "$T" ] || fsp "$T" "$T" none bind,ro`)
  }
  out.push(`fsf`)
  const pts = spec.mounts.find((m) => m.type === 'devpts')
  if (spec.process.terminal && pts) {
    // The terminal `script` makes is allocated from whatever devpts is at /dev/pts here (the
    // kernel's /dev/ptmx opens the instance next to it): in this mount namespace, that is the
    // container's, so the pty exists inside as /dev/pts/N and `tty` can name it.
    out.push(`rj ${q(pts.destination)}; mount --bind "$R$RJ" /dev/pts || fail 'cannot use the container /dev/pts for its terminal'`)
  }
  if (dev) {
    out.push(
      `rj ${q(dev)}; T=$R$RJ`,
      `cp -a ${DEVICES.map((d) => `/dev/${d}`).join(' ')} ${DEV_LINKS.map(([n]) => q(`${files.devlinks}/${n}`)).join(' ')} "$T/" 2>/dev/null ||`,
      `  for d in ${DEVICES.join(' ')}; do [ -e "$T/$d" ] || : > "$T/$d" && mount --bind /dev/$d "$T/$d" || fail "cannot create /dev/$d"; done`,
    )
  }
  // 2. The hostname, the working dir, a read-only root.
  if (spec.linux.namespaces.some((n) => n.type === 'uts') && spec.hostname) {
    // As root a write to /proc (no exec); in a user namespace /proc/sys/kernel is not ours to
    // write, but sethostname(2) on our own UTS namespace is: hostname(1).
    out.push(rootless
      ? `hostname ${q(spec.hostname)} || fail 'cannot set the hostname'`
      : `printf %s ${q(spec.hostname)} > /proc/sys/kernel/hostname || fail 'cannot set the hostname'`)
  }
  const cwd = spec.process.cwd || '/'
  out.push(
    `rj ${q(cwd)}; [ -d "$R$RJ" ] || { [ ! -e "$R$RJ" ] || fail ${q(`chdir to cwd ("${cwd}") set in config.json failed: not a directory`)}; ` +
      `mkdir -p "$R$RJ" 2>/dev/null || fail ${q(`cannot create the working directory ${cwd}`)}; }`,
  )
  if (spec.root.readonly) out.push(`mount -o remount,bind,ro "$R" || fail 'cannot make the root read-only'`)
  for (const l of spec.process.rlimits ?? []) {
    const f = ULIMITS[l.type]
    // Lowering: soft first (it may not exceed the hard limit); raising: hard first.
    if (f) out.push(`{ ulimit -S -${f} ${l.soft} && ulimit -H -${f} ${l.hard}; } 2>/dev/null || { ulimit -H -${f} ${l.hard} && ulimit -S -${f} ${l.soft}; } || fail ${q(`cannot set ${l.type}`)}`)
  }
  // 3. The command must exist in the root.
  out.push(lookupLines(spec))
  // 4. Setup is over (every mount in place): mark the container running, then the chain.
  out.push(`: > ${q(files.ready)}`, `exec ${execChain(spec, rootless).join(' ')}`, '')
  return out.join('\n')
}

/**
 * fsa: add an fstab line (fields already escaped); fsf: mount the batch; fsp: add with a
 * resolved target, or mount it directly when the path would need fstab escapes.
 */
function batchHelpers(): string {
  return `: > "$F"
fsa() { printf '%s %s %s %s 0 0\\n' "$1" "$2" "$3" "$4" >> "$F"; }
fsf() { [ -s "$F" ] || return 0; mount -a -T "$F" || fail "cannot mount: $(cut -d' ' -f2 "$F" | tr '\\n' ' ')"; : > "$F"; }
fsp() {
  case $2 in
    *[!A-Za-z0-9_./@%+=:,-]*) fsf; case $3 in none) mount -o "$4" "$1" "$2";; *) mount -t "$3" -o "$4" "$1" "$2";; esac || fail "cannot mount $1 on $2";;
    *) fsa "$1" "$2" "$3" "$4";;
  esac
}
`
}

/**
 * What the kernel has at a /proc or /sys path, seen through the host's mounts: 'dir', 'file',
 * 'none', or 'unknown' for any other path (or when the host's /proc or /sys is not the kernel's).
 */
function kernelEntry(p: string): 'dir' | 'file' | 'none' | 'unknown' {
  const top = p.split('/')[1]
  if (top !== 'proc' && top !== 'sys') return 'unknown'
  try {
    // statfs magic of procfs / sysfs: a host whose /proc or /sys is something else is not asked.
    const magic = statfsSync(`/${top}`).type
    if (magic !== (top === 'proc' ? PROC_SUPER_MAGIC : SYSFS_MAGIC)) return 'unknown'
  } catch {
    return 'unknown'
  }
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file'
  } catch {
    return 'none'
  }
}
const PROC_SUPER_MAGIC = 0x9fa0
const SYSFS_MAGIC = 0x62656572

/** fstab escapes (space, tab, newline, backslash) for a path known when generating. */
function fesc(s: string): string {
  return s.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)
}

/** Shell for one config.json mount inside $R (batched unless it cannot be). */
function mountLine(m: OciMount, rootless: boolean): string {
  const isBind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind')
  if (isBind) {
    let file = false
    try {
      file = !statSync(m.source).isDirectory()
    } catch {
      // a missing source fails at mount time, with mount's own message
    }
    const opts = m.options.filter((o) => o !== 'bind' && o !== 'rbind')
    const rec = m.options.includes('rbind') ? 'rbind' : 'bind'
    if (file) {
      // A file target must exist as a file; its dir may be inside a mount of this batch.
      return `rj ${q(m.destination)}; T=$R$RJ; if [ ! -e "$T" ]; then fsf; [ -d "\${T%/*}" ] || mkdir -p "\${T%/*}"; : > "$T" || fail ${q(`cannot create ${m.destination}`)}; fi; fsp ${q(fesc(m.source))} "$T" none ${q([rec, ...opts].join(','))}`
    }
    return `rj ${q(m.destination)}; fsp ${q(fesc(m.source))} "$R$RJ" none ${q([rec, ...opts, 'X-mount.mkdir'].join(','))}`
  }
  // In a user namespace only our own ids exist: devpts' gid=5 (tty) cannot be mapped.
  const own = rootless && m.type === 'devpts' ? m.options.filter((o) => !o.startsWith('gid=')) : m.options
  const opts = [...own, 'X-mount.mkdir'].join(',')
  if (m.type === 'sysfs' && rootless) {
    // sysfs needs a network namespace we own: with the host's network, bind the host's.
    return `rj ${q(m.destination)}; T=$R$RJ; fsf; [ -d "$T" ] || mkdir -p "$T"; mount -t sysfs -o ${q(m.options.join(','))} sysfs "$T" 2>/dev/null || mount --rbind /sys "$T" || fail 'cannot mount /sys'`
  }
  return `rj ${q(m.destination)}; fsp ${q(fesc(m.source || m.type))} "$R$RJ" ${q(m.type)} ${q(opts)}`
}

function execChain(spec: OciSpec, rootless: boolean): string[] {
  const p = spec.process
  const groups = p.user.additionalGids ?? []
  if (rootless && (p.user.uid !== 0 || p.user.gid !== 0 || groups.length > 0)) {
    // `unshare --map-root-user` maps one id (ours, as 0) and denies setgroups(2).
    throw new StoreError(Codes.LAUNCH_FAILED, 'without root, the built-in launcher runs containers as uid 0 only', {
      data: { uid: p.user.uid, gid: p.user.gid },
      hint: 'run as root, or drop --user',
    })
  }
  const chain: string[] = ['env', '-i', ...p.env.filter((e) => e.indexOf('=') > 0).map(q)]
  const limits = (p.rlimits ?? []).filter((l) => RLIMITS[l.type])
  if (limits.length) chain.push('prlimit', ...limits.map((l) => `--${RLIMITS[l.type]}=${l.soft}:${l.hard}`), '--')
  if (groups.length || p.noNewPrivileges) {
    // unshare -G would drop the supplementary groups (setgroups(0)): setpriv sets gid and groups.
    chain.push('setpriv', ...(p.noNewPrivileges ? ['--no-new-privs'] : []), `--regid=${p.user.gid}`)
    chain.push(groups.length ? `--groups=${groups.join(',')}` : '--clear-groups', '--', 'unshare', '-R', '"$R"', '-w', q(p.cwd || '/'))
  } else {
    chain.push('unshare', '-R', '"$R"', '-w', q(p.cwd || '/'), ...(rootless ? [] : ['-G', String(p.user.gid)]))
  }
  chain.push(...(rootless ? [] : ['-S', String(p.user.uid)]), '--', ...p.args.map(q))
  const init = ['timeout', '--foreground', '-s', 'USR1', '0']
  if (!p.terminal) return [...init, ...chain]
  // script runs its -c string with $SHELL: the whole chain, quoted once more.
  return ['env', 'SHELL=/bin/sh', ...init, 'script', '-q', '-e', '-f', '-c', q(chain.map((w) => (w === '"$R"' ? q(spec.root.path) : w)).join(' ')), '/dev/null']
}
