// Shared helpers for the runtime specs: a busybox root, a spec for it, a run that captures
// stdout and stderr through files (the detached-container stdio path).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { launch, type LaunchRequest, type LauncherName, type OciSpec } from '../../lib/runtime/index.js'
import type { MountStep } from '../../lib/driver/index.js'

export const ID = 'a'.repeat(64)

export interface RunOptions {
  launcher?: LauncherName
  stdin?: string
  env?: string[]
  cwd?: string
  uid?: number
  gid?: number
  additionalGids?: number[]
  hostname?: string
  readonly?: boolean
  network?: 'host' | 'none'
  mounts?: OciSpec['mounts']
  rlimits?: OciSpec['process']['rlimits']
  rootfsSteps?: MountStep[]
  terminal?: boolean
  onSpawn?: (pid: number) => void
}

export function specFor(rootfs: string, args: string[], o: RunOptions = {}): OciSpec {
  const namespaces: OciSpec['linux']['namespaces'] = [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }]
  if ((o.network ?? 'none') === 'none') namespaces.push({ type: 'network' })
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: o.terminal ?? false,
      user: { uid: o.uid ?? 0, gid: o.gid ?? 0, additionalGids: o.additionalGids },
      args,
      env: o.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: o.cwd ?? '/',
      rlimits: o.rlimits,
    },
    root: { path: rootfs, readonly: o.readonly ?? false },
    hostname: o.hostname ?? 'box',
    mounts: o.mounts ?? [],
    linux: { namespaces },
  }
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Run args in the root with a fresh bundle under `tmp`; stdout/stderr captured. */
export async function run(tmp: string, rootfs: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  const bundle = mkdtempSync(join(tmp, 'bundle-'))
  const out = join(bundle, 'out.log')
  const err = join(bundle, 'err.log')
  writeFileSync(out, '')
  writeFileSync(err, '')
  let stdin: string | undefined
  if (o.stdin !== undefined) {
    stdin = join(bundle, 'stdin')
    writeFileSync(stdin, o.stdin)
  }
  const req: LaunchRequest = {
    bundleDir: bundle,
    id: ID,
    spec: specFor(rootfs, args, o),
    rootfsSteps: o.rootfsSteps ?? [],
    stdio: { kind: 'files', stdin, stdout: out, stderr: err },
    onSpawn: o.onSpawn,
  }
  const r = await launch(req, o.launcher ?? 'builtin')
  return { exitCode: r.exitCode, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') }
}
