// A real distribution registry (Debian's docker-registry) for a spec: its own storage folder in
// the spec's temp dir, on 127.0.0.1 at a port the kernel picks (the registry logs which), plain
// HTTP, or with `secure` TLS from a test CA made here by openssl (the client trusts it through
// NODE_EXTRA_CA_CERTS) and htpasswd's Basic auth. Stopped with SIGTERM as a direct child of the test.

import { spawn, type ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { needTool, unavailable } from './requires.js'

export const REGISTRY = '/usr/bin/docker-registry'

export function registryUnavailable(): string | undefined {
  return unavailable('registry specs', needTool([REGISTRY], 'docker-registry') ?? needTool(['/usr/bin/skopeo'], 'skopeo') ?? needTool(['/usr/bin/script'], 'bsdutils'))
}

/** The one user of a `secure` registry, and its password's bcrypt hash (fixed: a spec's input, made once with libxcrypt). */
export const USER = { username: 'alice', password: 'secret', bcrypt: '$2b$12$KyVZgAp053l6MxAAES1ScewH2AAWkwH5yIH8DOkovR4w8e/ZK.baq' }

export interface Registry {
  /** 127.0.0.1:PORT */
  host: string
  /** The test CA's certificate (PEM file) of a `secure` registry. */
  ca?: string
  /** Where it keeps blobs and manifests (docker/registry/v2/…). */
  storage: string
  stop(): Promise<void>
}

export async function startRegistry(dir: string, o: { secure?: boolean } = {}): Promise<Registry> {
  const storage = join(dir, 'registry-data')
  mkdirSync(storage, { recursive: true })
  const config = join(dir, 'registry.yml')
  const secure: string[] = []
  let ca: string | undefined
  if (o.secure) {
    const f = (n: string) => join(dir, n)
    const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' })
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=store spec CA')
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=127.0.0.1')
    writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n')
    ssl('x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('srv.pem'), '-days', '2', '-extfile', f('ext.cnf'))
    writeFileSync(f('htpasswd'), `${USER.username}:${USER.bcrypt}\n`)
    ca = f('ca.pem')
    secure.push('  tls:', `    certificate: ${f('srv.pem')}`, `    key: ${f('srv.key')}`, 'auth:', '  htpasswd:', '    realm: store-spec', `    path: ${f('htpasswd')}`)
  }
  writeFileSync(config, [
    'version: 0.1', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, '  delete:', '    enabled: true',
    'http:', '  addr: 127.0.0.1:0', '  secret: spec-only-secret', ...secure, 'log:', '  level: info', '  accesslog:', '    disabled: true', '',
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
  // It answers once it listens; one request proves it (a secure one asks for credentials).
  if (!o.secure) {
    const r = await fetch(`http://${host}/v2/`)
    if (r.status !== 200) {
      await stop()
      throw new Error(`the registry at ${host} answered ${r.status}`)
    }
  }
  return { host, storage, stop, ca }
}
