// `store network connect|disconnect`: a container joins or leaves a bridge network, kept in its
// record (so every later start joins it too, as Docker keeps it) and, while it runs, at once: an
// interface made from outside into its namespace (eth1, eth2…; its first network keeps the
// default route), its address recorded under the network lock, names in /etc/hosts both ways.
// Docker's messages and rules (host, none and another container's namespace cannot be joined).

import { emit } from '../events.js'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { withLock } from '../_lock.js'
import { childPids } from '../runtime/index.js'
import { checkBridgeAllowed, isBridged, joinBridge, leaveBridge, networkId, plugEndpoint, requireNetwork, unplugEndpoint, type Endpoint } from '../network/index.js'
import { endpointsOf, hostsOnDisconnect, hostsOnJoin, hostsOnLeave, networkAddresses, networksOf, releaseNetwork } from './network.js'
import { readRecord, readStoredState, requireContainer, writeRecord, writeState } from './records.js'
import { currentState } from './state.js'
import type { ContainerRecord } from './types.js'

const HOST = 'container cannot be disconnected from host network or connected to host network'
const PRIVATE = 'container cannot be connected to multiple networks with one of the networks in private (none) mode'
const SHARED = 'container sharing network namespace with another container or host cannot be connected to any other network'

/** A network's name and ID from a name or ID prefix: `bridge`, `host`, `none` or a user network's. */
async function resolve(store: Store, ref: string): Promise<{ name: string; id: string }> {
  if (ref === 'bridge' || ref === 'host' || ref === 'none') return { name: ref, id: networkId(store.layout, ref) }
  const n = await requireNetwork(store.layout, ref)
  return { name: n.Name, id: n.Id }
}

/** The running container's process in its network namespace, or undefined when it does not run. */
async function netnsPid(store: Store, id: string): Promise<number | undefined> {
  const st = await currentState(store, id)
  return st.status === 'running' && st.launcherPid ? (await childPids(st.launcherPid))[0] : undefined
}

/** The record changed under the names lock (as rename changes it), re-read so no change is lost. */
async function updateRecord(store: Store, id: string, change: (rec: ContainerRecord) => ContainerRecord): Promise<ContainerRecord> {
  return withLock(store.layout, 'names', async () => {
    const rec = await readRecord(store, id)
    if (!rec) throw new StoreError(Codes.CONTAINER_NOT_FOUND, `No such container: ${id}`)
    const next = change(rec)
    await writeRecord(store, next)
    return next
  })
}

/** `network connect NETWORK CONTAINER`. */
export async function connectContainer(store: Store, networkRef: string, which: string): Promise<void> {
  const net = await resolve(store, networkRef)
  const rec = await requireContainer(store, which)
  if (net.name === 'host') throw new StoreError(Codes.INVALID_ARGUMENT, HOST)
  if (rec.network === 'host' || rec.network.startsWith('container:')) throw new StoreError(Codes.INVALID_ARGUMENT, SHARED)
  if (net.name === 'none' || rec.network === 'none') throw new StoreError(Codes.INVALID_ARGUMENT, PRIVATE)
  const exists = () => new StoreError(Codes.INVALID_ARGUMENT, `endpoint with name ${rec.name} already exists in network ${net.name}`)
  if (networksOf(rec).includes(net.name)) throw exists()
  checkBridgeAllowed()
  const updated = await updateRecord(store, rec.id, (r) => {
    if (networksOf(r).includes(net.name)) throw exists()
    return { ...r, networks: [...(r.networks ?? []), net.name] }
  })
  const pid = await netnsPid(store, rec.id)
  if (pid) {
    let joined: Endpoint | undefined
    try {
      const st = await readStoredState(store, rec.id)
      const taken = new Set(endpointsOf(st).map((e) => e.iface ?? 'eth0'))
      let k = 1
      while (taken.has(`eth${k}`)) k++
      await joinBridge(
        store.layout, net.name, (n) => networkAddresses(store, n),
        async (e) => {
          joined = e
          const now = await readStoredState(store, rec.id)
          if (now) await writeState(store, rec.id, { ...now, extraEndpoints: [...(now.extraEndpoints ?? []), e] })
        },
        async (e) => {
          await plugEndpoint(e, pid)
          await hostsOnJoin(store, updated, e)
        },
        `eth${k}`,
      )
    } catch (e) {
      // Nothing half-made: the record, the state and the bridge as they were.
      await updateRecord(store, rec.id, (r) => ({ ...r, networks: (r.networks ?? []).filter((n) => n !== net.name) })).catch(() => {})
      if (joined) {
        const gone = joined
        const now = await readStoredState(store, rec.id)
        if (now) await writeState(store, rec.id, { ...now, extraEndpoints: (now.extraEndpoints ?? []).filter((x) => x.hostVeth !== gone.hostVeth) })
        await releaseNetwork(store, updated, gone)
      }
      throw e
    }
  }
  await emit(store.layout, 'network', 'connect', net.id, { container: rec.id, name: net.name, type: 'bridge' })
}

/** `network disconnect NETWORK CONTAINER`: its first network may go too (it then has `none`). */
export async function disconnectContainer(store: Store, networkRef: string, which: string): Promise<void> {
  const net = await resolve(store, networkRef)
  const rec = await requireContainer(store, which)
  if (net.name === 'host' && rec.network === 'host') throw new StoreError(Codes.INVALID_ARGUMENT, HOST)
  const notOn = () => new StoreError(Codes.INVALID_ARGUMENT, `container ${rec.id} is not connected to the network ${net.name}`)
  if (!isBridged(net.name) || !networksOf(rec).includes(net.name)) throw notOn()
  const updated = await updateRecord(store, rec.id, (r) => {
    if (!networksOf(r).includes(net.name)) throw notOn()
    const rest = networksOf(r).filter((n) => n !== net.name)
    return { ...r, network: r.network === net.name ? (rest[0] ?? 'none') : r.network, networks: r.network === net.name ? rest.slice(1) : rest }
  })
  const st = await currentState(store, rec.id)
  const e = st.status === 'running' ? endpointsOf(st).find((x) => x.network === net.name) : undefined
  if (e) {
    await unplugEndpoint(e)
    await hostsOnDisconnect(store, updated, e)
    await leaveBridge(store.layout, net.name, (n) => networkAddresses(store, n), async () => {
      const now = await readStoredState(store, rec.id)
      if (now) {
        const { network, extraEndpoints, ...rest } = now
        await writeState(store, rec.id, {
          ...rest,
          ...(network && network.hostVeth !== e.hostVeth ? { network } : {}),
          extraEndpoints: (extraEndpoints ?? []).filter((x) => x.hostVeth !== e.hostVeth),
        })
      }
      await hostsOnLeave(store, updated, e)
    })
  }
  await emit(store.layout, 'network', 'disconnect', net.id, { container: rec.id, name: net.name, type: 'bridge' })
}
