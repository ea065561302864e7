// What a container changed, as Docker shows it (diff), as a new image (commit), and its whole
// file system flattened into one tar (export).

import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { getDriver } from '../driver/index.js'
import type { LayerChange } from '../driver/types.js'
import { addLayer, getConfig, putImage } from '../image/create.js'
import { applyChanges } from '../image/changes.js'
import { parseTag } from '../reference.js'
import { changesTar, dirTar } from '../layer/index.js'
import { gcLease } from '../_lock.js'
import type { ContainerRecord } from './types.js'
import { containerLowers } from './records.js'
import { isContainerRunning } from './state.js'
import { commitStoreSnapshot } from './snapshots.js'
import { WritableFiles } from '../snapshot/index.js'

const lowersOf = (store: Store, rec: ContainerRecord) => containerLowers(store, rec)

export async function containerChanges(store: Store, rec: ContainerRecord): Promise<LayerChange[]> {
  return getDriver(rec.driver).changes(store.layout.container(rec.id), lowersOf(store, rec))
}

/**
 * `store diff`: A added, C changed, D deleted; sorted by path; the parents of a change show as
 * C; children of a deleted folder are not listed.
 */
export async function diffLines(store: Store, rec: ContainerRecord): Promise<string[]> {
  const changes = await containerChanges(store, rec)
  const marks = new Map<string, 'A' | 'C' | 'D'>()
  for (const c of changes) {
    const kind = c.kind === 'delete' ? 'D' : c.kind === 'add' ? 'A' : 'C'
    marks.set(`/${c.path}`, c.kind === 'opaque' ? (marks.get(`/${c.path}`) ?? 'C') : kind)
    const parts = c.path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const p = `/${parts.slice(0, i).join('/')}`
      if (!marks.has(p)) marks.set(p, 'C')
    }
  }
  return [...marks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, k]) => `${k} ${p}`)
}

export interface CommitOptions {
  tag?: string
  changes?: string[]
  message?: string
  author?: string
}

/**
 * `store commit`: the writable layer as one more layer on top of the image's (all shared). A
 * stopped container's writable layer also becomes the new layer's snapshot (copies of its
 * files: the container stays and may write them again), so the image runs without an
 * extraction; a running one's is extracted when first used, as before.
 */
export async function commitContainer(store: Store, rec: ContainerRecord, o: CommitOptions): Promise<Digest> {
  const tag = o.tag === undefined ? undefined : parseTag(o.tag)
  const config = structuredClone(await getConfig(store, rec.image))
  // Docker commit keeps the container's command and env as the new image's.
  config.config = { ...config.config, Env: rec.env.filter((e) => !e.startsWith('HOSTNAME=') && !(rec.termAdded && e === 'TERM=xterm')), Cmd: [rec.path, ...rec.args].slice(config.config.Entrypoint?.length ?? 0) }
  if (config.config.Cmd?.length === 0) config.config.Cmd = null
  applyChanges(config.config, o.changes ?? [])
  const changes = await containerChanges(store, rec)
  const release = await gcLease(store.layout)
  let files: WritableFiles | undefined
  try {
    if (!(await isContainerRunning(store, rec.id))) files = await WritableFiles.scan({ changes, disposable: false })
    const parent = rec.layers.length > 0 ? rec.layers[rec.layers.length - 1] : null
    const { record } = await addLayer(store, parent, changesTar(changes))
    if (files) await commitStoreSnapshot(store, [...(await Promise.all(rec.layers.map((c) => store.layers.require(c)))), record], files)
    const created = store.now().toISOString()
    config.created = created
    if (o.author) config.author = o.author
    config.rootfs.diff_ids = [...config.rootfs.diff_ids, record.diffId]
    config.history = [...(config.history ?? []), { created, created_by: [rec.path, ...rec.args].join(' '), comment: o.message ?? '', ...(o.author ? { author: o.author } : {}) }]
    return await putImage(store, config, { parent: rec.image, tags: tag ? [tag] : [] })
  } finally {
    files?.close()
    await release()
  }
}

/** `store export`: the container's merged file system as one tar. */
export async function* exportContainer(store: Store, rec: ContainerRecord): AsyncGenerator<Uint8Array> {
  const driver = getDriver(rec.driver)
  // withMergedRoot takes a callback; bridge it to a generator through a small queue.
  const queue: (Uint8Array | null | Error)[] = []
  let wake: (() => void) | undefined
  let resume: (() => void) | undefined
  const push = (x: Uint8Array | null | Error) => {
    queue.push(x)
    wake?.()
  }
  const done = driver
    .withMergedRoot(store.layout.container(rec.id), lowersOf(store, rec), async (root) => {
      for await (const b of dirTar(root)) {
        push(b)
        if (queue.length > 16) await new Promise<void>((r) => (resume = r))
      }
    })
    .then(() => push(null), (e) => push(e as Error))
  for (;;) {
    if (queue.length === 0) await new Promise<void>((r) => (wake = r))
    wake = undefined
    const x = queue.shift()!
    if (queue.length <= 16 && resume) {
      const r = resume
      resume = undefined
      r()
    }
    if (x === null) break
    if (x instanceof Error) throw x
    yield x
  }
  await done
}
