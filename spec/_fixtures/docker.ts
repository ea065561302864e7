// The real Docker engine for a spec (Debian's docker.io: dockerd 20.10 and the containerd it
// starts), kept wholly inside the spec's temp dir: its data root, exec root, socket, pid file
// and trust key (its own daemon.json names it) are there, and it runs in a mount namespace of
// its own with a fresh tmpfs on /run (containerd puts its shims' sockets in /run/containerd
// whatever it is told), so its mounts and sockets never reach the host and end with it. No
// iptables, no bridge: containers run with --network none. Stopped with SIGTERM.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { needTool, unavailable } from './requires.js'

export const DOCKERD = '/usr/sbin/dockerd'
/** The client from the same package (the daemon's own API version). */
export const DOCKER = '/usr/bin/docker'

export function dockerUnavailable(): string | undefined {
  return unavailable('Docker interop specs', needTool([DOCKERD], 'docker.io') ?? needTool([DOCKER], 'docker.io') ?? needTool(['/usr/bin/unshare'], 'util-linux'))
}

export interface Docker {
  /** The environment the docker client needs to reach this engine (and keep its config here). */
  env: Record<string, string>
  /** `docker ARGS…`: status, stdout, stderr. */
  run(args: string[], o?: { cwd?: string }): { status: number | null; stdout: string; stderr: string }
  /** `docker ARGS…`, failing the spec on a non-zero exit; its stdout. */
  ok(args: string[], o?: { cwd?: string }): string
  stop(): Promise<void>
}

export async function startDocker(dir: string): Promise<Docker> {
  mkdirSync(dir, { recursive: true })
  const config = join(dir, 'daemon.json')
  writeFileSync(config, JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') }))
  const sock = join(dir, 'docker.sock')
  const dockerd = [
    DOCKERD, '--config-file', config, '--iptables=false', '--ip6tables=false', '--bridge=none',
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '-H', `unix://${sock}`, '--pidfile', join(dir, 'docker.pid'),
  ]
  const log = join(dir, 'dockerd.log')
  const child: ChildProcess = spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', `mount -t tmpfs -o mode=755 spec-run /run && exec "$@" >'${log}' 2>&1`, 'sh', ...dockerd], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'client'), DOCKER_BUILDKIT: '0' } as Record<string, string>
  const run = (args: string[], o: { cwd?: string } = {}) => {
    const r = spawnSync(DOCKER, args, { env, cwd: o.cwd, encoding: 'utf8', maxBuffer: 1 << 28 })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  // Ready when it answers on its socket (a few seconds: it starts containerd first).
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}) before it answered:\n${readLog(log)}`)
    if (run(['version', '--format', '{{.Server.Version}}']).status === 0) break
    if (i >= 300) {
      await stop()
      throw new Error(`dockerd did not answer in 60 s:\n${readLog(log)}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    env,
    run,
    ok(args, o) {
      const r = run(args, o)
      if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
      return r.stdout
    },
    stop,
  }
}

const readLog = (f: string) => {
  try {
    return readFileSync(f, 'utf8').split('\n').slice(-20).join('\n')
  } catch {
    return '(no log)'
  }
}
