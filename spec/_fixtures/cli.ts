// Drive the BUILT binary as a user would: `node dist/cli/main.js --root <temp> ...`.
// `npm run build` must have run (the README's test command does it first).

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const BIN = resolve(new URL('../../dist/cli/main.js', import.meta.url).pathname)

export interface CliResult {
  status: number
  stdout: string
  stderr: string
  stdoutBytes: Buffer
}

export function requireBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the end-to-end specs`)
}

/** Run `store` synchronously. */
export function store(root: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, ['--', BIN, '--root', root, ...args], {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    maxBuffer: 1 << 30,
  })
  return { status: r.status ?? 128, stdout: r.stdout.toString(), stderr: r.stderr.toString(), stdoutBytes: r.stdout }
}

export interface StoreRunOptions {
  cwd?: string
  input?: string | Buffer
  /** Kill the command (SIGKILL) after this long; default 120 s. */
  timeoutMs?: number
  /** Added to (or replacing in) the environment of this process. */
  env?: Record<string, string>
}

/**
 * Run `store --root <root> ...args` without blocking the test worker (long end-to-end files
 * made of spawnSync calls starve vitest's own messages, "Timeout calling onTaskUpdate"), and
 * collect its output. A command that outlives `timeoutMs` is killed, so a hung CLI fails its
 * test instead of the run. `--` before the script: Node 24 would otherwise read a container's
 * `--env-file` as its own option (nodejs/node#54232).
 */
export function storeIn(root: string, args: string[], o: StoreRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const limit = o.timeoutMs ?? 120_000
    const p = spawn(process.execPath, ['--', BIN, '--root', root, ...args], { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env } })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      p.kill('SIGKILL')
    }, limit)
    p.stdout.on('data', (b: Buffer) => out.push(b))
    p.stderr.on('data', (b: Buffer) => err.push(b))
    p.stdin.on('error', () => {}) // a container that never reads its stdin
    p.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    p.on('close', (code, signal) => {
      clearTimeout(timer)
      const stdout = Buffer.concat(out)
      const stderr = Buffer.concat(err).toString() + (timedOut ? `\n[killed: store ${args.join(' ')} ran longer than ${limit} ms]\n` : '')
      resolve({ status: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout: stdout.toString(), stderr, stdoutBytes: stdout })
    })
    p.stdin.end(o.input ?? '')
  })
}

/** A temp dir for one test; call the returned cleanup in afterEach/finally. */
export function tempDir(prefix = 'store-spec-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function sh(cmd: string, cwd?: string): string {
  const r = spawnSync('/bin/sh', ['-c', cmd], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}
