// Drive the BUILT binary without blocking the test worker: long end-to-end files made of
// spawnSync calls starve vitest's own messages ("Timeout calling onTaskUpdate"). A command
// that outlives its time limit is killed, so a hung CLI fails its test instead of the run.

import { spawn } from 'node:child_process'
import { BIN, type CliResult } from './cli.js'

export interface StoreRunOptions {
  cwd?: string
  input?: string | Buffer
  /** Kill the command (SIGKILL) after this long; default 30 s. */
  timeoutMs?: number
  /** Added to (or replacing in) the environment of this process. */
  env?: Record<string, string>
}

/** Run `store --root <root> ...args` and collect its output. */
export function storeIn(root: string, args: string[], o: StoreRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, '--root', root, ...args], { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env } })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      p.kill('SIGKILL')
    }, o.timeoutMs ?? 30_000)
    p.stdout.on('data', (b: Buffer) => out.push(b))
    p.stderr.on('data', (b: Buffer) => err.push(b))
    p.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    p.on('close', (code, signal) => {
      clearTimeout(timer)
      const o2 = Buffer.concat(out)
      const stderr = Buffer.concat(err).toString() + (timedOut ? `\n[killed: store ${args.join(' ')} ran longer than ${o.timeoutMs ?? 30_000} ms]\n` : '')
      resolve({ status: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout: o2.toString(), stderr, stdoutBytes: o2 })
    })
    p.stdin.end(o.input ?? '')
  })
}
