// A RUN step: a container over the current layers with the step's shell, environment, working
// dir and user (host network, so package managers reach their mirrors); its writable layer
// becomes the step's layer. The command's output streams to `onOutput` as it is written.
// A heredoc script (`RUN <<EOF` with a `#!` body) is written to a temp file and bind-mounted
// read-only at its path under /dev/pipes, as BuildKit does: /dev is the container's own tmpfs,
// so the script never reaches the writable layer. Cancelling (`signal`, Ctrl-C) kills the
// container at once, whatever the command does with SIGINT.

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { RunConfig } from '../image/model.js'
import { addLayer, type AddedLayer } from '../image/create.js'
import { changesTar, type LayerRecord, type TreeTarOptions } from '../layer/index.js'
import { createOver } from '../container/create.js'
import { supervise } from '../container/start.js'
import { killContainer, removeContainer } from '../container/lifecycle.js'
import { containerChanges } from '../container/changes.js'
import { containerLogs } from '../container/logs.js'
import type { ContainerMount } from '../container/types.js'

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
}

/** The error of a build stopped by the user (Ctrl-C); BuildKit's words. Exit 130, as a shell's. */
export function canceledError(): StoreError {
  return new StoreError(Codes.CANCELED, 'failed to solve: Canceled: context canceled', { exit: 130 })
}

export async function runStep(store: Store, o: RunStepOptions): Promise<AddedLayer> {
  if (o.signal?.aborted) throw canceledError()
  let scriptDir: string | undefined
  const mounts: ContainerMount[] = []
  try {
    if (o.inlineFile) {
      // Under the store root (not /tmp): same file system, and never a noexec mount.
      scriptDir = await mkdtemp(`${store.layout.ingestDir}/run-`)
      const file = `${scriptDir}/script`
      await writeFile(file, o.inlineFile.data)
      await chmod(file, o.inlineFile.mode)
      mounts.push({ type: 'bind', source: file, destination: o.inlineFile.path, readonly: true, propagation: '' })
    }
    const rec = await createOver(
      store,
      { image: '', imageRef: '<build>', config: { ...o.config, Entrypoint: null, Cmd: null }, layers: o.layers },
      { image: '', cmd: o.argv, env: o.env, workdir: o.config.WorkingDir || '/', user: o.config.User ?? '', network: 'host', hostEnv: {}, mounts },
    )
    // Tail the log from the moment the process runs until it has ended and been drained.
    let tail: Promise<void> = Promise.resolve()
    const follow = async () => {
      for await (const b of containerLogs(store, rec, true)) o.onOutput?.(b)
    }
    let running = false
    const kill = () => void killContainer(store, rec, 'SIGKILL').catch(() => {})
    const onAbort = () => running && kill()
    o.signal?.addEventListener('abort', onAbort)
    try {
      if (o.signal?.aborted) throw canceledError()
      const code = await supervise(store, rec, {
        stdio: 'log',
        onRunning: () => {
          running = true
          // Aborted between the spawn and now: the listener saw nothing to kill yet.
          if (o.signal?.aborted) kill()
          tail = follow()
        },
      })
      await tail.catch(() => {})
      if (o.signal?.aborted) throw canceledError()
      if (code !== 0) {
        throw new StoreError(Codes.BUILD_FAILED, `The command '${o.display}' returned a non-zero code: ${code}`, { data: { exitCode: code }, exit: 1 })
      }
      const changes = await containerChanges(store, rec)
      const parent = o.layers.length > 0 ? o.layers[o.layers.length - 1].chainId : null
      return await addLayer(store, parent, changesTar(changes, o.tar))
    } finally {
      o.signal?.removeEventListener('abort', onAbort)
      await removeContainer(store, rec, { force: true }).catch(() => {})
    }
  } finally {
    if (scriptDir) await rm(scriptDir, { recursive: true, force: true })
  }
}
