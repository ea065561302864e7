// Image records and tags on disk:
//   images/repositories.json   { "tags": { "name:tag": "sha256:<image id>" } }
//   images/ids/<hex>.json      { id, added, parent?, manifestDigest }
// Image configs themselves are blobs in the content store (image ID = their digest).
//
// Invariant: a tag never points at an image whose record is gone, whatever runs concurrently.
// Every change to tags, and every creation or deletion of an image record, happens under the
// store's `tags` lock (the innermost lock, see lib/lock/_order.ts): `tag` refuses an image
// whose record is gone, `add` writes the record and its tags in one section, and `remove`
// deletes a record only while no tag it did not expect points at it. So an `rmi` racing a
// cached build, a `load` or a `tag` either wins (the other re-creates the record or fails
// with "No such image") or loses (the record stays, tagged) — never half of each.

import { readdir, rm } from 'node:fs/promises'
import { Codes, StoreError } from './errors.js'
import { digestFromHex, isDigest, shortId, type Digest } from './digest/digest.js'
import type { Layout } from './layout.js'
import { readJson, writeFileAtomic } from './_fs.js'
import { withLock } from './_lock.js'
import { parseReference, tagged } from './reference.js'

export interface ImageRecord {
  id: Digest
  /** When it entered this store (RFC 3339). */
  added: string
  /** Image this one was built or committed on top of, if any. */
  parent?: Digest
  /** Digest of the OCI manifest we would save or push (uncompressed layers). */
  manifestDigest?: Digest
  /** `repository@digest` of the registry manifests it was pulled by or pushed as (Docker's RepoDigests). */
  repoDigests?: string[]
}

interface Repositories {
  tags: Record<string, Digest>
}

