// The built-in launcher: util-linux and coreutils only, always present on Linux.
//   unshare --mount --uts --ipc [--net] --pid --propagation private  sh launch.sh
// launch.sh's supervisor half forks PID 1, which runs the init half below:
//   1. the driver's rootfs mounts (or a bind of the root onto itself: it must be a mount to be
//      remounted read-only), then config.json's mounts in order, targets resolved inside the
//      root (rj) and created when missing; a tmpfs /dev gets the standard device nodes (copies
//      of the host's, or bind mounts where mknod is not allowed) and its symlinks;
//   2. masked and read-only paths, the hostname, the working dir, a read-only root;
//   3. the command is looked up in the root's PATH first, so a missing one fails like Docker's
//      (status 127, `exec: "x": executable file not found in $PATH`);
//   4. exec timeout --foreground -s USR1 0 (PID 1: forwards signals, reports 128+N for a child
//      killed by N) -> env -i (the container's environment only) -> prlimit (rlimits) ->
//      setpriv (gid, groups, no_new_privs) -> unshare -R ROOT -w CWD -S UID (chroot, cwd, uid)
//      -> the command, run by the host tools up to the chroot, so the image needs none of them.
// Not a sandbox: the process keeps root's full capabilities, and PID 1 lives outside the
// chroot. runc/crun are the launchers for untrusted images.
// TTY (process.terminal): util-linux `script` allocates a pty from the host's devpts between
// PID 1 and the command; the container sees that pty on stdio (its /dev/pts is a fresh
// instance, so `tty` names a path that does not exist inside).

import { statSync } from 'node:fs'
import type { MountStep } from '../driver/types.js'
import { mountStepCommand } from '../driver/index.js'
import type { OciMount, OciSpec } from './types.js'
import { helpersPart, q, supervisorPart } from './_script.js'

const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty']
const DEV_LINKS: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx']]

const RLIMITS: Record<string, string> = {
  RLIMIT_AS: 'as', RLIMIT_CORE: 'core', RLIMIT_CPU: 'cpu', RLIMIT_DATA: 'data', RLIMIT_FSIZE: 'fsize',
  RLIMIT_LOCKS: 'locks', RLIMIT_MEMLOCK: 'memlock', RLIMIT_MSGQUEUE: 'msgqueue', RLIMIT_NICE: 'nice',
  RLIMIT_NOFILE: 'nofile', RLIMIT_NPROC: 'nproc', RLIMIT_RSS: 'rss', RLIMIT_RTPRIO: 'rtprio',
  RLIMIT_RTTIME: 'rttime', RLIMIT_SIGPENDING: 'sigpending', RLIMIT_STACK: 'stack',
}

export function builtinScript(spec: OciSpec, rootfsSteps: MountStep[], files: { script: string; error: string }): string {
  const R = spec.root.path
  const out: string[] = ['#!/bin/sh', '# Generated from config.json by store (built-in launcher) at each start.', supervisorPart(files.script)]
  out.push(`R=${q(R)}`, helpersPart(files.error))
  // 1. The root.
  const steps = rootfsSteps.length > 0 ? rootfsSteps : [{ type: 'bind', source: R, target: R, options: ['bind'] }]
  for (const s of steps) out.push(`${mountStepCommand(s)} || fail ${q(`cannot mount the root file system (${s.type} on ${s.target})`)}`)
  for (const m of spec.mounts) out.push(...mountLines(m))
  // 2. Masks, hostname, cwd, read-only root.
  for (const p of spec.linux.maskedPaths ?? []) {
    out.push(`rj ${q(p)}; if [ -d "$R$RJ" ]; then mount -t tmpfs -o ro,size=0 tmpfs "$R$RJ"; elif [ -e "$R$RJ" ]; then mount --bind /dev/null "$R$RJ"; fi || fail ${q(`cannot mask ${p}`)}`)
  }
  for (const p of spec.linux.readonlyPaths ?? []) {
    out.push(`rj ${q(p)}; if [ -e "$R$RJ" ]; then mount --bind "$R$RJ" "$R$RJ" && mount -o remount,bind,ro "$R$RJ"; fi || fail ${q(`cannot make ${p} read-only`)}`)
  }
  if (spec.linux.namespaces.some((n) => n.type === 'uts') && spec.hostname) {
    out.push(`printf %s ${q(spec.hostname)} > /proc/sys/kernel/hostname || fail 'cannot set the hostname'`)
  }
  const cwd = spec.process.cwd || '/'
  out.push(`rj ${q(cwd)}; [ -d "$R$RJ" ] || mkdir -p "$R$RJ" || fail ${q(`cannot create the working directory ${cwd}`)}`)
  if (spec.root.readonly) out.push(`mount -o remount,bind,ro "$R" || fail 'cannot make the root read-only'`)
  // 3. The command must exist in the root.
  out.push(lookupLines(spec))
  // 4. The chain.
  out.push(`exec ${execChain(spec).join(' ')}`, '')
  return out.join('\n')
}

