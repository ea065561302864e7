// A RUN step: a container over the current layers with the step's shell, environment, working
// dir and user, on the launcher the build names (`--runtime`, default the built-in one), with
// the security defaults of `store run`; its writable layer becomes the step's layer, and its
// snapshot too (commitStoreSnapshot: the container's files become the snapshot's, so the next
// step extracts nothing; the container is never started again (store start refuses a build's)
// and its build removes it, so its inodes may be taken). The
// command's output streams to `onOutput` as it is written.
// Network: as root the default bridge by default (a namespace of its own, NAT to the outside;
// package managers reach their mirrors), the host's with `--network=host` or rootless, or with
// `none` a network namespace of its own with only a loopback.
// The step's own temp dir (under the store root: same file system as the snapshots, never a
// noexec mount; 0700) holds the host side of its mounts: a heredoc script (`RUN <<EOF` with a
// `#!` body, bind-mounted read-only at its path under /dev/pipes as BuildKit does: /dev is the
// container's own tmpfs, so it never reaches the writable layer) and the RUN --mount sources
// (runMount/). Mount points never reach the layer (runMount/mountpoints.ts). Cancelling
// (`signal`, Ctrl-C) kills the container at once, whatever the command does with SIGINT.

import { chmod, lstat, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { RunConfig } from '../image/model.js'
import { addLayer, type AddedLayer } from '../image/create.js'
import { changesTar, type LayerRecord, type TreeTarOptions } from '../layer/index.js'
import { commitStoreSnapshot, discardStoreCommit, startStoreCommit, storeSnapshots } from '../container/snapshots.js'
import { WritableFiles, type CommitStart } from '../snapshot/index.js'
import { mergedView } from '../driver/index.js'
import { createOver } from '../container/create.js'
import { supervise } from '../container/start.js'
import { killContainer, removeContainer } from '../container/lifecycle.js'
import { containerChanges } from '../container/changes.js'
import { containerLogs } from '../container/logs.js'
import type { ContainerMount } from '../container/types.js'
import type { LauncherName } from '../runtime/types.js'
import { mountpointPaths, withoutMountpoints, type StepMounts } from './runMount/index.js'

export interface RunStepOptions {
  layers: LayerRecord[]
  config: RunConfig
  argv: string[]
  /** Environment for the process: config Env plus ARG values. */
  env: string[]
  /** Shown in the error: the command as written. */
  display: string
  /** A script the command runs: written to `path` (inside the container) with `mode`. */
  inlineFile?: { path: string; data: string; mode: number }
  onOutput?: (b: Uint8Array) => void
  tar?: TreeTarOptions
  signal?: AbortSignal
  /** `store build --runtime`; default the built-in launcher. */
  launcher?: LauncherName
  /** `RUN --network`: 'none' (loopback only), the default bridge, or the host's (default). */
  network?: 'host' | 'none' | 'bridge'
  /** `RUN --mount`s, planned (runMount/). */
  mounts?: StepMounts
  /** Where the step leaves its container's removal, for a moment the build would only wait. */
  later?: Later
}

/**
 * Work a build puts off to a moment its main thread would only wait: while the next RUN's
 * command runs (a finished RUN's container is thousands of names after a package install, a
 * second of unlinks that then overlaps the command on the other core), or the build's end.
 * Nothing is left for later than `drain()`, which the build awaits in any case.
 */
export class Later {
  private readonly queue: (() => Promise<void>)[] = []
  private running: Promise<void> | undefined

  add(work: () => Promise<void>): void {
    this.queue.push(work)
  }

  /** Runs what is queued (and what is added meanwhile); calls while it runs share it. */
  drain(): Promise<void> {
    this.running ??= (async () => {
      for (let w = this.queue.shift(); w; w = this.queue.shift()) await w().catch(() => {})
    })().finally(() => (this.running = undefined))
    return this.running
  }
}

/** The error of a build stopped by the user (Ctrl-C); BuildKit's words. Exit 130, as a shell's. */
export function canceledError(): StoreError {
  return new StoreError(Codes.CANCELED, 'failed to solve: Canceled: context canceled')
}

export async function runStep(store: Store, o: RunStepOptions): Promise<AddedLayer> {
  if (o.signal?.aborted) throw canceledError()
  const stepDir = await mkdtemp(`${store.layout.ingestDir}/run-`)
  const mounts: ContainerMount[] = []
  let releaseMounts: (() => Promise<void>) | undefined
  let started: CommitStart | undefined
  try {
    if (o.inlineFile) {
      const file = `${stepDir}/script`
      await writeFile(file, o.inlineFile.data)
      await chmod(file, o.inlineFile.mode)
      mounts.push({ type: 'bind', source: file, destination: o.inlineFile.path, readonly: true, propagation: '' })
    }
    if (o.mounts) {
      const prepared = await o.mounts.prepare(stepDir)
      releaseMounts = prepared.release
      mounts.push(...prepared.mounts)
    }
    const rec = await createOver(
      store,
      { image: '', imageRef: '<build>', config: { ...o.config, Entrypoint: null, Cmd: null }, layers: o.layers },
      {
        image: '', cmd: o.argv, env: o.env, workdir: o.config.WorkingDir || '/', user: o.config.User ?? '', network: o.network ?? 'host',
        hostEnv: {}, mounts, ...(o.launcher ? { launcher: o.launcher } : {}),
      },
    )
    // Tail the log from the moment the process runs until it has ended and been drained.
    let tail: Promise<void> = Promise.resolve()
    const follow = async () => {
      for await (const b of containerLogs(store, rec, { follow: true })) o.onOutput?.(b.data)
    }
    let running = false
    const kill = () => void killContainer(store, rec, 'SIGKILL').catch(() => {})
    const onAbort = () => running && kill()
    o.signal?.addEventListener('abort', onAbort)
    try {
      if (o.signal?.aborted) throw canceledError()
      // The new snapshot's tree (the chain below, in the data-only form) starts copying now, on
      // the other core while the command runs, instead of after the layer is ingested.
      started = await startStoreCommit(store, o.layers)
      const code = await supervise(store, rec, {
        stdio: 'log',
        onRunning: () => {
          running = true
          // The command runs: the earlier steps' removals go now, beside it.
          if (o.later) setImmediate(() => void o.later!.drain())
          // Aborted between the spawn and now: the listener saw nothing to kill yet.
          if (o.signal?.aborted) kill()
          tail = follow()
        },
      })
      await tail.catch(() => {})
      if (o.signal?.aborted) throw canceledError()
      if (code !== 0) {
        throw new StoreError(Codes.BUILD_FAILED, `The command '${o.display}' returned a non-zero code: ${code}`, { data: { exitCode: code } })
      }
      let changes = await containerChanges(store, rec)
      if (mounts.length > 0) {
        const view = mergedView((await storeSnapshots(store, o.layers)).dirs.reverse())
        const targets = (await Promise.all(mounts.map((m) => mountpointPaths(view, m.destination)))).flat()
        changes = await withoutMountpoints(changes, targets, async (c) => {
          const [now, before] = [await lstat(c.source, { bigint: true }), (await view.lookup(c.path))?.stat]
          return before !== undefined && now.mode === before.mode && now.uid === before.uid && now.gid === before.gid
        })
      }
      const parent = o.layers.length > 0 ? o.layers[o.layers.length - 1].chainId : null
      const files = await WritableFiles.scan({ changes, disposable: true })
      try {
        const added = await addLayer(store, parent, changesTar(changes, o.tar))
        const use = started
        started = undefined
        await commitStoreSnapshot(store, [...o.layers, added.record], files, use)
        return added
      } finally {
        files.close()
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort)
      const remove = () => removeContainer(store, rec, { force: true }).catch(() => {})
      if (o.later) o.later.add(remove)
      else await remove()
    }
  } finally {
    await discardStoreCommit(started) // a failed or cancelled step's
    await releaseMounts?.()
    await rm(stepDir, { recursive: true, force: true })
  }
}
