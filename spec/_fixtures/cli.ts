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

/** Run `store` asynchronously (for concurrency tests). */
export function storeAsync(root: string, args: string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--', BIN, '--root', root, ...args], { env: { ...process.env, ...opts.env } })
    const out: Buffer[] = []
    const err: Buffer[] = []
    p.stdout.on('data', (b) => out.push(b))
    p.stderr.on('data', (b) => err.push(b))
    p.on('close', (code) => {
      const o = Buffer.concat(out)
      res({ status: code ?? 128, stdout: o.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes: o })
    })
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
