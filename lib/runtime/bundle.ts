// The bundle: config.json plus the files the container gets bind-mounted at /etc/hosts,
// /etc/hostname and /etc/resolv.conf (kept here, so neither the image nor the writable layer is
// ever touched for them). writeBundle() completes the caller's spec with what every OCI runtime
// expects and Docker provides: /proc, a minimal /dev, /sys, the three /etc files, Docker's
// default capabilities and masked paths. Anything the caller already mounts at a destination
// wins over the default for it.

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { writeFileAtomic } from '../_fs.js'
import { seccompJson } from './seccomp.js'
import type { LaunchRequest, OciMount, OciSpec } from './types.js'

export const bundleFiles = (bundleDir: string) => ({
  config: `${bundleDir}/config.json`,
  hosts: `${bundleDir}/hosts`,
  hostname: `${bundleDir}/hostname`,
  resolvConf: `${bundleDir}/resolv.conf`,
  script: `${bundleDir}/launch.sh`,
  rootfsScript: `${bundleDir}/launch-rootfs.sh`,
  /** The native launcher's plan (environment included: 0600). */
  plan: `${bundleDir}/launch.plan`,
  seccomp: `${bundleDir}/seccomp.bpf`,
  fstab: `${bundleDir}/launch.fstab`,
  error: `${bundleDir}/launch.err`,
  /** Made by the launcher once the container's process runs (its mounts are all in place). */
  ready: `${bundleDir}/launch.ready`,
  runtimeState: `${bundleDir}/runtime`,
  /** crun with a terminal sends its pty here (store-launch console listens). */
  console: `${bundleDir}/console.sock`,
})

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]

/** Docker's default masked and read-only paths (moby oci/defaults.go). */
export const DEFAULT_MASKED = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
]
export const DEFAULT_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

function defaultMounts(bundleDir: string): OciMount[] {
  const f = bundleFiles(bundleDir)
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // sysfs shows the network namespace of whoever mounts it; with the host's network the
    // host's view is what Docker gives too. Read-only either way.
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/etc/hosts', type: 'bind', source: f.hosts, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: f.hostname, options: ['rbind', 'rprivate'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: f.resolvConf, options: ['rbind', 'rprivate'] },
  ]
}

/** The caller's spec plus the defaults it does not override. Pure. */
export function completeSpec(spec: OciSpec, bundleDir: string): OciSpec {
  const own = new Set(spec.mounts.map((m) => normDest(m.destination)))
  const defaults = defaultMounts(bundleDir).filter((m) => !own.has(m.destination))
  const caps = spec.process.capabilities ?? {
    bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS, inheritable: [], ambient: [],
  }
  return {
    ...spec,
    process: { ...spec.process, capabilities: caps },
    // Defaults first, in the order above (/dev before /dev/pts), then the caller's mounts.
    mounts: [...defaults, ...spec.mounts],
    linux: {
      ...spec.linux,
      maskedPaths: spec.linux.maskedPaths ?? DEFAULT_MASKED,
      readonlyPaths: spec.linux.readonlyPaths ?? DEFAULT_READONLY,
      resources: spec.linux.resources ?? { devices: [{ allow: false, access: 'rwm' }] },
    },
  }
}

const normDest = (d: string) => '/' + d.split('/').filter((p) => p && p !== '.').join('/')

/** Write config.json (the completed spec) and the /etc files into the bundle; returns the spec. */
export async function writeBundle(req: Pick<LaunchRequest, 'bundleDir' | 'spec' | 'address' | 'extraHosts' | 'dns'>, o: { rootless?: boolean } = {}): Promise<OciSpec> {
  const f = bundleFiles(req.bundleDir)
  await mkdir(req.bundleDir, { recursive: true })
  let spec = completeSpec(req.spec, req.bundleDir)
  if (o.rootless) spec = { ...spec, mounts: spec.mounts.map((m) => rootlessMount(m, spec)) }
  // The environment is in there (passwords, tokens): root's eyes only, as Docker's config.v2.json.
  // seccompJson: a seccomp argument past 2^53 is a bigint, written as a JSON number.
  await writeFileAtomic(f.config, seccompJson(spec, 2) + '\n', 0o600)
  const h = req.spec.hostname || 'localhost'
  await writeFile(f.hostname, `${h}\n`)
  // hosts and resolv.conf are the container's to edit (Docker lets it): written once; on a
  // bridge network the caller writes hosts at each start (the address, the peers' names).
  if (!req.address) await writeFile(f.hosts, hostsFile(h, undefined, req.extraHosts), { flag: 'wx' }).catch(ignoreExists)
  const network = req.spec.linux.namespaces.some((n) => n.type === 'network')
  if (req.dns) await writeFile(f.resolvConf, dnsResolvConf(req.dns), { flag: 'wx' }).catch(ignoreExists)
  else if (network) await writeFile(f.resolvConf, '', { flag: 'wx' }).catch(ignoreExists)
  else if (req.address) await writeFile(f.resolvConf, bridgeResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => '')), { flag: 'wx' }).catch(ignoreExists)
  else await copyIfMissing('/etc/resolv.conf', f.resolvConf)
  return spec
}

/**
 * In a user namespace of our own only our ids exist: devpts' gid=5 (tty) cannot be mapped. And
 * sysfs needs a network namespace we own: with the host's network, the host's /sys is bound
 * read-only (what rootless runc setups do).
 */
function rootlessMount(m: OciMount, spec: OciSpec): OciMount {
  if (m.type === 'devpts') return { ...m, options: m.options.filter((x) => !x.startsWith('gid=')) }
  if (m.type === 'sysfs' && !spec.linux.namespaces.some((n) => n.type === 'network')) {
    return { destination: m.destination, type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
  }
  return m
}

export function hostsFile(hostname: string, address = '127.0.1.1', extra: string[] = []): string {
  return [
    '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters', ...extra, `${address}\t${hostname}`, '',
  ].join('\n')
}

/** resolv.conf from `--dns*` (Docker's order: search, nameservers, options). */
export function dnsResolvConf(d: { servers: string[]; search: string[]; options: string[] }): string {
  const lines = [...(d.search.length ? [`search ${d.search.join(' ')}`] : []), ...d.servers.map((s) => `nameserver ${s}`), ...(d.options.length ? [`options ${d.options.join(' ')}`] : [])]
  return lines.join('\n') + '\n'
}

/**
 * The host's resolv.conf for a container with a network of its own (Docker's rule): a loopback
 * nameserver cannot be reached from there, so those lines go; none left, Google's public DNS.
 */
export function bridgeResolvConf(host: string): string {
  const lines = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$|::1$)/.test(l))
  const text = lines.join('\n').replace(/\n*$/, '\n')
  if (/^\s*nameserver\s/m.test(text)) return text
  return `${text.trim() ? text : ''}\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n`.replace(/^\n/, '')
}

async function copyIfMissing(from: string, to: string): Promise<void> {
  if (await readFile(to).then(() => true, () => false)) return
  await copyFile(from, to).catch(() => writeFile(to, ''))
}

function ignoreExists(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EEXIST') throw e
}
