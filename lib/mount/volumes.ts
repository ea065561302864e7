// The local volume store: volumes/<name>/_data holds the data, volumes/<name>/opts.json the
// metadata. A volume is assembled in a hidden temp dir (names starting with `.` are never valid
// volume names) and renamed into place, so it appears complete or not at all, and two
// processes creating one name both succeed with the same volume. Removal renames it away
// first, then deletes. Every name is checked before it becomes a path.
// A kill -9 can leave a `.tmp-<pid>-*` (create) or `.rm-<pid>-*` (remove: all the data) dir:
// invisible to `ls`, so the next create, remove or prune sweeps those of dead processes, and
// `system df` counts them until then.

import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { Codes, StoreError } from '../errors.js'
import type { Layout } from '../layout.js'
import { readFileSync } from 'node:fs'
import { readJson, writeFileAtomic } from '../_fs.js'
import { orphansIn, removeLeftovers, type Leftover, type LeftoverStats } from '../_leftovers.js'
import { goQuote } from './_go.js'
import { isValidVolumeName, volumeNameProblem } from './volumeName.js'
import { ANONYMOUS_LABEL, type CreateVolumeOptions, type VolumeInfo, type VolumeSource, type VolumeStore } from './types.js'

interface VolumeRecord {
  Name: string
  Driver: 'local'
  Labels: Record<string, string>
  Options: Record<string, string>
  CreatedAt: string
}

/** Options of Docker's local driver; the rest fail as Docker fails them. */
const LOCAL_OPTS = ['type', 'o', 'device', 'size']

const tmpName = (what: string) => `.${what}-${process.pid}-${randomBytes(6).toString('hex')}`
const TEMP = /^\.(?:tmp|rm)-(\d+)-[0-9a-f]+$/
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
const userError = (code: string, message: string, data: Record<string, unknown>) => new StoreError(code, message, { data })

/**
 * How a container mounts volume `name` (read when its config.json is written): the data dir, or
 * the file system its `type`/`device`/`o` options name, as Docker's local driver mounts them.
 */
export function volumeSource(layout: Layout, name: string): VolumeSource {
  const dir = `${layout.volume(name)}/_data`
  let o: Record<string, string> = {}
  try {
    o = (JSON.parse(readFileSync(`${layout.volume(name)}/opts.json`, 'utf8')) as VolumeRecord).Options ?? {}
  } catch {
    // not there yet (created by this very container): a plain volume
  }
  if (!o.type || !o.device) return { dir }
  return { type: o.type, device: o.device, options: o.o ? o.o.split(',').filter(Boolean) : [] }
}

