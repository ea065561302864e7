// RUN --mount=type=bind: `source` (default `/`) of the build context, or of a stage or image
// (`from`), at `target`; read-only unless `rw`, and then the writes go to a private copy that
// is dropped with the step (BuildKit's ForceNoOutput). The source is resolved inside its root
// (resolvePath.ts); what .dockerignore excludes is not there, as in BuildKit's context.
// Cache key: a context source by its content (names, modes, owners, file digests: hashed like
// COPY's, so a changed file misses); a stage or image source by its top chainID and the path.
// What the step gets: a context source is copied (cloned where the fs can) into the step's
// temp dir; a stage's dir is materialised from its snapshots, as hard links when read-only (no
// file data moves), as copies when `rw`; a stage's single file is bound as it is (read-only).
// A data-only stage (one metadata-only tree over the pool, lib/snapshot/) read-only is mounted
// by the kernel instead: a read-only overlay of the tree's dir over the pool (no data moves,
// and the stubs' bytes are read where they are); `rw`, or a single file, gets copies.

import { constants } from 'node:fs'
import { chmod, copyFile, lchown, lstat as lstatAsync, rm, utimes } from 'node:fs/promises'
import { Codes, StoreError } from '../../errors.js'
import { mergedView } from '../../driver/index.js'
import { storeSnapshots } from '../../container/snapshots.js'
import type { RunMountSpec } from '../parser/index.js'
import { walkSource } from '../context.js'
import { copyTree, type TreeEntry } from './copyTree.js'
import { hostRoot, resolveInRoot, viewRoot } from './resolvePath.js'
import { dataOnlyMount } from './dataOnly.js'
import type { MountSources, PlannedMount } from './types.js'

type BindSpec = Extract<RunMountSpec, { type: 'bind' }>

/** COPY's words for a missing source (BuildKit's for both). */
export function sourceNotFound(path: string): StoreError {
  return new StoreError(Codes.BUILD_FAILED, `failed to compute cache key: failed to calculate checksum of ref: "${path}": not found`)
}

export async function planBind(spec: BindSpec, src: MountSources, name: string): Promise<PlannedMount> {
  const mount = (source: string) => ({ type: 'bind' as const, source, destination: spec.target, readonly: spec.readonly, propagation: '' })
  if (spec.from === undefined) {
    const ctx = src.context
    if (!ctx) throw new StoreError(Codes.BUILD_FAILED, 'RUN --mount=type=bind failed: no build context (the Dockerfile came from stdin)')
    const r = await resolveInRoot(hostRoot(ctx), spec.source)
    if (r.kind === 'missing' || (r.rel !== '' && src.ignore(r.rel, r.kind === 'dir'))) throw sourceNotFound(spec.source)
    const abs = r.rel ? `${ctx}/${r.rel}` : ctx
    const entries: TreeEntry[] = [{ name: '', abs, stat: await lstatAsync(abs) }]
    if (r.kind === 'dir') {
      for await (const c of walkSource(ctx, r.rel, src.ignore)) entries.push({ name: r.rel ? c.rel.slice(r.rel.length + 1) : c.rel, abs: c.abs, stat: c.stat })
    }
    const digest = await src.hasher.digestOf(entries)
    return {
      key: JSON.stringify(['bind', 'context', r.rel, digest, spec.target, spec.readonly]),
      async prepare(dir) {
        const to = `${dir}/${name}`
        await copyTree(entries, to)
        return { mounts: [mount(to)] }
      },
    }
  }
  const { layers, key } = await src.resolveFrom(spec.from)
  const lowers = (await storeSnapshots(src.store, layers)).dirs.reverse()
  const view = mergedView(lowers)
  const r = await resolveInRoot(viewRoot(view), spec.source)
  if (r.kind === 'missing') throw sourceNotFound(spec.source)
  return {
    key: JSON.stringify(['bind', key, r.rel, spec.target, spec.readonly]),
    async prepare(dir) {
      const to = `${dir}/${name}`
      if (r.kind !== 'dir') {
        const e = (await view.lookup(r.rel))!
        if (spec.readonly && !e.content) return { mounts: [mount(e.path)] }
        // A stub's bytes are in the pool, its metadata on the stub: a copy with both.
        await copyFile(e.content ?? e.path, to, constants.COPYFILE_FICLONE)
        if (e.content) {
          await lchown(to, Number(e.stat.uid), Number(e.stat.gid))
          await chmod(to, Number(e.stat.mode & 0o7777n))
          await utimes(to, Number(e.stat.atimeNs) / 1e9, Number(e.stat.mtimeNs) / 1e9)
        }
        return { mounts: [mount(to)] }
      }
      const overlay = spec.readonly ? await dataOnlyMount(lowers, r.rel, dir, name) : undefined
      if (overlay) return { mounts: [{ ...mount(''), ...overlay }] }
      try {
        await view.materialise(r.rel, to, { link: spec.readonly })
      } catch (e) {
        if (!spec.readonly) throw e
        // Hard links need the snapshots and the temp dir on one file system: copy otherwise.
        await rm(to, { recursive: true, force: true })
        await view.materialise(r.rel, to)
      }
      return { mounts: [mount(to)] }
    },
  }
}
