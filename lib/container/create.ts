// `store create` (and the first half of `store run`): everything is checked before anything is
// written, then the container's dir, rootfs and record appear, under the names lock.

import { emit } from '../events.js'
import { isIP } from 'node:net'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import { cleanPath } from '../_gopath.js'
import type { Store } from '../store.js'
import { getConfig, imageLayers } from '../image/create.js'
import { DEFAULT_PATH } from '../image/model.js'
import { parseReference, tagged } from '../reference.js'
import { gcLease, withLock } from '../_lock.js'
import { storeDriver } from './_driver.js'
import { keepSnapshotBudget, storeSnapshots } from './snapshots.js'
import { containerLowers, findContainer, listContainers, writeRecord, writeState } from './records.js'
import { ociSpec } from './spec.js'
import { volumeSource } from '../mount/volumes.js'
import { prepareInitLayer } from '../runtime/index.js'
import { nameInUse, randomName, validateName } from './names.js'
import { resolveUser } from './user.js'
import { checkSecurityFlags } from './security.js'
import type { ContainerMount, ContainerRecord, NetworkMode } from './types.js'
import { checkLimits, hasLimits, type Limits } from './cgroup.js'
import { parseRestart } from './restart.js'
import { checkBridgeAllowed, exposedKeys, isBridged, parsePublish, requireNetwork } from '../network/index.js'
import type { LauncherName } from '../runtime/types.js'
import type { Digest } from '../digest/digest.js'
import type { RunConfig } from '../image/model.js'
import type { LayerRecord } from '../layer/index.js'
import { hostEnv } from '../config.js'

export interface CreateOptions {
  image: string
  cmd: string[]
  entrypoint?: string
  env?: string[]
  envFiles?: string[]
  workdir?: string
  user?: string
  name?: string
  hostname?: string
  readOnly?: boolean
  /** Default: bridge as root (Docker's), the host's otherwise (no bridge without root). */
  network?: NetworkMode
  /** `-p` specs, `-P`, `--expose`. */
  publish?: string[]
  publishAll?: boolean
  expose?: string[]
  /** `--add-host NAME:IP`, `--dns IP`, `--dns-search D`, `--dns-option O`. */
  addHost?: string[]
  dns?: string[]
  dnsSearch?: string[]
  dnsOption?: string[]
  /** `--restart`, as typed. */
  restart?: string
  /** Resource limits (cgroups). */
  limits?: Limits
  /** Where a warning goes (host network with -p: the ports are discarded, as Docker says). */
  warn?: (message: string) => void
  tty?: boolean
  interactive?: boolean
  autoRemove?: boolean
  mounts?: ContainerMount[]
  labels?: Record<string, string>
  launcher?: LauncherName
  /** `--init`: a small init (docker-init) as PID 1 runs the command. */
  init?: boolean
  privileged?: boolean
  capAdd?: string[]
  capDrop?: string[]
  securityOpt?: string[]
  /** Host environment for `-e NAME` without a value. */
  hostEnv?: Record<string, string | undefined>
  /**
   * The image's VOLUMEs become anonymous volumes where no mount of `mounts` already is (as
   * `docker run`/`create` do; build steps leave them out). prepareMounts must create them.
   */
  imageVolumes?: boolean
  /** Hook run after the rootfs exists and before the record is written (volume copy-up). */
  prepareMounts?: (rec: ContainerRecord, lowers: string[]) => Promise<void>
}

export async function createContainer(store: Store, o: CreateOptions): Promise<ContainerRecord> {
  // 1. Check everything the user typed.
  const imageId = await store.images.resolve(o.image)
  if (!imageId) {
    let shown = o.image
    try {
      const r = parseReference(o.image)
      if (!r.digest) shown = tagged(r)
    } catch {
      // shown as typed
    }
    throw new StoreError(Codes.IMAGE_NOT_FOUND, `Unable to find image '${shown}' locally`, {
      hint: 'store has no registry configured: import, load or build the image first',
      })
  }
  const config = await getConfig(store, imageId)
  const layers = await imageLayers(store, config)
  const rec = await createOver(store, { image: imageId, imageRef: o.image, config: config.config ?? {}, layers }, o)
  await keepSnapshotBudget(store) // the lease is released: the container's layers are its roots now
  return rec
}

/** What a container is made over: an image, or (for build steps) a layer chain and a config. */
export interface ContainerBase {
  image: Digest | ''
  imageRef: string
  config: RunConfig
  layers: LayerRecord[]
}

