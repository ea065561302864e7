// The built-in launcher: util-linux for the mounts, a small native program for the rest.
//   store-launch run PLAN (native/): namespaces, then PID 1 runs this setup script, then
//   pivot_root into the root, the process settings, and the command as PID 1 (native/run.c).
// The setup script (host tools, in the container's mount namespace, before the pivot):
//   1. the driver's rootfs mounts (or a bind of the root onto itself: pivot_root needs a mount,
//      and a read-only root a remount), then config.json's mounts in order, targets resolved
//      inside the root (rj: an image's symlink never points a mount at the host) and created
//      when missing, then the masked and read-only paths; a tmpfs /dev gets the standard device
//      nodes (copies of the host's, or bind mounts where mknod is not allowed) and its symlinks;
//   2. the hostname, the working dir, a read-only root.
// What the native half does after it, in the root: rlimits, a terminal from the container's
// devpts, seccomp, uid/gid/groups, Docker's capability sets, no_new_privs, and the command
// looked up in the container's PATH (Docker's messages: 127 not found, 126 not executable).
// The environment travels in the plan file (0600), never in an argv.
// Speed: every exec costs milliseconds, so mounts are batched: lines of an fstab in the bundle,
// mounted by one `mount -a -T` (X-mount.mkdir creates targets at mount time, in order, also
// inside a tmpfs mounted just before). A target whose resolved path has characters fstab would
// need escaped is mounted directly instead (after flushing the batch, to keep the order).

import { statfsSync, statSync } from 'node:fs'
import type { MountStep } from '../driver/types.js'
import { mountStepCommand } from '../driver/index.js'
import type { OciMount, OciSpec } from './types.js'
import { helpersPart, q } from './_script.js'
import { Codes, StoreError } from '../errors.js'

export const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty']
/** Symlinks every /dev gets; writeBundle() keeps them in <bundle>/devlinks to copy in one go. */
export const DEV_LINKS: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx']]

export interface BuiltinFiles {
  error: string
  fstab: string
  devlinks: string
}

/** The setup script (see above); the process itself is the plan's (lib/runtime/_plan.ts). */
export function builtinScript(spec: OciSpec, rootfsSteps: MountStep[], files: BuiltinFiles, networkSetup: string[] = []): string {
  const R = spec.root.path
  const rootless = process.getuid?.() !== 0
  checkRootlessUser(spec, rootless)
  const out: string[] = ['#!/bin/sh', '# Generated from config.json by store (built-in launcher) at each start: the mounts, before the pivot.']
  out.push(`R=${q(R)} F=${q(files.fstab)}`, helpersPart(files.error), batchHelpers(), ...networkSetup)
  // 1. The root (unless a separate rootfs script makes it), then config.json's mounts.
  if (!leavesDaemon(rootfsSteps)) out.push(...rootfsLines(rootfsSteps))
  if (rootfsSteps.length === 0) out.push(`fsa ${q(fesc(R))} ${q(fesc(R))} none bind`)
  let dev: string | undefined
  for (const m of spec.mounts) {
    out.push(mountLine(m))
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
  out.push('')
  return out.join('\n')
}

/** Does mounting the root leave a process behind (a FUSE daemon)? Then it has a script of its own. */
export const leavesDaemon = (steps: MountStep[]): boolean => steps.some((s) => s.type === 'fuse-overlayfs')

const rootfsLines = (steps: MountStep[]) => steps.map((s) => `${mountStepCommand(s)} || fail ${q(`cannot mount the root file system (${s.type} on ${s.target})`)}`)

/** The root's mounts alone, run one PID namespace above the container's (native/run.c). */
export function builtinRootfsScript(steps: MountStep[], errorFile: string): string {
  return ['#!/bin/sh', '# Generated by store (built-in launcher): the root, whose mount leaves a daemon.', helpersPart(errorFile), ...rootfsLines(steps), ''].join('\n')
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
function mountLine(m: OciMount): string {
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
  const opts = [...m.options, 'X-mount.mkdir'].join(',')
  return `rj ${q(m.destination)}; fsp ${q(fesc(m.source || m.type))} "$R$RJ" ${q(m.type)} ${q(opts)}`
}

/** `unshare --map-root-user`'s mapping: one id (ours, as 0), and setgroups(2) denied. */
function checkRootlessUser(spec: OciSpec, rootless: boolean): void {
  const u = spec.process.user
  if (rootless && (u.uid !== 0 || u.gid !== 0 || (u.additionalGids ?? []).length > 0)) {
    throw new StoreError(Codes.LAUNCH_FAILED, 'without root, the built-in launcher runs containers as uid 0 only', {
      data: { uid: u.uid, gid: u.gid },
      hint: 'run as root, or drop --user',
    })
  }
}