export function createImageRecords(layout: Layout): ImageRecords {
  const idsDir = `${layout.imagesDir}/ids`
  const recPath = (id: Digest) => `${idsDir}/${id.slice(7)}.json`

  const readRepos = async (): Promise<Repositories> => (await readJson<Repositories>(layout.repositories)) ?? { tags: {} }
  const writeRepos = (r: Repositories) => writeFileAtomic(layout.repositories, JSON.stringify(r, null, 1))

  const api = {
    async get(id: Digest): Promise<ImageRecord | undefined> {
      return readJson<ImageRecord>(recPath(id))
    },
    /**
     * Writes the record (unless there is one: the first `added` stays) and points `tags` at it;
     * returns, per tag, the image it pointed to before if another.
     */
    async add(rec: ImageRecord, tags: string[] = []): Promise<(Digest | undefined)[]> {
      return withLock(layout, 'tags', async () => {
        if (!(await readJson<ImageRecord>(recPath(rec.id)))) await writeFileAtomic(recPath(rec.id), JSON.stringify(rec))
        if (tags.length === 0) return []
        const r = await readRepos()
        const before = tags.map((t) => (r.tags[t] !== rec.id ? r.tags[t] : undefined))
        for (const t of tags) r.tags[t] = rec.id
        await writeRepos(r)
        return before
      })
    },
    async list(): Promise<ImageRecord[]> {
      const names = await readdir(idsDir).catch(() => [] as string[])
      const out: ImageRecord[] = []
      for (const n of names) {
        if (!n.endsWith('.json') || !isDigest(`sha256:${n.slice(0, -5)}`)) continue
        const r = await readJson<ImageRecord>(`${idsDir}/${n}`)
        if (r) out.push(r)
      }
      return out
    },
    /**
     * Deletes image `id` with its tags `expected` (those the caller decided on), unless another
     * tag points at it by now (added concurrently): then only `expected` tags are removed and
     * the record stays. Returns what was done.
     */
    async remove(id: Digest, expected: string[] = []): Promise<{ untagged: string[]; deleted: boolean }> {
      return withLock(layout, 'tags', async () => {
        const r = await readRepos()
        const untagged = expected.filter((t) => r.tags[t] === id)
        for (const t of untagged) delete r.tags[t]
        if (untagged.length > 0) await writeRepos(r)
        if (Object.values(r.tags).includes(id)) return { untagged, deleted: false }
        await rm(recPath(id), { force: true })
        return { untagged, deleted: true }
      })
    },
    /** Records `repository@digest` as one of image `id`'s RepoDigests (one per repository: the latest). */
    async addRepoDigest(id: Digest, repoDigest: string): Promise<void> {
      await withLock(layout, 'tags', async () => {
        const rec = await readJson<ImageRecord>(recPath(id))
        if (!rec) throw new StoreError(Codes.IMAGE_NOT_FOUND, `No such image: ${id}`, { data: { image: id } })
        const repo = repoDigest.slice(0, repoDigest.lastIndexOf('@'))
        const others = (rec.repoDigests ?? []).filter((d) => d.slice(0, d.lastIndexOf('@')) !== repo)
        await writeFileAtomic(recPath(id), JSON.stringify({ ...rec, repoDigests: [...others, repoDigest].sort() }))
      })
    },
    async tags(): Promise<Record<string, Digest>> {
      return (await readRepos()).tags
    },
    async tagsOf(id: Digest): Promise<string[]> {
      const t = await api.tags()
      return Object.keys(t).filter((k) => t[k] === id).sort()
    },
    /** Point `name:tag` at `id`; returns the image the tag pointed to before, if another. */
    async tag(id: Digest, ref: string): Promise<Digest | undefined> {
      return withLock(layout, 'tags', async () => {
        // Checked under the lock: an rmi or gc deletes records under it too.
        if (!(await readJson<ImageRecord>(recPath(id)))) {
          throw new StoreError(Codes.IMAGE_NOT_FOUND, `No such image: ${id}`, { data: { image: id } })
        }
        const r = await readRepos()
        const before = r.tags[ref]
        r.tags[ref] = id
        await writeRepos(r)
        return before !== id ? before : undefined
      })
    },
    async untag(ref: string): Promise<Digest | undefined> {
      return withLock(layout, 'tags', async () => {
        const r = await readRepos()
        const id = r.tags[ref]
        if (id === undefined) return undefined
        delete r.tags[ref]
        await writeRepos(r)
        return id
      })
    },
    /**
     * Find an image by full ID, `sha256:` prefix, ID prefix, name[:tag] or name@digest.
     * As in Docker, a name is tried before an ID prefix.
     */
    async resolve(s: string): Promise<Digest | undefined> {
      if (isDigest(s)) return (await api.get(s)) ? s : undefined
      const tags = await api.tags()
      let ref
      try {
        ref = parseReference(s)
      } catch {
        ref = undefined
      }
      if (ref && !ref.digest) {
        const id = tags[tagged(ref)]
        if (id) return id
      }
      if (ref?.digest) {
        for (const rec of await api.list()) {
          if (rec.manifestDigest === ref.digest || rec.id === ref.digest || rec.repoDigests?.includes(`${ref.name}@${ref.digest}`)) return rec.id
        }
        return undefined
      }
      const hex = s.startsWith('sha256:') ? s.slice(7) : s
      if (/^[0-9a-f]{1,64}$/.test(hex)) {
        const names = await readdir(idsDir).catch(() => [] as string[])
        const hits = names.filter((n) => n.startsWith(hex) && n.endsWith('.json'))
        if (hits.length > 1) {
          throw new StoreError(Codes.IMAGE_AMBIGUOUS, `multiple IDs found with provided prefix: ${hex}`)
        }
        if (hits.length === 1) return digestFromHex(hits[0].slice(0, -5))
      }
      return undefined
    },
    async require(s: string): Promise<Digest> {
      const id = await api.resolve(s)
      if (!id) throw new StoreError(Codes.IMAGE_NOT_FOUND, `No such image: ${s}`, { data: { image: s } })
      return id
    },
  }
  return api
}

/** Image records and tags of one store (see createImageRecords()). */
export interface ImageRecords {
  get(id: Digest): Promise<ImageRecord | undefined>
  /**
   * Writes the record (unless there is one: the first `added` stays) and points `tags` at it
   * returns, per tag, the image it pointed to before if another.
   */
  add(rec: ImageRecord, tags?: string[]): Promise<(Digest | undefined)[]>
  list(): Promise<ImageRecord[]>
  /**
   * Deletes image `id` with its tags `expected` (those the caller decided on), unless another
   * tag points at it by now (added concurrently): then only `expected` tags are removed and
   * the record stays. Returns what was done.
   */
  remove(id: Digest, expected?: string[]): Promise<{
      untagged: string[]
      deleted: boolean
  }>
  /** Records `repository@digest` as one of image `id`'s RepoDigests (one per repository: the latest). */
  addRepoDigest(id: Digest, repoDigest: string): Promise<void>
  tags(): Promise<Record<string, Digest>>
  tagsOf(id: Digest): Promise<string[]>
  /** Point `name:tag` at `id`; returns the image the tag pointed to before, if another. */
  tag(id: Digest, ref: string): Promise<Digest | undefined>
  untag(ref: string): Promise<Digest | undefined>
  /**
   * Find an image by full ID, `sha256:` prefix, ID prefix, name[:tag] or name@digest.
   * As in Docker, a name is tried before an ID prefix.
   */
  resolve(s: string): Promise<Digest | undefined>
  require(s: string): Promise<Digest>
}

export { shortId }
