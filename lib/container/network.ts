// The container side of networking: which addresses of a network are taken (by its running
// containers), the /etc/hosts of containers on one user network (each names the others: what
// Docker's embedded DNS answers there), and the bridge's removal once its last user is gone.

import { readFile, writeFile } from 'node:fs/promises'
import type { Store } from '../store.js'
import { leaveBridge, type Endpoint } from '../network/index.js'
import { bundleFiles, hostsFile } from '../runtime/index.js'
import { listContainerIds, readRecord, readStoredState } from './records.js'
import { currentState } from './state.js'
import type { ContainerRecord, ContainerState } from './types.js'

/** Every place a running container's state holds: its first network's, then those connected since. */
export const endpointsOf = (s: ContainerState | undefined): Endpoint[] => (s ? [...(s.network ? [s.network] : []), ...(s.extraEndpoints ?? [])] : [])

/** Every network a container is on: its first, then those connected since (`network connect`). */
export const networksOf = (rec: ContainerRecord): string[] => [rec.network, ...(rec.networks ?? [])]

interface Peer {
  id: string
  name: string
  ip: string
}

/** Running containers on `network` (a vanished supervisor's container is not). */
async function peers(store: Store, network: string, except?: string): Promise<Peer[]> {
  const out: Peer[] = []
  for (const id of await listContainerIds(store)) {
    if (id === except) continue
    const stored = await readStoredState(store, id).catch(() => undefined)
    if (stored?.status !== 'running' || !endpointsOf(stored).some((e) => e.network === network)) continue
    const s = await currentState(store, id)
    const e = s.status === 'running' ? endpointsOf(s).find((x) => x.network === network) : undefined
    const rec = e ? await readRecord(store, id) : undefined
    if (rec && e) out.push({ id, name: rec.name, ip: e.ip })
  }
  return out
}

/** Addresses taken on `network`. */
export async function networkAddresses(store: Store, network: string): Promise<string[]> {
  return (await peers(store, network)).map((p) => p.ip)
}

const hostsLine = (ip: string, name: string) => `${ip}\t${name}\n`

/** `--add-host` entries as /etc/hosts lines; `host-gateway` is the bridge's gateway (the host). */
export function extraHostLines(rec: ContainerRecord, e: Endpoint | undefined): string[] {
  return (rec.extraHosts ?? []).map((h) => {
    const i = h.indexOf(':')
    const ip = h.slice(i + 1)
    return `${ip === 'host-gateway' ? (e?.gateway ?? '127.0.0.1') : ip}\t${h.slice(0, i)}`
  })
}

/**
 * Under the network lock, once `rec` has its endpoint: its own /etc/hosts (its address and
 * hostname; on a user network every running peer by name), and its name added to each peer's.
 * A peer's file is rewritten in place: it is bind-mounted, a rename would not show inside. A
 * network joined after the first adds its lines to the container's file (Docker adds the
 * hostname's second address the same way).
 */
export async function hostsOnJoin(store: Store, rec: ContainerRecord, e: Endpoint): Promise<void> {
  const others = e.network === 'bridge' ? [] : await peers(store, e.network, rec.id)
  const lines = others.map((p) => hostsLine(p.ip, p.name)).join('')
  const own = bundleFiles(store.layout.container(rec.id)).hosts
  if ((e.iface ?? 'eth0') === 'eth0') await writeFile(own, hostsFile(rec.hostname, e.ip, extraHostLines(rec, e)) + lines)
  else await writeFile(own, hostsLine(e.ip, rec.hostname) + lines, { flag: 'a' })
  for (const p of others) await writeFile(bundleFiles(store.layout.container(p.id)).hosts, hostsLine(e.ip, rec.name), { flag: 'a' }).catch(() => {})
}

/** Lines dropped from a hosts file rewritten in place (bind-mounted: a rename would not show). */
async function dropLines(file: string, lines: string[]): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return
  const kept = text.split(/(?<=\n)/).filter((l) => !lines.includes(l)).join('')
  if (kept !== text) await writeFile(file, kept).catch(() => {})
}

/** `network disconnect` of a running container: its own lines for that network leave its file. */
export async function hostsOnDisconnect(store: Store, rec: ContainerRecord, e: Endpoint): Promise<void> {
  const others = e.network === 'bridge' ? [] : await peers(store, e.network, rec.id)
  await dropLines(bundleFiles(store.layout.container(rec.id)).hosts, [hostsLine(e.ip, rec.hostname), ...others.map((p) => hostsLine(p.ip, p.name))])
}

/** Its name leaves the peers' /etc/hosts (under the network lock). */
export async function hostsOnLeave(store: Store, rec: ContainerRecord, e: Endpoint): Promise<void> {
  if (e.network === 'bridge') return
  for (const p of await peers(store, e.network, rec.id)) await dropLines(bundleFiles(store.layout.container(p.id)).hosts, [hostsLine(e.ip, rec.name)])
}

/** After a container left its network (ended, or found dead): names and, when unused, the bridge go. */
export async function releaseNetwork(store: Store, rec: ContainerRecord, e: Endpoint): Promise<void> {
  await leaveBridge(store.layout, e.network, (n) => networkAddresses(store, n), () => hostsOnLeave(store, rec, e)).catch(() => {})
}

/** Every container whose network is `network`, running or not (the running ones with their endpoint). */
export async function containersOn(store: Store, network: string): Promise<{ id: string; name: string; endpoint?: Endpoint }[]> {
  const out: { id: string; name: string; endpoint?: Endpoint }[] = []
  for (const id of await listContainerIds(store)) {
    const rec = await readRecord(store, id).catch(() => undefined)
    if (!rec || !networksOf(rec).includes(network)) continue
    const s = await currentState(store, id)
    const endpoint = s.status === 'running' ? endpointsOf(s).find((e) => e.network === network) : undefined
    out.push({ id, name: rec.name, ...(endpoint ? { endpoint } : {}) })
  }
  return out
}
