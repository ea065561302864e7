// Writing an archive to a file the user named (save -o, export -o): never a half-written
// archive under that name. The bytes go to `<target>.tmp-<pid>` beside it and are renamed
// over the target when complete. A kill -9 leaves that temp file outside the store, where no
// store operation would ever look: so before writing, a note naming it goes into the store
// (pending/<pid>-<hex>.json). Notes of dead processes are how the next save or export, and
// `system prune`, find and remove such files (`system df` counts them).

import { createWriteStream } from 'node:fs'
import { lstat, mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Layout } from './layout.js'
import { readJson, writeFileAtomic } from './_fs.js'
import { bytesOf, orphansIn, removeLeftovers, type Leftover, type LeftoverStats } from './_leftovers.js'
import { orphaned } from './lock/index.js'
import { Codes, StoreError } from './errors.js'
import type { TarWriteEntry } from './tar/index.js'

const NOTE = /^(\d+)-[0-9a-f]+\.json$/
const TEMP = /\.tmp-(\d+)$/

interface Note {
  path: string
}

/**
 * A folder the user named (save -o DIR/): the entries' files written into `<target>.tmp-<pid>`,
 * made durable, then renamed to the target (which must not exist, or be an empty folder), with
 * the same note for a kill -9 to be swept after.
 */
export async function writeOutputFolder(layout: Layout, target: string, entries: AsyncIterable<TarWriteEntry>): Promise<void> {
  const existing = await lstat(target).catch(() => undefined)
  if (existing && !(existing.isDirectory() && (await readdir(target)).length === 0)) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `${target} exists and is not an empty folder`)
  }
  await sweepOutputs(layout, target)
  const tmp = `${target}.tmp-${process.pid}`
  const note = `${layout.pendingDir}/${process.pid}-${randomBytes(6).toString('hex')}.json`
  await mkdir(layout.pendingDir, { recursive: true })
  await writeFileAtomic(note, JSON.stringify({ path: tmp } satisfies Note))
  try {
    await mkdir(tmp)
    for await (const { header, body } of entries) {
      // Names come from save itself (blobs/sha256/<hex>, index.json…), never from an image.
      if (header.name.split('/').some((p) => p === '..')) throw new StoreError(Codes.INVALID_ARGUMENT, `bad entry name ${header.name}`)
      const path = `${tmp}/${header.name}`
      if (header.type === 'dir') await mkdir(path, { recursive: true })
      else await pipeline(Readable.from(body instanceof Uint8Array ? [body] : (body ?? []), { objectMode: false }), createWriteStream(path, { flags: 'wx' }))
    }
    await syncTree(tmp)
    if (existing) await rmdir(target)
    await rename(tmp, target)
  } catch (e) {
    await rm(tmp, { recursive: true, force: true })
    throw e
  } finally {
    await rm(note, { force: true })
  }
}

/** Every file and folder under `dir` on disk (the folder's rename is then the last step). */
async function syncTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await syncTree(`${dir}/${e.name}`)
    else await fsyncPath(`${dir}/${e.name}`)
  }
  await fsyncPath(dir)
}

async function fsyncPath(path: string): Promise<void> {
  const h = await open(path, 'r')
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}

export async function writeOutputFile(layout: Layout, target: string, data: AsyncIterable<Uint8Array>): Promise<void> {
  await sweepOutputs(layout, target)
  const tmp = `${target}.tmp-${process.pid}`
  const note = `${layout.pendingDir}/${process.pid}-${randomBytes(6).toString('hex')}.json`
  await mkdir(layout.pendingDir, { recursive: true })
  await writeFileAtomic(note, JSON.stringify({ path: tmp } satisfies Note))
  try {
    await pipeline(Readable.from(data, { objectMode: false }), createWriteStream(tmp))
    await rename(tmp, target)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  } finally {
    await rm(note, { force: true })
  }
}

/** Temp outputs of dead processes that the notes name, and notes with nothing left to name. */
export async function outputLeftovers(layout: Layout): Promise<Leftover[]> {
  const out: Leftover[] = []
  for (const n of await orphansIn(layout.pendingDir, NOTE, 'output')) {
    const pid = NOTE.exec(basename(n.path))![1]
    const note = await readJson<Note>(n.path).catch(() => undefined)
    const m = note?.path ? TEMP.exec(note.path) : null
    // Only what this note's own writer could have made: `<something>.tmp-<its pid>`, a file (or a layout folder).
    if (note && m && m[1] === pid && (await lstat(note.path).then((s) => s.isFile() || s.isDirectory(), () => false))) {
      out.push({ kind: 'output', path: note.path, bytes: await bytesOf(note.path) })
    }
    out.push(n)
  }
  return out
}

/** Removes outputs left by dead processes: those the notes name, and `<target>.tmp-<pid>` beside target. */
export async function sweepOutputs(layout: Layout, target?: string): Promise<LeftoverStats> {
  const list = await outputLeftovers(layout).catch(() => [] as Leftover[])
  if (target) {
    // Left by a store that wrote no note (older versions): same name pattern, same directory.
    const prefix = `${basename(target)}.tmp-`
    for (const n of await readdir(dirname(target)).catch(() => [] as string[])) {
      if (!n.startsWith(prefix) || !/^\d+$/.test(n.slice(prefix.length))) continue
      const path = `${dirname(target)}/${n}`
      const st = await lstat(path).catch(() => undefined)
      if ((st?.isFile() || st?.isDirectory()) && (await orphaned(Number(n.slice(prefix.length)), st.ctimeMs))) list.push({ kind: 'output', path, bytes: st.size })
    }
  }
  const unique = [...new Map(list.map((l) => [l.path, l])).values()]
  return removeLeftovers(unique).catch(() => ({ entries: 0, bytes: 0 }))
}
