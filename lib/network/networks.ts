// Networks of a store root: the predefined bridge (the root's bridge, implicit), host and none,
// and user-defined bridge networks (`store network create`), each a record under networks/ with
// the subnet chosen at creation and a kernel bridge `br-<12 hex of its ID>` that exists while a
// running container uses it. Containers on one user network find each other by name (their
// /etc/hosts, kept current as they start and stop; Docker's embedded DNS does this there).

import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { withLock } from '../_lock.js'
import type { Layout } from '../layout.js'
import { bridgeOf, freeSubnet } from './bridge.js'

export interface NetworkRecord {
  Id: string
  Name: string
  Created: string
  /** 172.19.0.0/16 */
  Subnet: string
  Gateway: string
  Labels: Record<string, string>
}

export const PREDEFINED = ['bridge', 'host', 'none'] as const

/** bridge, host, none, or a user network's name: how a container record names its network. */
export const isBridged = (mode: string): boolean => mode !== 'host' && mode !== 'none' && !mode.startsWith('container:')

export const networkIface = (rec: NetworkRecord): string => `br-${rec.Id.slice(0, 12)}`

const notFound = (name: string) => new StoreError(Codes.INVALID_ARGUMENT, `network ${name} not found`)

export async function listNetworks(layout: Layout): Promise<NetworkRecord[]> {
  const names = await readdir(layout.networksDir).catch(() => [] as string[])
  const out: NetworkRecord[] = []
  for (const n of names.filter((x) => /^[0-9a-f]{64}\.json$/.test(x))) {
    const r = await readJson<NetworkRecord>(`${layout.networksDir}/${n}`).catch(() => undefined)
    if (r) out.push(r)
  }
  return out.sort((a, b) => a.Name.localeCompare(b.Name))
}

/** A user network by name, full ID or unique ID prefix (Docker's lookup order). */
export async function findNetwork(layout: Layout, ref: string): Promise<NetworkRecord | undefined> {
  const all = await listNetworks(layout)
  const byName = all.find((n) => n.Name === ref)
  if (byName) return byName
  const byId = all.filter((n) => n.Id.startsWith(ref))
  return ref.length > 0 && byId.length === 1 ? byId[0] : undefined
}

export async function requireNetwork(layout: Layout, ref: string): Promise<NetworkRecord> {
  const n = await findNetwork(layout, ref)
  if (!n) throw notFound(ref)
  return n
}

export interface CreateNetworkOptions {
  subnet?: string
  gateway?: string
  labels?: Record<string, string>
  now?: Date
}

export async function createNetwork(layout: Layout, name: string, o: CreateNetworkOptions = {}): Promise<NetworkRecord> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  }
  if ((PREDEFINED as readonly string[]).includes(name)) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `operation is not permitted on predefined ${name} network `)
  }
  return withLock(layout, 'network', async () => {
    const all = await listNetworks(layout)
    if (all.some((n) => n.Name === name)) throw new StoreError(Codes.NAME_IN_USE, `network with name ${name} already exists`)
    const saved = await readJson<{ subnet?: string }>(layout.network)
    const taken = [...all.map((n) => n.Subnet), ...(saved?.subnet ? [saved.subnet] : [])]
    const subnet = o.subnet ?? (await freeSubnet(taken))
    if (!subnet) throw new StoreError(Codes.LAUNCH_FAILED, 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network')
    const b = bridgeOf(subnet, '')
    if (o.subnet && b.subnet !== o.subnet) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid subnet ${o.subnet}: it should be ${b.subnet}`)
    const rec: NetworkRecord = {
      Id: randomBytes(32).toString('hex'), Name: name, Created: (o.now ?? new Date()).toISOString(), Subnet: b.subnet, Gateway: o.gateway ?? b.gateway, Labels: o.labels ?? {},
    }
    await mkdir(layout.networksDir, { recursive: true })
    await writeFileAtomic(layout.networkRecord(rec.Id), JSON.stringify(rec, null, 2) + '\n', 0o644)
    return rec
  })
}

/** Remove a user network; `running` names the running containers on it (they block it). */
export async function removeNetwork(layout: Layout, ref: string, running: (name: string) => Promise<string[]>): Promise<NetworkRecord> {
  if ((PREDEFINED as readonly string[]).includes(ref)) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `${ref} is a pre-defined network and cannot be removed`)
  }
  return withLock(layout, 'network', async () => {
    const n = await requireNetwork(layout, ref)
    const users = await running(n.Name)
    if (users.length) throw new StoreError(Codes.CONTAINER_RUNNING, `error while removing network: network ${n.Name} id ${n.Id} has active endpoints`)
    await rm(layout.networkRecord(n.Id), { force: true })
    return n
  })
}
