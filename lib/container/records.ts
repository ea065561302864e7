// Reading and writing container records, and finding a container by ID, ID prefix or name.

import { open, readdir, readFile, rm } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import type { ContainerRecord, ContainerState } from './types.js'
import type { Digest } from '../digest/digest.js'
import { mapFormSync } from '../snapshot/map.js'

export const recordPath = (store: Store, id: string) => `${store.layout.container(id)}/container.json`
export const statePath = (store: Store, id: string) => `${store.layout.container(id)}/state.json`
export const logPath = (store: Store, id: string) => `${store.layout.container(id)}/container.log`

const ID_RE = /^[0-9a-f]{64}$/

export async function listContainerIds(store: Store): Promise<string[]> {
  return (await readdir(store.layout.containersDir).catch(() => [] as string[])).filter((n) => ID_RE.test(n))
}

export async function readRecord(store: Store, id: string): Promise<ContainerRecord | undefined> {
  return readJson<ContainerRecord>(recordPath(store, id)).catch(() => undefined)
}

export async function writeRecord(store: Store, rec: ContainerRecord): Promise<void> {
  await writeFileAtomic(recordPath(store, rec.id), JSON.stringify(rec, null, 1))
}

/** The state file as written, or undefined when there is none (the container is gone). */
export async function readStoredState(store: Store, id: string): Promise<ContainerState | undefined> {
  return readJson<ContainerState>(statePath(store, id)).catch(() => undefined)
}

export async function readState(store: Store, id: string): Promise<ContainerState> {
  const s = await readJson<ContainerState>(statePath(store, id)).catch(() => undefined)
  return s ?? { status: 'created', pid: 0, exitCode: 0, startedAt: '', finishedAt: '' }
}

/** Every state.json has at least this many bytes (JSON padded with spaces): see writeState. */
const STATE_SIZE = 1024

/**
 * state.json, replaced atomically. On a full disk (a container that filled it is the common
 * case) the exit must still be recorded, or the container would show as killed (137): the
 * state is then rewritten in place, in the blocks it already has.
 */
export async function writeState(store: Store, id: string, s: ContainerState): Promise<void> {
  const json = JSON.stringify(s)
  const text = json.length < STATE_SIZE ? json.padEnd(STATE_SIZE) : json
  const path = statePath(store, id)
  try {
    await writeFileAtomic(path, text)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if ((code !== 'ENOSPC' && code !== 'EDQUOT') || !(await rewriteInPlace(path, text))) throw e
  }
}

async function rewriteInPlace(path: string, text: string): Promise<boolean> {
  const fh = await open(path, 'r+').catch(() => undefined)
  if (!fh) return false
  try {
    if ((await fh.stat()).size < text.length) return false
    await fh.write(text, 0)
    await fh.sync()
    return true
  } finally {
    await fh.close()
  }
}

export async function listContainers(store: Store): Promise<ContainerRecord[]> {
  const out: ContainerRecord[] = []
  for (const id of await listContainerIds(store)) {
    const r = await readRecord(store, id)
    if (r) out.push(r)
  }
  return out
}

/** By full ID, name (with or without leading "/"), or unique ID prefix, as Docker. */
export async function findContainer(store: Store, s: string): Promise<ContainerRecord | undefined> {
  if (ID_RE.test(s)) return readRecord(store, s)
  const all = await listContainers(store)
  const name = s.startsWith('/') ? s.slice(1) : s
  const byName = all.find((c) => c.name === name)
  if (byName) return byName
  if (!/^[0-9a-f]+$/.test(s)) return undefined
  const hits = all.filter((c) => c.id.startsWith(s))
  if (hits.length > 1) throw new StoreError(Codes.CONTAINER_NOT_FOUND, `multiple IDs found with provided prefix: ${s}`)
  return hits[0]
}

export async function requireContainer(store: Store, s: string): Promise<ContainerRecord> {
  const c = await findContainer(store, s)
  if (!c) throw new StoreError(Codes.CONTAINER_NOT_FOUND, `No such container: ${s}`, { data: { container: s } })
  return c
}

export async function removeRecordDir(store: Store, id: string): Promise<void> {
  await rm(store.layout.container(id), { recursive: true, force: true })
}

/** Start time of a process (field 22 of /proc/<pid>/stat), or undefined if it is gone. */
export async function processStart(pid: number): Promise<string | undefined> {
  if (!pid) return undefined
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (rest[0] === 'Z') return undefined
    return rest[19]
  } catch {
    return undefined
  }
}

/**
 * The lowerdirs of a container, top-most first: its init layer (mount points for /etc/hosts,
 * /etc/hostname, /etc/resolv.conf, /proc, /dev…, as Docker's "-init" layer, so they never
 * show in diff or commit), then the image's snapshots (or its chain's one tree: data-only).
 */
export function containerLowers(store: Store, rec: { id: string; layers: string[] }): string[] {
  const init = `${store.layout.container(rec.id)}/init`
  const top = rec.layers[rec.layers.length - 1] as Digest | undefined
  // A data-only snapshot is the whole chain's tree (lib/snapshot/_chain.ts): stacked alone.
  if (top && mapFormSync(store.layout.snapshotMap(top)) === 'data-only') return [init, store.layout.snapshot(top)]
  return [init, ...rec.layers.map((c) => store.layout.snapshot(c as any)).reverse()]
}
