// The Docker engine the docker scenario compares with: the one `DOCKER_HOST` names, or else one
// it starts itself as TOOLS.md says (Debian's dockerd on its own socket, data root and exec root
// in the bench's temp folder, no iptables, no bridge) and stops afterwards. Builds use the
// legacy builder (DOCKER_BUILDKIT=0: Debian's engine has no buildx) with `--network host`.
// dockerd writes one file outside its roots, /etc/docker/key.json; it is removed again when
// this engine made it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { killUnder, unmountUnder } from './_leftovers.js'

export interface Engine {
  /** Environment for every `docker` command: DOCKER_HOST and the legacy builder. */
  env: Record<string, string>
  /** "dockerd 20.10.24+dfsg1 (overlay2), client 28.2.2". */
  version: string
  /** The engine's data root when it is on this machine (measured with du), else undefined. */
  dataRoot: string | undefined
  /** True when this bench started it (its data root then holds only this bench's images). */
  own: boolean
  /** Stops an engine this bench started and removes what it left; a no-op for DOCKER_HOST's. */
  stop(): Promise<string>
}

/** Why no engine can be used: the scenario prints it and exits non-zero. */
export class NoEngine extends Error {}

const KEY = '/etc/docker/key.json'

export function docker(env: Record<string, string>, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 })
  return { status: r.error ? -1 : r.status, stdout: r.stdout ?? '', stderr: r.stderr || r.error?.message || '' }
}

function describe(env: Record<string, string>): { version: string; root: string } | undefined {
  const v = docker(env, ['version', '--format', '{{.Server.Version}} {{.Client.Version}}'])
  const i = docker(env, ['info', '--format', '{{.Driver}} {{.DockerRootDir}}'])
  if (v.status !== 0 || i.status !== 0) return undefined
  const [server, client] = v.stdout.trim().split(' ')
  const [driver, root] = i.stdout.trim().split(' ')
  return { version: `dockerd ${server} (${driver}), client ${client}`, root }
}

export async function openEngine(work: string): Promise<Engine> {
  if (spawnSync('docker', ['--version']).status !== 0) throw new NoEngine('no docker client on PATH')
  const host = process.env.DOCKER_HOST
  if (host) {
    const env = { DOCKER_HOST: host, DOCKER_BUILDKIT: '0' }
    const d = describe(env)
    if (!d) throw new NoEngine(`DOCKER_HOST=${host} does not answer: ${docker(env, ['version']).stderr.trim()}`)
    return { env, version: d.version, dataRoot: existsSync(d.root) ? d.root : undefined, own: false, stop: async () => 'the engine of DOCKER_HOST is left running' }
  }
  if (process.getuid?.() !== 0) throw new NoEngine('DOCKER_HOST is not set and starting dockerd needs root')
  if (spawnSync('dockerd', ['--version']).status !== 0) throw new NoEngine('DOCKER_HOST is not set and there is no dockerd to start (apt-get install docker.io)')
  return startEngine(join(work, 'engine'))
}

async function startEngine(dir: string): Promise<Engine> {
  mkdirSync(dir, { recursive: true })
  const hadKey = existsSync(KEY)
  const log = join(dir, 'dockerd.log')
  const out = openSync(log, 'w')
  const sock = join(dir, 'docker.sock')
  const child: ChildProcess = spawn(
    'dockerd',
    ['--iptables=false', '--ip6tables=false', '--bridge=none', '--data-root', join(dir, 'data'), '-H', `unix://${sock}`, '--pidfile', join(dir, 'dockerd.pid'), '--exec-root', join(dir, 'exec')],
    { stdio: ['ignore', out, out] },
  )
  closeSync(out)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let gone = false
  void exited.then(() => (gone = true))

  const stop = async (): Promise<string> => {
    if (!gone) child.kill('SIGTERM')
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref())
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL')
      await exited
    }
    const killed = killUnder(dir)
    const unmounted = unmountUnder(dir)
    if (!hadKey) rmSync(KEY, { force: true })
    const notes = [`dockerd ${child.pid} stopped`]
    if (killed.length) notes.push(`killed its leftover processes ${killed.join(', ')}`)
    if (unmounted.length) notes.push(`unmounted ${unmounted.map((m) => m.slice(dir.length + 1)).join(', ')}`)
    return notes.join('; ')
  }

  const env = { DOCKER_HOST: `unix://${sock}`, DOCKER_BUILDKIT: '0' }
  for (let t0 = performance.now(); performance.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 250))) {
    if (gone) break
    const d = describe(env)
    if (d) return { env, version: d.version, dataRoot: join(dir, 'data'), own: true, stop }
  }
  const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n')
  await stop()
  throw new NoEngine(`dockerd did not start (${gone ? 'it exited' : 'no answer in 60 s'}); the end of its log:\n${tail}`)
}