export async function createOver(store: Store, base: ContainerBase, o: CreateOptions): Promise<ContainerRecord> {
  const c = base.config
  let entrypoint = c.Entrypoint ?? []
  let cmd = c.Cmd ?? []
  if (o.entrypoint !== undefined) {
    entrypoint = o.entrypoint === '' ? [] : [o.entrypoint]
    cmd = [] // Docker: --entrypoint resets the image's CMD
  }
  if (o.cmd.length > 0) cmd = o.cmd
  const argv = [...entrypoint, ...cmd]
  if (argv.length === 0) throw new StoreError(Codes.NO_COMMAND, 'no command specified')

  const workdir = o.workdir ?? (c.WorkingDir || '/')
  if (!workdir.startsWith('/')) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `the working directory '${workdir}' is invalid, it needs to be an absolute path`)
  }
  const env = mergeEnv(c.Env ?? [], await envFromFiles(o.envFiles ?? [], o.hostEnv), o.env ?? [], o.hostEnv)
  const { seccompProfile } = checkSecurityFlags(o)
  const network: NetworkMode = o.network ?? (process.getuid?.() === 0 ? 'bridge' : 'host')
  let network_ = network
  if (network.startsWith('container:')) {
    // Recorded by ID, as Docker keeps it (a rename of the other container does not matter).
    const other = await findContainer(store, network.slice('container:'.length)).catch(() => undefined)
    if (!other) throw new StoreError(Codes.CONTAINER_NOT_FOUND, `No such container: ${network.slice('container:'.length)}`)
    network_ = `container:${other.id}`
  }
  if (isBridged(network)) {
    checkBridgeAllowed()
    if (network !== 'bridge') await requireNetwork(store.layout, network)
  }
  if (o.limits) checkLimits(o.limits)
  const restart = parseRestart(o.restart, !!o.autoRemove)
  const extraHosts = (o.addHost ?? []).map(checkAddHost)
  for (const d of o.dns ?? []) if (isIP(d) === 0) throw new StoreError(Codes.INVALID_ARGUMENT, `invalid argument "${d}" for "--dns" flag: IP address is not correctly formatted: ${d}`)
  const dns = o.dns?.length || o.dnsSearch?.length || o.dnsOption?.length ? { servers: o.dns ?? [], search: o.dnsSearch ?? [], options: o.dnsOption ?? [] } : undefined
  let ports = parsePublish(o.publish ?? [])
  const exposed = exposedKeys(o.expose ?? [], c.ExposedPorts)
  if (!isBridged(network) && (ports.length > 0 || o.publishAll)) {
    if (network !== 'host') throw new StoreError(Codes.INVALID_ARGUMENT, 'conflicting options: port publishing and the container type network mode')
    o.warn?.('WARNING: Published ports are discarded when using host network mode')
    ports = []
  }
  const name = o.name === undefined ? undefined : validateName(o.name)
  const layers = base.layers
  const release = await gcLease(store.layout)
  try {
    const snapshots = (await storeSnapshots(store, layers)).dirs
    const lowers = [...snapshots].reverse()
    const user = await resolveUser(lowers, o.user ?? c.User ?? '')
    const id = randomBytes(32).toString('hex')
    const hostname = o.hostname ?? id.slice(0, 12)
    if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH)
    if (!env.some((e) => e.startsWith('HOSTNAME='))) env.push(`HOSTNAME=${hostname}`)
    // Docker's daemon environment: a terminal is an xterm unless the image or -e says otherwise.
    const termAdded = !!o.tty && !env.some((e) => e.startsWith('TERM='))
    if (termAdded) env.push('TERM=xterm')
    if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`)
    const driver = await storeDriver(store)
    const rec: ContainerRecord = {
      id, name: '', image: base.image as Digest, imageRef: base.imageRef, created: store.now().toISOString(), driver: driver.name,
      launcher: o.launcher ?? 'builtin', layers: layers.map((l) => l.chainId), path: argv[0], args: argv.slice(1), env,
      cwd: workdir, user: o.user ?? c.User ?? '', uid: user.uid, gid: user.gid, additionalGids: user.additionalGids,
      hostname, tty: !!o.tty, openStdin: !!o.interactive, readOnly: !!o.readOnly, network: network_,
      ...(ports.length ? { ports } : {}), ...(o.publishAll && isBridged(network) ? { publishAll: true } : {}), ...(exposed.length ? { exposed } : {}), ...(hasLimits(o.limits) ? { limits: o.limits } : {}), ...(restart ? { restart } : {}), ...(extraHosts.length ? { extraHosts } : {}), ...(dns ? { dns } : {}),
      autoRemove: !!o.autoRemove, mounts: [...(o.mounts ?? []), ...(o.imageVolumes ? imageVolumeMounts(c, o.mounts ?? []) : [])], labels: { ...(c.Labels ?? {}), ...(o.labels ?? {}) },
      stopSignal: c.StopSignal ?? 'SIGTERM', stopTimeout: 10,
      ...(termAdded ? { termAdded } : {}),
      init: !!o.init, privileged: !!o.privileged, capAdd: o.capAdd ?? [], capDrop: o.capDrop ?? [], securityOpt: o.securityOpt ?? [],
      ...(seccompProfile === undefined ? {} : { seccompProfile }),
    }
    // 2. Claim the name and create, under the lock so two creates cannot take one name.
    await withLock(store.layout, 'names', async () => {
      const all = await listContainers(store)
      if (name !== undefined) {
        const other = all.find((x) => x.name === name)
        if (other) throw nameInUse(name, other.id)
        rec.name = name
      } else {
        do rec.name = randomName()
        while (all.some((x) => x.name === rec.name))
      }
      const dir = store.layout.container(id)
      await mkdir(dir, { recursive: true })
      try {
        await o.prepareMounts?.(rec, lowers)
        const spec = ociSpec(rec, `${dir}/rootfs`, (name) => volumeSource(store.layout, name))
        await prepareInitLayer(`${dir}/init`, lowers, spec, dir)
        await driver.create(dir, containerLowers(store, rec))
        await writeState(store, id, { status: 'created', pid: 0, exitCode: 0, startedAt: '', finishedAt: '' })
        await writeRecord(store, rec)
        await emit(store.layout, 'container', 'create', id, { image: rec.imageRef, name: rec.name })
      } catch (e) {
        await driver.remove(dir).catch(() => {})
        const { rm } = await import('node:fs/promises')
        await rm(dir, { recursive: true, force: true })
        throw e
      }
    })
    return rec
  } finally {
    await release()
  }
}

/** `--add-host NAME:IP` (or NAME=IP), as Docker's CLI checks it; `host-gateway` is resolved at start. */
function checkAddHost(v: string): string {
  const i = v.search(/[:=]/)
  const bad = (why: string) => new StoreError(Codes.INVALID_ARGUMENT, `invalid argument "${v}" for "--add-host" flag: ${why}`)
  if (i <= 0) throw bad(`bad format for add-host: "${v}"`)
  const ip = v.slice(i + 1).replace(/^\[(.*)\]$/, '$1')
  if (ip !== 'host-gateway' && isIP(ip) === 0) throw bad(`invalid IP address in add-host: "${ip}"`)
  return `${v.slice(0, i)}:${ip}`
}

/** An anonymous volume for each VOLUME of the image that no given mount covers (same path). */
function imageVolumeMounts(c: RunConfig, given: ContainerMount[]): ContainerMount[] {
  const taken = new Set(given.map((m) => cleanPath(m.destination)))
  const out: ContainerMount[] = []
  for (const v of Object.keys(c.Volumes ?? {}).sort()) {
    const destination = cleanPath(v.startsWith('/') ? v : `/${v}`)
    if (taken.has(destination)) continue
    taken.add(destination)
    const name = randomBytes(32).toString('hex')
    out.push({ type: 'volume', source: name, name, destination, readonly: false, propagation: '', anonymous: true })
  }
  return out
}

function mergeEnv(image: string[], files: string[], flags: string[], host: Record<string, string | undefined> = hostEnv()): string[] {
  const out = [...image]
  const set = (kv: string) => {
    const k = kv.split('=', 1)[0]
    const i = out.findIndex((e) => e.split('=', 1)[0] === k)
    if (i >= 0) out[i] = kv
    else out.push(kv)
  }
  for (const kv of [...files, ...flags]) {
    if (kv.includes('=')) set(kv)
    else if (host[kv] !== undefined) set(`${kv}=${host[kv]}`)
  }
  return out
}

async function envFromFiles(files: string[], host: Record<string, string | undefined> = hostEnv()): Promise<string[]> {
  const out: string[] = []
  for (const f of files) {
    let text: string
    try {
      text = await readFile(f, 'utf8')
    } catch {
      throw new StoreError(Codes.INVALID_ARGUMENT, `open ${f}: no such file or directory`)
    }
    text.split('\n').forEach((line, i) => {
      const l = line.replace(/^\s+/, '')
      if (l === '' || l.startsWith('#')) return
      const k = l.split('=', 1)[0]
      if (/\s/.test(k) || k === '') throw new StoreError(Codes.INVALID_ARGUMENT, `invalid environment variable: ${line} (${f}, line ${i + 1})`)
      out.push(l.includes('=') ? l : host[l] !== undefined ? `${l}=${host[l]}` : l)
    })
  }
  return out
}