/** Shell lines performing one config.json mount inside $R. */
function mountLines(m: OciMount): string[] {
  const dest = q(m.destination)
  const what = q(`cannot mount ${m.type} on ${m.destination}`)
  const isBind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind')
  const lines: string[] = []
  if (isBind) {
    const file = (() => {
      try {
        return !statSync(m.source).isDirectory()
      } catch {
        return false
      }
    })()
    // A missing target is created: an empty file for a file source, else a dir (as runc does).
    const make = file ? `{ mkdir -p "\${T%/*}" && : > "$T"; }` : `mkdir -p "$T"`
    lines.push(`rj ${dest}; T=$R$RJ; [ -e "$T" ] || ${make} || fail ${what}`)
    const rec = m.options.includes('rbind') ? '--rbind' : '--bind'
    const flags = m.options.filter((o) => ['ro', 'nosuid', 'nodev', 'noexec'].includes(o))
    let cmd = `mount ${rec} ${q(m.source)} "$T"`
    if (flags.length) cmd += ` && mount -o ${q(['remount', 'bind', ...flags].join(','))} "$T"`
    const prop = m.options.find((o) => /^r?(private|shared|slave|unbindable)$/.test(o))
    if (prop) cmd += ` && mount --make-${prop} "$T"`
    lines.push(`${cmd} || fail ${what}`)
    return lines
  }
  lines.push(`rj ${dest}; T=$R$RJ; [ -d "$T" ] || mkdir -p "$T" || fail ${what}`)
  const opts = m.options.filter((o) => !/^r?(private|shared|slave|unbindable)$/.test(o))
  const mount = `mount -t ${q(m.type)}${opts.length ? ` -o ${q(opts.join(','))}` : ''} ${q(m.source)} "$T"`
  // sysfs needs a network namespace we own (rootless, host network): fall back to a bind.
  const fallback = m.type === 'sysfs' ? ` || mount --rbind /sys "$T"` : ''
  lines.push(`{ ${mount}${fallback}; } || fail ${what}`)
  if (m.type === 'tmpfs' && m.destination.replace(/\/+$/, '') === '/dev') {
    lines.push(
      `cp -a ${DEVICES.map((d) => `/dev/${d}`).join(' ')} "$T/" 2>/dev/null || for d in ${DEVICES.join(' ')}; do : > "$T/$d" && mount --bind /dev/$d "$T/$d" || fail "cannot create /dev/$d"; done`,
      DEV_LINKS.map(([n, t]) => `ln -s ${q(t)} "$T/${n}"`).join(' && ') + ` || fail 'cannot populate /dev'`,
    )
  }
  return lines
}

function envValue(env: string[], key: string): string | undefined {
  const hit = [...env].reverse().find((e) => e.startsWith(`${key}=`))
  return hit?.slice(key.length + 1)
}

/** Lines that exit 127/126 with Docker's words when args[0] cannot be executed in the root. */
function lookupLines(spec: OciSpec): string {
  const name = spec.process.args[0] ?? ''
  const cwd = spec.process.cwd || '/'
  if (name === '') return `printf '%s\\n' 'exec: "": executable file not found in $PATH' >&2; exit 127`
  if (name.includes('/')) {
    const p = name.startsWith('/') ? name : `${cwd}/${name}`
    return [
      `rj ${q(p)}`,
      `if [ ! -e "$R$RJ" ]; then printf '%s\\n' ${q(`exec: "${name}": stat ${name}: no such file or directory`)} >&2; exit 127; fi`,
      `if [ -d "$R$RJ" ] || [ ! -x "$R$RJ" ]; then printf '%s\\n' ${q(`exec: "${name}": permission denied`)} >&2; exit 126; fi`,
    ].join('\n')
  }
  // glibc's execvp default when PATH is unset.
  const path = envValue(spec.process.env, 'PATH') ?? '/bin:/usr/bin'
  const candidates = path.split(':').map((d) => `${d === '' ? cwd : d.startsWith('/') ? d : `${cwd}/${d}`}/${name}`)
  return [
    `found=; for p in ${candidates.map(q).join(' ')}; do rj "$p" && [ -f "$R$RJ" ] && [ -x "$R$RJ" ] && { found=1; break; }; done`,
    `[ -n "$found" ] || { printf '%s\\n' ${q(`exec: "${name}": executable file not found in $PATH`)} >&2; exit 127; }`,
  ].join('\n')
}

function execChain(spec: OciSpec): string[] {
  const p = spec.process
  const chain: string[] = ['env', '-i', ...p.env.filter((e) => e.indexOf('=') > 0).map(q)]
  const limits = (p.rlimits ?? []).filter((l) => RLIMITS[l.type])
  if (limits.length) chain.push('prlimit', ...limits.map((l) => `--${RLIMITS[l.type]}=${l.soft}:${l.hard}`), '--')
  const groups = p.user.additionalGids ?? []
  chain.push('setpriv', ...(p.noNewPrivileges ? ['--no-new-privs'] : []), `--regid=${p.user.gid}`)
  chain.push(groups.length ? `--groups=${groups.join(',')}` : '--clear-groups', '--')
  chain.push('unshare', '-R', '"$R"', '-w', q(p.cwd || '/'), ...(p.user.uid !== 0 ? ['-S', String(p.user.uid)] : []), '--', ...p.args.map(q))
  const init = ['timeout', '--foreground', '-s', 'USR1', '0']
  if (!p.terminal) return [...init, ...chain]
  // script runs its -c string with $SHELL: the whole chain, quoted once more.
  return ['env', 'SHELL=/bin/sh', ...init, 'script', '-q', '-e', '-f', '-c', q(chain.map((w) => (w === '"$R"' ? q(spec.root.path) : w)).join(' ')), '/dev/null']
}
