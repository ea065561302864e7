// A RUN step: a container over the current layers with the step's shell, environment, working
// dir and user (host network, so package managers reach their mirrors); its writable layer
// becomes the step's layer. The command's output streams to `onOutput` as it is written.

import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { RunConfig } from '../image/model.js'
import { addLayer, type AddedLayer } from '../image/create.js'
import { changesTar, type LayerRecord, type TreeTarOptions } from '../layer/index.js'
import { createOver } from '../container/create.js'
import { supervise } from '../container/start.js'
import { removeContainer } from '../container/lifecycle.js'
import { containerChanges } from '../container/changes.js'
import { containerLogs } from '../container/logs.js'

export interface RunStepOptions {
  layers: LayerRecord[]
  config: RunConfig
  argv: string[]
  /** Environment for the process: config Env plus ARG values. */
  env: string[]
  /** Shown in the error: the command as written. */
  display: string
  onOutput?: (b: Uint8Array) => void
  tar?: TreeTarOptions
}

export async function runStep(store: Store, o: RunStepOptions): Promise<AddedLayer> {
  const rec = await createOver(
    store,
    { image: '', imageRef: '<build>', config: { ...o.config, Entrypoint: null, Cmd: null }, layers: o.layers },
    { image: '', cmd: o.argv, env: o.env, workdir: o.config.WorkingDir || '/', user: o.config.User ?? '', network: 'host', hostEnv: {} },
  )
  // Tail the log from the moment the process runs until it has ended and been drained.
  let tail: Promise<void> = Promise.resolve()
  const follow = async () => {
    for await (const b of containerLogs(store, rec, true)) o.onOutput?.(b)
  }
  try {
    const code = await supervise(store, rec, { stdio: 'log', onRunning: () => (tail = follow()) })
    await tail.catch(() => {})
    if (code !== 0) {
      throw new StoreError(Codes.BUILD_FAILED, `The command '${o.display}' returned a non-zero code: ${code}`, { data: { exitCode: code }, exit: 1 })
    }
    const changes = await containerChanges(store, rec)
    const parent = o.layers.length > 0 ? o.layers[o.layers.length - 1].chainId : null
    return await addLayer(store, parent, changesTar(changes, o.tar))
  } finally {
    await removeContainer(store, rec, { force: true }).catch(() => {})
  }
}
