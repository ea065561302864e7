// Running the few external tools the drivers need (mount, umount, cp, getfattr, fuse-overlayfs).
// Node has no mount(2), mknod(2) or xattr API, so these are spawned; each call is one short
// process and callers batch where a tree could make many (see _xattr.ts).

import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { Codes, StoreError } from './errors.js'
import { hostEnv } from './config.js'

export interface ExecResult {
  code: number
  stdout: Buffer
  stderr: string
}

export interface ExecOptions {
  cwd?: string
  input?: string
  /** Environment additions (the caller's environment is kept). */
  env?: Record<string, string>
}

/** Run a program to completion; never throws for a non-zero status (ENOENT becomes code 127). */
export function exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...hostEnv(), ...opts.env } : hostEnv(),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    p.stdout!.on('data', (b: Buffer) => out.push(b))
    p.stderr!.on('data', (b: Buffer) => err.push(b))
    if (opts.input !== undefined) p.stdin!.end(opts.input)
    p.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') resolve({ code: 127, stdout: Buffer.alloc(0), stderr: `${cmd}: not found` })
      else reject(e)
    })
    p.on('close', (code, signal) => {
      resolve({ code: code ?? 128 + (signal ? signalNumber(signal) : 0), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() })
    })
  })
}

/** Run a program; a non-zero status becomes a StoreError naming the command and its stderr. */
export async function execOk(cmd: string, args: string[], opts: ExecOptions & { code?: string; what?: string } = {}): Promise<Buffer> {
  const r = await exec(cmd, args, opts)
  if (r.code !== 0) {
    const what = opts.what ?? `${cmd} ${args.join(' ')}`
    throw new StoreError(opts.code ?? Codes.DRIVER_UNAVAILABLE, `${what} failed (status ${r.code}): ${r.stderr.trim()}`, {
      data: { cmd, args, status: r.code, stderr: r.stderr },
    })
  }
  return r.stdout
}

/** Quote one word for /bin/sh: single quotes, with embedded ones closed and escaped. */
export function shQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/** Linux signal number of a Node signal name (0 when unknown). */
export function signalNumber(name: string): number {
  return (constants.signals as Record<string, number>)[name] ?? 0
}
