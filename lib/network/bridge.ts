// The host side of a store's bridge network: a kernel bridge with the gateway address, NAT for
// traffic leaving it (iptables MASQUERADE, and FORWARD accepts in case the host's policy drops),
// and IP forwarding on. One bridge per store root: `store0` for the default root, `st-<hash>`
// for any other, so two roots (two users, parallel tests) never share addresses. Its alias
// names the root, so a bridge whose root is gone can be found and removed.
//
// A bridge lives while containers of its root use it: made by the first, removed after the
// last (lib/network/attach.ts decides when, under the root's network lock). Choosing a subnet
// is host-wide: it holds an abstract unix socket (no file, gone with its process) while it reads
// the host's routes and makes the bridge, so two roots never pick the same range.

import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import { toolPath } from '../runtime/index.js'
import { hostEnv } from '../config.js'
import { shQuote as q } from '../_exec.js'

export interface Bridge {
  /** The interface: store0, st-1a2b3c4d. */
  iface: string
  /** 172.18.0.0/16 */
  subnet: string
  /** The bridge's own address, the containers' default route. */
  gateway: string
  prefix: number
}

/** The ranges a bridge may take, in order (Docker's default pools, past docker0's 172.17). */
const CANDIDATES = [
  ...Array.from({ length: 14 }, (_, i) => `172.${18 + i}.0.0/16`),
  ...Array.from({ length: 16 }, (_, i) => `192.168.${i * 16}.0/20`),
]

export function bridgeName(root: string, defaultRoot: string): string {
  if (root === defaultRoot) return 'store0'
  return `st-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`
}

/** Run a host tool (ip, iptables); its stderr is the error. */
export function tool(cmd: string, args: string[]): Promise<string> {
  return run(cmd, args, `${cmd} ${args.join(' ')}: `)
}

function run(cmd: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...hostEnv(), PATH: toolPath() } }, (e, stdout, stderr) => {
      if (e) reject(new StoreError(Codes.LAUNCH_FAILED, `${what}${(stderr || e.message).trim()}`))
      else resolve(stdout)
    })
  })
}

/**
 * The lines of a shell script run at once: one spawn where each step was one (a fork of a
 * large Node process costs ~10 ms here, sh's of a small tool ~1 ms). A `step` line ends the
 * script when it fails, saying `<command>: <its output>` as `tool` does.
 */
function script(lines: string[]): Promise<string> {
  return run('sh', ['-c', [STEP, ...lines].join('\n')], '')
}

const STEP = `step() { out=$("$@" 2>&1) || { printf '%s: %s\\n' "$*" "$out" >&2; exit 1; }; }`
const step = (cmd: string, args: string[]) => `step ${[cmd, ...args].map(q).join(' ')}`
const quiet = (cmd: string, args: string[]) => `${[cmd, ...args].map(q).join(' ')} >/dev/null 2>&1`

export const ipToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')

function cidr(c: string): { base: number; prefix: number } {
  const [ip, p] = c.split('/')
  const prefix = Number(p)
  const size = 2 ** (32 - prefix)
  return { base: ipToInt(ip) - (ipToInt(ip) % size), prefix }
}

const overlaps = (a: string, b: string): boolean => {
  const x = cidr(a)
  const y = cidr(b)
  const xe = x.base + 2 ** (32 - x.prefix)
  const ye = y.base + 2 ** (32 - y.prefix)
  return x.base < ye && y.base < xe
}

export function bridgeOf(subnet: string, iface: string): Bridge {
  const { base, prefix } = cidr(subnet)
  return { iface, subnet: `${intToIp(base)}/${prefix}`, gateway: intToIp(base + 1), prefix }
}

/** The host's IPv4 routes and addresses, as CIDRs (what a new bridge must not overlap). */
async function hostRanges(): Promise<string[]> {
  const routes = await tool('ip', ['-4', 'route', 'show', 'table', 'all'])
  const out: string[] = []
  for (const line of routes.split('\n')) {
    const dst = line.trim().split(/\s+/)[0]
    if (!dst || dst === 'default' || dst === 'local' || dst === 'broadcast' || dst === 'unreachable') continue
    out.push(dst.includes('/') ? dst : `${dst}/32`)
  }
  return out
}

async function ifaceAddress(iface: string): Promise<string | undefined> {
  const text = await tool('ip', ['-4', '-o', 'addr', 'show', 'dev', iface]).catch(() => undefined)
  return text === undefined ? undefined : (/inet (\S+)/.exec(text)?.[1] ?? '')
}

/** A host-wide lock: an abstract unix socket name (no file; released when its process ends). */
async function hostLock(): Promise<() => Promise<void>> {
  const deadline = Date.now() + 60_000
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    const server: Server = createServer()
    const taken = await new Promise<boolean>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(false) : reject(e)))
      server.listen({ path: '\0store-network-lock' }, () => resolve(true))
    })
    if (taken) return () => new Promise((r) => server.close(() => r()))
    if (Date.now() > deadline) throw new StoreError(Codes.LOCK_TIMEOUT, 'timed out waiting for another store process to set up its network')
    await new Promise((r) => setTimeout(r, wait))
  }
}

