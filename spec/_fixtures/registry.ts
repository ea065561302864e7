// A real distribution registry (Debian's docker-registry) for a spec: its own storage folder in
// the spec's temp dir, on 127.0.0.1 at a port the kernel picks (the registry logs which), plain
// HTTP. Stopped with SIGTERM as a direct child of the test.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { needTool, unavailable } from './requires.js'

export const REGISTRY = '/usr/bin/docker-registry'

export function registryUnavailable(): string | undefined {
  return unavailable('registry specs', needTool([REGISTRY], 'docker-registry') ?? needTool(['/usr/bin/skopeo'], 'skopeo'))
}

export interface Registry {
  /** 127.0.0.1:PORT */
  host: string
  /** Where it keeps blobs and manifests (docker/registry/v2/…). */
  storage: string
  stop(): Promise<void>
}

export async function startRegistry(dir: string): Promise<Registry> {
  const storage = join(dir, 'registry-data')
  mkdirSync(storage, { recursive: true })
  const config = join(dir, 'registry.yml')
  writeFileSync(config, [
    'version: 0.1', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, '  delete:', '    enabled: true',
    'http:', '  addr: 127.0.0.1:0', '  secret: spec-only-secret', 'log:', '  level: info', '  accesslog:', '    disabled: true', '',
  ].join('\n'))
  const child: ChildProcess = spawn(REGISTRY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  const host = await new Promise<string>((resolve, reject) => {
    let text = ''
    child.stderr!.on('data', (b: Buffer) => {
      text += b.toString()
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(text)
      if (m) resolve(m[1])
    })
    child.on('exit', (code) => reject(new Error(`docker-registry exited (${code}) before it listened:\n${text}`)))
  })
  child.stderr!.resume()
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  // It answers once it listens; one request proves it.
  const r = await fetch(`http://${host}/v2/`)
  if (r.status !== 200) {
    await stop()
    throw new Error(`the registry at ${host} answered ${r.status}`)
  }
  return { host, storage, stop }
}