export function createVolumeStore(layout: Layout, now: () => Date = () => new Date()): VolumeStore {
  const dataDir = (name: string) => `${layout.volume(name)}/_data`
  const info = (r: VolumeRecord): VolumeInfo => ({
    CreatedAt: r.CreatedAt, Driver: 'local', Labels: r.Labels, Mountpoint: dataDir(r.Name), Name: r.Name, Options: r.Options, Scope: 'local',
  })

  async function get(name: string): Promise<VolumeInfo | undefined> {
    if (!isValidVolumeName(name)) return undefined
    const r = await readJson<VolumeRecord>(`${layout.volume(name)}/opts.json`).catch(() => undefined)
    return r && r.Name === name ? info(r) : undefined
  }

  function checkCreate(name: string, o: CreateVolumeOptions): void {
    const fail = (what: string) => userError(Codes.INVALID_ARGUMENT, `create ${name}: ${what}`, { name })
    const problem = volumeNameProblem(name)
    if (problem !== undefined) throw userError(Codes.VOLUME_NAME_INVALID, `create ${name}: ${problem}`, { name })
    if (o.driver !== undefined && o.driver !== 'local') throw fail(`error looking up volume plugin ${o.driver}: plugin ${goQuote(o.driver)} not found`)
    const opts = o.opts ?? {}
    for (const k of Object.keys(opts)) if (!LOCAL_OPTS.includes(k)) throw fail(`invalid option key: ${goQuote(k)}`)
    if (opts.type && !opts.device) throw fail('missing required option: "device"')
    if (opts.device && !opts.type) throw fail('missing required option: "type"')
  }

  /** Temp and trash dirs of volume operations whose process is gone. */
  const leftovers = (): Promise<Leftover[]> => orphansIn(layout.volumesDir, TEMP, 'volume')
  /** Removes them; a failure here never fails the operation that swept. */
  const sweep = async (): Promise<LeftoverStats> => removeLeftovers(await leftovers()).catch(() => ({ entries: 0, bytes: 0 }))

  async function create(name?: string, o: CreateVolumeOptions = {}): Promise<VolumeInfo> {
    const n = name || randomBytes(32).toString('hex')
    checkCreate(n, o)
    await sweep()
    const existing = await get(n)
    if (existing) return existing
    const rec: VolumeRecord = {
      Name: n, Driver: 'local',
      Labels: { ...(o.labels ?? {}), ...(o.anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) },
      Options: { ...(o.opts ?? {}) },
      CreatedAt: rfc3339(now()),
    }
    await mkdir(layout.volumesDir, { recursive: true })
    const tmp = `${layout.volumesDir}/${tmpName('tmp')}`
    try {
      await mkdir(`${tmp}/_data`, { recursive: true, mode: 0o755 })
      await writeFileAtomic(`${tmp}/opts.json`, `${JSON.stringify(rec, null, 2)}\n`)
      await rename(tmp, layout.volume(n)).catch(async (e) => {
        // Someone else created it first: theirs is the volume (creating again is a no-op).
        if (e?.code !== 'ENOTEMPTY' && e?.code !== 'EEXIST') throw e
      })
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
    const made = await get(n)
    if (!made) throw new StoreError(Codes.VOLUME_NOT_FOUND, `create ${n}: volume vanished while being created`, { data: { name: n } })
    return made
  }

  async function inspect(name: string): Promise<VolumeInfo> {
    const v = await get(name)
    if (!v) throw userError(Codes.VOLUME_NOT_FOUND, `No such volume: ${name}`, { name })
    return v
  }

  async function list(): Promise<VolumeInfo[]> {
    const names = await readdir(layout.volumesDir).catch((e) => (e?.code === 'ENOENT' ? [] : Promise.reject(e)))
    const out: VolumeInfo[] = []
    for (const n of names.filter(isValidVolumeName).sort()) {
      const v = await get(n)
      if (v) out.push(v)
    }
    return out
  }

  async function remove(name: string, inUseBy: string[]): Promise<void> {
    await sweep() // first: a retry after a killed rm finds no volume, but its trash
    if (!(await get(name))) throw userError(Codes.VOLUME_NOT_FOUND, `get ${name}: no such volume`, { name })
    if (inUseBy.length > 0) {
      throw userError(Codes.VOLUME_IN_USE, `remove ${name}: volume is in use - [${inUseBy.join(', ')}]`, { name, containers: inUseBy })
    }
    const trash = `${layout.volumesDir}/${tmpName('rm')}`
    await rename(layout.volume(name), trash).catch((e) => {
      // A concurrent remove won the race.
      throw e?.code === 'ENOENT' ? userError(Codes.VOLUME_NOT_FOUND, `get ${name}: no such volume`, { name }) : e
    })
    await rm(trash, { recursive: true, force: true })
  }

  async function size(name: string): Promise<number> {
    await inspect(name)
    return treeSize(dataDir(name))
  }

  async function isEmpty(name: string): Promise<boolean> {
    await inspect(name)
    return (await readdir(dataDir(name))).length === 0
  }

  async function prune(inUse: (name: string) => boolean, opts: { all?: boolean } = {}) {
    const names: string[] = []
    let reclaimed = (await sweep()).bytes
    for (const v of await list()) {
      if (inUse(v.Name) || (!opts.all && !(ANONYMOUS_LABEL in v.Labels))) continue
      const bytes = await treeSize(v.Mountpoint)
      await remove(v.Name, [])
      names.push(v.Name)
      reclaimed += bytes
    }
    return { names, reclaimed }
  }

  return { create, get, inspect, list, remove, prune, size, isEmpty, dataDir, leftovers, sweep }
}

/** Bytes of everything but directories under dir, each hard-linked inode once (moby's directory.Size). */
async function treeSize(dir: string): Promise<number> {
  const seen = new Set<string>()
  let total = 0
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      const p = `${d}/${e.name}`
      const st = await lstat(p).catch(() => undefined)
      if (!st) continue // removed while we walked
      if (st.isDirectory()) {
        await walk(p)
        continue
      }
      if (st.nlink > 1) {
        const id = `${st.dev}:${st.ino}`
        if (seen.has(id)) continue
        seen.add(id)
      }
      total += st.size
    }
  }
  await walk(dir)
  return total
}
