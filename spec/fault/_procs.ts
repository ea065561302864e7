// Processes and mounts a fault spec starts, and nothing else: every child is tracked by pid and
// killed (SIGKILL, by that pid) in afterEach if still running; mounts are unmounted by path.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { BIN, type CliResult } from '../_fixtures/cli.js'

export interface Run {
  child: ChildProcess
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>
}

const live = new Set<ChildProcess>()

/** Starts `store --root root ...args`; a run longer than `timeoutMs` is killed and fails. */
export function startStore(root: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Run {
  const child = spawn(process.execPath, ['--', BIN, '--root', root, ...args], { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
  live.add(child)
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout!.on('data', (b) => out.push(b))
  child.stderr!.on('data', (b) => err.push(b))
  child.stdin!.on('error', () => {})
  child.stdin!.end(opts.input ?? '')
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, opts.timeoutMs ?? 60_000)
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      live.delete(child)
      const o = Buffer.concat(out)
      const stderr = Buffer.concat(err).toString() + (timedOut ? `\n[hung: store ${args.join(' ')} was killed after ${opts.timeoutMs ?? 60_000} ms]` : '')
      resolve({ status: code ?? 128, stdout: o.toString(), stderr, stdoutBytes: o, signal: timedOut ? null : signal })
    })
  })
  return { child, done }
}

/** Runs a store command to its end. */
export const store = (root: string, args: string[], opts: Parameters<typeof startStore>[2] = {}) => startStore(root, args, opts).done

/** Runs a store command and kills it with SIGKILL after `ms` if it is still running. */
export async function killAfter(root: string, args: string[], ms: number, opts: Parameters<typeof startStore>[2] = {}) {
  const r = startStore(root, args, opts)
  const timer = setTimeout(() => r.child.kill('SIGKILL'), ms)
  const res = await r.done
  clearTimeout(timer)
  return { ...res, killed: res.signal === 'SIGKILL' }
}

/** afterEach: kill what is still running (only our own children, by pid). */
export async function stopAll(): Promise<void> {
  const waits = [...live].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('close', r))))
  for (const c of live) c.kill('SIGKILL')
  await Promise.all(waits)
}

/** Mount points at or below dir in our mount namespace, deepest first. */
export function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length)
}

/** afterEach: unmount everything at or below dir (what a spec mounted, or a killed run left). */
export function unmountBelow(dir: string): void {
  for (const p of mountsBelow(dir)) spawnSync('umount', ['-l', p])
}