/** The first candidate range that neither the host's routes nor `taken` overlap. */
export async function freeSubnet(taken: string[]): Promise<string | undefined> {
  const used = [...(await hostRanges()), ...taken]
  return CANDIDATES.find((c) => !used.some((u) => overlaps(c, u)))
}

/**
 * A bridge, made if missing: on `want`'s subnet when that is still free (the one it had before),
 * else on the first candidate no route of the host overlaps; `fixed`: on `want` or not at all
 * (a user network's subnet is part of it).
 */
export async function ensureBridge(iface: string, root: string, want?: string, fixed = false): Promise<Bridge> {
  const have = await ifaceAddress(iface)
  if (have) {
    const b = bridgeOf(have, iface)
    await script(natLines(b, '-A'))
    return b
  }
  const release = await hostLock()
  try {
    const again = await ifaceAddress(iface)
    if (again) return bridgeOf(again, iface)
    if (again === '') await tool('ip', ['link', 'del', iface]).catch(() => {}) // a bridge without its address: a setup cut short
    const used = await hostRanges()
    const subnet = [...(want ? [want] : []), ...(fixed ? [] : CANDIDATES)].find((c) => !used.some((u) => overlaps(c, u)))
    if (!subnet && fixed) throw new StoreError(Codes.LAUNCH_FAILED, `Pool overlaps with other one on this address space (${want})`)
    if (!subnet) throw new StoreError(Codes.LAUNCH_FAILED, 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network')
    const b = bridgeOf(subnet, iface)
    try {
      await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n').catch(() => {})
      await script([
        step('ip', ['link', 'add', iface, 'type', 'bridge']),
        step('ip', ['link', 'set', 'dev', iface, 'alias', `store:${root}`]),
        step('ip', ['addr', 'add', `${b.gateway}/${b.prefix}`, 'dev', iface]),
        step('ip', ['link', 'set', iface, 'up']),
        ...natLines(b, '-A'),
      ])
    } catch (e) {
      await removeBridge(b)
      throw e
    }
    return b
  } finally {
    await release()
  }
}

const RULES = (b: Bridge): [string, string[]][] => [
  ['nat', ['POSTROUTING', '-s', b.subnet, '!', '-o', b.iface, '-j', 'MASQUERADE']],
  ['filter', ['FORWARD', '-i', b.iface, '-j', 'ACCEPT']],
  ['filter', ['FORWARD', '-o', b.iface, '-j', 'ACCEPT']],
]

/**
 * The bridge's iptables rules as script lines: each added where missing (-A; FORWARD ones
 * inserted first, in case the host's policy drops), or every copy deleted (-D).
 */
function natLines(b: Bridge, op: '-A' | '-D'): string[] {
  return RULES(b).map(([table, r]) => {
    const check = ['-w', '-t', table, '-C', ...r]
    // Every copy (a crash between two adds may have left two).
    if (op === '-D') return `while ${quiet('iptables', ['-w', '-t', table, '-D', ...r])}; do :; done`
    return `${quiet('iptables', check)} || ${step('iptables', ['-w', '-t', table, table === 'filter' ? '-I' : '-A', ...r])}`
  })
}

/** Remove a bridge and its rules (whatever of them exists). */
export async function removeBridge(b: Bridge): Promise<void> {
  await script([...natLines(b, '-D'), `${quiet('ip', ['link', 'del', b.iface])} || :`])
}

/** The bridge of a root if it exists now (its address read from the interface). */
export async function existingBridge(iface: string): Promise<Bridge | undefined> {
  const have = await ifaceAddress(iface)
  return have ? bridgeOf(have, iface) : undefined
}

/** Ports on the bridge: any interface still attached (a container's veth). */
export async function bridgePorts(iface: string): Promise<string[]> {
  const text = await tool('ip', ['-o', 'link', 'show', 'master', iface]).catch(() => '')
  return text.split('\n').filter(Boolean).map((l) => l.split(':')[1].trim().split('@')[0])
}

/** Every store bridge on the host with the root its alias names. */
export async function storeBridges(): Promise<{ iface: string; root: string }[]> {
  const text = await tool('ip', ['-o', 'link', 'show', 'type', 'bridge']).catch(() => '')
  const out: { iface: string; root: string }[] = []
  for (const line of text.split('\n')) {
    const iface = line.split(':')[1]?.trim().split('@')[0]
    const alias = /alias store:(.*)$/.exec(line)?.[1]
    if (iface && alias !== undefined) out.push({ iface, root: alias.trim() })
  }
  return out
}
