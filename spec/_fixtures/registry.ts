// A real distribution registry (Debian's docker-registry) for a spec: its own storage folder in
// the spec's temp dir, on 127.0.0.1 at a port the kernel picks (the registry logs which), plain
// HTTP, or with `secure` TLS from a test CA made here by openssl (the client trusts it through
// NODE_EXTRA_CA_CERTS) and htpasswd's Basic auth, or with `token` the registry's token auth:
// Bearer tokens from a token server in this process (Docker's token protocol: Basic credentials
// in, a JWT signed RS256 with a key whose certificate the registry trusts, its `access` granting
// what the scopes ask for). Stopped with SIGTERM as a direct child of the test.

import { spawn, type ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes, sign, X509Certificate } from 'node:crypto'
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
  /** A `token` registry's token requests, as its server saw them. */
  tokenRequests?: URL[]
}

export async function startRegistry(dir: string, o: { secure?: boolean; token?: boolean } = {}): Promise<Registry> {
  const storage = join(dir, 'registry-data')
  mkdirSync(storage, { recursive: true })
  const config = join(dir, 'registry.yml')
  const secure: string[] = []
  let ca: string | undefined
  let tokens: TokenServer | undefined
  if (o.token) {
    tokens = await startTokenServer(dir)
    secure.push('auth:', '  token:', `    realm: ${tokens.realm}`, '    service: store-spec', '    issuer: store-spec-issuer', `    rootcertbundle: ${tokens.cert}`)
  }
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
  }).catch(async (e: unknown) => {
    await tokens?.close()
    throw e
  })
  child.stderr!.resume()
  const stop = async () => {
    await tokens?.close()
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
  // It answers once it listens; one request proves it (a secure one asks for credentials).
  if (!o.secure && !o.token) {
    const r = await fetch(`http://${host}/v2/`)
    if (r.status !== 200) {
      await stop()
      throw new Error(`the registry at ${host} answered ${r.status}`)
    }
  }
  return { host, storage, stop, ca, ...(tokens ? { tokenRequests: tokens.requests } : {}) }
}

interface TokenServer {
  realm: string
  cert: string
  requests: URL[]
  close(): Promise<void>
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')

/** Docker's token server, as small as it gets: USER's Basic credentials, every scope granted. */
async function startTokenServer(dir: string): Promise<TokenServer> {
  const key = join(dir, 'token.key')
  const cert = join(dir, 'token.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=store spec token issuer'], { stdio: 'ignore' })
  const der = new X509Certificate(readFileSync(cert)).raw
  const signer = readFileSync(key)
  const requests: URL[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token')
    requests.push(url)
    const [user, pass] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':')
    if (user !== USER.username || pass !== USER.password) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }))
      return
    }
    const access = url.searchParams.getAll('scope').flatMap((s) => {
      const m = /^(repository):(.+):([a-z,*]+)$/.exec(s)
      return m ? [{ type: m[1], name: m[2], actions: m[3].split(',') }] : []
    })
    const now = Math.floor(Date.now() / 1000)
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] }))
    const claims = b64url(JSON.stringify({ iss: 'store-spec-issuer', sub: user, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }))
    const sig = b64url(sign('sha256', Buffer.from(`${head}.${claims}`), signer))
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${head}.${claims}.${sig}`, expires_in: 300 }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    realm: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    cert,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  }
}
