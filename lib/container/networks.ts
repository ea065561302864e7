// Networks as `store network ls|inspect|rm|prune` show and change them: the predefined ones
// (bridge, host, none) beside the user's (lib/network/networks.ts), with the containers on each.

import type { Store } from '../store.js'
import { readJson } from '../_fs.js'
import { listNetworks, networkId, removeNetwork } from '../network/index.js'
import { containersOn } from './network.js'

/** A network as `ls` lists it. */
export interface NetworkRow {
  Id: string
  Name: string
  Driver: string
  Created: string
  Subnet?: string
  Gateway?: string
  Labels: Record<string, string>
}

/** The predefined networks and the user's, sorted by name (Docker's `network ls`). */
export async function networkRows(store: Store): Promise<NetworkRow[]> {
  const bridge = await readJson<{ subnet?: string }>(store.layout.network)
  const rows: NetworkRow[] = [
    { Id: networkId(store.layout, 'bridge'), Name: 'bridge', Driver: 'bridge', Created: '0001-01-01T00:00:00Z', Labels: {}, ...(bridge?.subnet ? { Subnet: bridge.subnet } : {}) },
    { Id: networkId(store.layout, 'host'), Name: 'host', Driver: 'host', Created: '0001-01-01T00:00:00Z', Labels: {} },
    { Id: networkId(store.layout, 'none'), Name: 'none', Driver: 'null', Created: '0001-01-01T00:00:00Z', Labels: {} },
    ...(await listNetworks(store.layout)).map((n) => ({ Id: n.Id, Name: n.Name, Driver: 'bridge', Created: n.Created, Subnet: n.Subnet, Gateway: n.Gateway, Labels: n.Labels })),
  ]
  return rows.sort((a, b) => a.Name.localeCompare(b.Name))
}

/** Docker's `network inspect` object for a name or an unambiguous ID prefix; undefined if none. */
export async function inspectNetwork(store: Store, ref: string): Promise<Record<string, unknown> | undefined> {
  const rows = await networkRows(store)
  const r = rows.find((x) => x.Name === ref) ?? (rows.filter((x) => x.Id.startsWith(ref)).length === 1 ? rows.find((x) => x.Id.startsWith(ref)) : undefined)
  if (!r) return undefined
  const containers: Record<string, unknown> = {}
  for (const c of await containersOn(store, r.Name)) {
    if (c.endpoint) containers[c.id] = { Name: c.name, EndpointID: '', MacAddress: c.endpoint.mac, IPv4Address: `${c.endpoint.ip}/${c.endpoint.prefix}`, IPv6Address: '' }
  }
  return {
    Name: r.Name, Id: r.Id, Created: r.Created, Scope: 'local', Driver: r.Driver, EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: r.Subnet ? [{ Subnet: r.Subnet, ...(r.Gateway ? { Gateway: r.Gateway } : {}) }] : [] },
    Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: containers, Options: {}, Labels: r.Labels,
  }
}

/** Removes a user network no running container is on; returns its record. */
export async function removeUserNetwork(store: Store, ref: string) {
  return removeNetwork(store.layout, ref, async (name) => (await containersOn(store, name)).filter((c) => c.endpoint).map((c) => c.id))
}

/** Removes every user network no container (running or not, as Docker) is on; returns their names. */
export async function pruneNetworks(store: Store): Promise<{ name: string; id: string }[]> {
  const gone: { name: string; id: string }[] = []
  for (const n of await listNetworks(store.layout)) {
    if ((await containersOn(store, n.Name)).length > 0) continue
    await removeNetwork(store.layout, n.Id, async () => [])
    gone.push({ name: n.Name, id: n.Id })
  }
  return gone
}
