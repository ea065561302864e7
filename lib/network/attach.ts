// A container on a bridge network (the root's default bridge or a user network): an address for
// it (the lowest free one, under the root's network lock, recorded in its state by the caller
// inside that lock), the lines of the setup script that make its interface, and the kernel
// bridge's removal once no running container uses it. Allocation and removal are serialized by
// one lock, and a starting container records itself before it makes sure the bridge exists:
// so a bridge is never removed under a container about to join it.

import { createHash, randomBytes } from 'node:crypto'
import { Codes, StoreError } from '../errors.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { withLock } from '../_lock.js'
import type { Layout } from '../layout.js'
import { bridgeName, ensureBridge, existingBridge, intToIp, ipToInt, removeBridge, storeBridges, tool } from './bridge.js'
import { networkIface, requireNetwork } from './networks.js'
import { shQuote as q } from '../driver/index.js'

/** A container's place on its network (kept in its state while it runs). */
export interface Endpoint {
  /** The network's name: bridge, or a user network's. */
  network: string
  bridge: string
  ip: string
  gateway: string
  prefix: number
  mac: string
  /** The host end of its veth pair. */
  hostVeth: string
  /** The container's end: eth0 on its first network, eth1… on those connected after (`network connect`). */
  iface?: string
}

const DEFAULT_ROOT = '/var/lib/store'

export const rootBridge = (layout: Layout): string => bridgeName(layout.root, DEFAULT_ROOT)

/** Bridge networking makes host interfaces: root only (rootless has the host's or none). */
export function checkBridgeAllowed(): void {
  if (process.getuid?.() !== 0) {
    throw new StoreError(Codes.UNSUPPORTED, 'bridge networks need root: use --network host or none')
  }
}

/** The kernel bridge of a network and the subnet it must have (or prefers: the default bridge). */
async function target(layout: Layout, network: string): Promise<{ iface: string; subnet?: string; fixed: boolean }> {
  if (network === 'bridge') return { iface: rootBridge(layout), subnet: (await readJson<{ subnet?: string }>(layout.network))?.subnet, fixed: false }
  const n = await requireNetwork(layout, network)
  return { iface: networkIface(n), subnet: n.Subnet, fixed: true }
}

/**
 * Join a network: `inUse` lists the addresses its running containers have, `record` writes the
 * container's running state with its endpoint, `joined` tells the others (all under the lock).
 */
export async function joinBridge(
  layout: Layout,
  network: string,
  inUse: (network: string) => Promise<string[]>,
  record: (e: Endpoint) => Promise<void>,
  joined?: (e: Endpoint) => Promise<void>,
  iface?: string,
): Promise<Endpoint> {
  checkBridgeAllowed()
  return withLock(layout, 'network', async () => {
    const t = await target(layout, network)
    const b = await ensureBridge(t.iface, layout.root, t.subnet, t.fixed)
    if (network === 'bridge' && t.subnet !== b.subnet) await writeFileAtomic(layout.network, JSON.stringify({ subnet: b.subnet }) + '\n', 0o644)
    const used = new Set(await inUse(network))
    const base = ipToInt(b.gateway) - 1
    const last = base + 2 ** (32 - b.prefix) - 2
    let n = ipToInt(b.gateway) + 1
    while (n <= last && used.has(intToIp(n))) n++
    if (n > last) throw new StoreError(Codes.LAUNCH_FAILED, `no available IPv4 addresses on network ${network} (${b.subnet})`)
    const ip = intToIp(n)
    // Docker's MAC: 02:42 and the address's four bytes.
    const mac = ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':')
    const e: Endpoint = { network, bridge: b.iface, ip, gateway: b.gateway, prefix: b.prefix, mac, hostVeth: `veth${randomBytes(4).toString('hex').slice(0, 7)}`, ...(iface ? { iface } : {}) }
    await record(e)
    await joined?.(e)
    return e
  })
}

/** After a container left `network`: its bridge goes if no running container uses it. */
export async function leaveBridge(layout: Layout, network: string, inUse: (network: string) => Promise<string[]>, left?: () => Promise<void>): Promise<void> {
  if (process.getuid?.() !== 0) return
  await withLock(layout, 'network', async () => {
    await left?.()
    if ((await inUse(network)).length > 0) return
    const t = await target(layout, network).catch(() => undefined)
    const b = t && (await existingBridge(t.iface))
    if (b) await removeBridge(b)
  })
}

/** Bridges whose store root no longer exists (a test's temp root, a removed store): removed. */
export async function removeOrphanBridges(exists: (root: string) => Promise<boolean>): Promise<string[]> {
  const gone: string[] = []
  for (const { iface, root } of await storeBridges()) {
    if (await exists(root)) continue
    const b = await existingBridge(iface)
    if (b) await removeBridge(b)
    else await tool('ip', ['link', 'del', iface]).catch(() => {})
    gone.push(iface)
  }
  return gone
}

/**
 * Setup-script lines, run by the container's PID 1 in its new network namespace before anything
 * else (every launcher: runc and crun inherit the namespace): a veth pair whose far end goes to
 * the supervisor's (the host's) namespace and the bridge, then the interface's address, MAC and,
 * on its first network only, the default route.
 */
export function endpointScript(e: Endpoint, hostNetns: string): string[] {
  const H = q(hostNetns)
  const v = q(e.hostVeth)
  const i = e.iface ?? 'eth0'
  const route = i === 'eth0' ? ` && ip route add default via ${e.gateway}` : ''
  return [
    `ip link add ${i} type veth peer name ${v} netns ${H} || fail 'cannot create the network interface'`,
    `nsenter --net=${H} ip link set ${v} master ${q(e.bridge)} up || fail ${q(`cannot attach the network interface to ${e.bridge}`)}`,
    `ip link set ${i} address ${e.mac} && ip addr add ${e.ip}/${e.prefix} dev ${i} && ip link set ${i} up${route} || fail 'cannot configure ${i}'`,
    // Docker's default: any user may bind a port below 1024 in its own namespace.
    ...(i === 'eth0' ? [`echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null`] : []),
  ]
}

/**
 * `network connect` of a running container: the same interface made from outside, into the
 * namespace of its process `pid` (no default route: it keeps its first network's).
 */
export async function plugEndpoint(e: Endpoint, pid: number): Promise<void> {
  const i = e.iface ?? 'eth0'
  const inside = (args: string[]) => tool('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', ...args])
  try {
    await tool('ip', ['link', 'add', e.hostVeth, 'type', 'veth', 'peer', 'name', i, 'netns', String(pid)])
    await tool('ip', ['link', 'set', e.hostVeth, 'master', e.bridge, 'up'])
    await inside(['link', 'set', i, 'address', e.mac])
    await inside(['addr', 'add', `${e.ip}/${e.prefix}`, 'dev', i])
    await inside(['link', 'set', i, 'up'])
  } catch (err) {
    await unplugEndpoint(e)
    throw err
  }
}

/** Its interface removed (deleting the host end deletes the pair); nothing if already gone. */
export async function unplugEndpoint(e: Endpoint): Promise<void> {
  await tool('ip', ['link', 'del', e.hostVeth]).catch(() => {})
}

/** The default bridge's ID (Docker shows a 64-hex NetworkID): stable per root. */
export const networkId = (layout: Layout, network: string): string => createHash('sha256').update(`${network}\0${layout.root}`).digest('hex')
