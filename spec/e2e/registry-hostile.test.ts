// End-to-end: what a registry says is not trusted. A real registry behind an HTTP proxy of this
// test that asks for Basic credentials and names another host (127.0.0.2) in its upload
// Locations: the credentials never go there. A registry played by this test: a manifest whose
// blob is named by something other than a sha256 digest is refused before anything is fetched
// or matched; a token answer that does not end is refused at a bound. And a repository whose
// name starts with "http" is a path under /v2/, not a URL.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { storeIn } from '../_fixtures/cli.js'
import { busyboxStore, storeOk } from '../_fixtures/containers.js'
import { registryUnavailable, startRegistry, type Registry } from '../_fixtures/registry.js'

const bx = busyboxStore('store-e2e-registry-hostile-')
const why = bx.why ?? registryUnavailable()
let reg: Registry
const servers: Server[] = []

beforeAll(async () => {
  if (why) return
  reg = await startRegistry(bx.dir)
})
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r))
  await reg?.stop()
})

/** An HTTP server of this test on `address`, port chosen by the kernel; closed after the file. */
async function serve(address: string, handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handle)
  servers.push(s)
  await new Promise<void>((r) => s.listen(0, address, r))
  return `${address}:${(s.address() as AddressInfo).port}`
}

/** Forwards a request to the real registry; `location` rewrites a Location header it answers. */
function forward(req: IncomingMessage, res: ServerResponse, location: (l: string) => string = (l) => l): void {
  const [host, port] = reg.host.split(':')
  const up = request({ host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: reg.host } }, (r) => {
    const headers = { ...r.headers }
    if (typeof headers.location === 'string') headers.location = location(headers.location)
    res.writeHead(r.statusCode ?? 502, headers)
    r.pipe(res)
  })
  up.on('error', () => res.destroy())
  req.pipe(up)
}

/** A Docker config (DOCKER_CONFIG) with credentials for `host`. */
function credentialsFor(host: string): Record<string, string> {
  const dir = join(bx.dir, `config-${host.replace(/[:.]/g, '-')}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }), { mode: 0o600 })
  return { DOCKER_CONFIG: dir }
}

describe.skipIf(why !== undefined)('a hostile registry', () => {
  test('credentials go to the registry that asked for them only: not to the other host its upload Locations name', async () => {
    const seen: { method: string; authorization?: string }[] = []
    const other = await serve('127.0.0.2', (req, res) => {
      seen.push({ method: req.method ?? '', authorization: req.headers.authorization })
      forward(req, res)
    })
    const front = await serve('127.0.0.1', (req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"', 'content-length': '0' })
        return res.end()
      }
      // Upload sessions continue on "another host" (the same registry, through the other server).
      forward(req, res, (l) => `http://${other}${new URL(l, `http://${reg.host}`).pathname}${new URL(l, `http://${reg.host}`).search}`)
    })
    const env = credentialsFor(front)
    await storeOk(bx.root, ['tag', 'busybox', `${front}/hostile/bb:1`])
    const r = await storeIn(bx.root, ['push', `${front}/hostile/bb:1`], { env: { ...env, STORE_INSECURE_REGISTRIES: `${front},${other}` } })
    expect(r.status, r.stderr).toBe(0)
    expect(seen.length).toBeGreaterThan(0) // the uploads did go there
    expect(seen.filter((s) => s.authorization !== undefined)).toEqual([])
  })

  test('a manifest naming a blob by something other than a sha256 digest is refused before anything is fetched', async () => {
    const asked: string[] = []
    const fake = await serve('127.0.0.1', (req, res) => {
      asked.push(`${req.method} ${req.url}`)
      if (req.url === '/v2/') return res.end('{}')
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: `sha256:${'a'.repeat(64)}` },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 10, digest: 'sha256:(.*)*(.*)*(.*)*(.*)*(.*)*\u001b]0;title\u0007y' }],
      })
      if (req.url?.includes('/manifests/')) {
        res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' })
        return res.end(manifest)
      }
      res.writeHead(404).end()
    })
    const r = await storeIn(bx.root, ['pull', `${fake}/evil/img:1`])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('not a sha256 digest')
    expect(r.stderr).not.toContain('\u001b') // the registry's escape never reaches the terminal
    expect(asked.filter((a) => a.includes('/blobs/'))).toEqual([])
  })

  test('a token answer that does not end is refused at its bound', async () => {
    let sent = 0
    const fake = await serve('127.0.0.1', (req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        const chunk = Buffer.alloc(64 << 10, 0x20)
        const more = () => {
          // 64 MiB at most, then the test's server ends it (the client must have stopped long before).
          while (sent < 64 << 20) {
            sent += chunk.length
            if (!res.write(chunk)) return res.once('drain', more)
          }
          res.end()
        }
        res.on('close', () => (sent = 64 << 20))
        return more()
      }
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake"`, 'content-length': '0' })
      res.end()
    })
    const r = await storeIn(bx.root, ['pull', `${fake}/evil/img:1`])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('the token the registry answered is larger than 1 MiB')
  })

  test('a registry that sent wrong bytes and closed the connection does not fail the next pull of that blob from another registry', async () => {
    await storeOk(bx.root, ['tag', 'busybox', `${reg.host}/hostile/part:1`])
    await storeOk(bx.root, ['push', `${reg.host}/hostile/part:1`])
    /** The registry without its chunk tables (so a pull reads blobs whole); `bad`: a layer blob is 1,000 wrong bytes, then a closed connection. */
    const plain = (bad: boolean) =>
      serve('127.0.0.1', (req, res) => {
        const [host, port] = reg.host.split(':')
        if (req.url?.includes('/manifests/')) {
          request({ host, port: Number(port), path: req.url, headers: { accept: req.headers.accept ?? '' } }, (r) => {
            const parts: Buffer[] = []
            r.on('data', (b: Buffer) => parts.push(b)).on('end', () => {
              const m = JSON.parse(Buffer.concat(parts).toString())
              for (const l of m.layers ?? []) delete l.annotations
              const body = JSON.stringify(m)
              res.writeHead(200, { 'content-type': r.headers['content-type'] ?? '', 'content-length': Buffer.byteLength(body) })
              res.end(body)
            })
          }).end()
          return
        }
        if (bad && req.url?.includes('/blobs/') && req.method === 'GET' && !req.url.includes(layerOf.config)) {
          // The start of another layer (a gzipped tar the reader takes as far as it goes),
          // then a closed connection, every time it is asked.
          res.writeHead(200, { 'content-length': String(1 << 20) })
          res.write(other)
          return setImmediate(() => res.destroy())
        }
        forward(req, res)
      })
    const src = join(bx.dir, 'other-layer')
    mkdirSync(src, { recursive: true })
    writeFileSync(join(src, 'f'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)))
    const other = gzipSync(execFileSync('tar', ['-cf', '-', '-C', src, 'f'])).subarray(0, 100_000)
    const layerOf = { config: JSON.parse(await storeOk(bx.root, ['inspect', '--format', '{{json .Id}}', 'busybox'])).slice(7) as string }
    const root = join(bx.dir, 'parts')
    const bad = await plain(true)
    const first = await storeIn(root, ['pull', `${bad}/hostile/part:1`])
    expect(first.status).not.toBe(0)
    const good = await plain(false)
    const second = await storeIn(root, ['pull', `${good}/hostile/part:1`])
    expect(second.status, second.stderr).toBe(0)
  })

  test('a repository whose name starts with "http" is pushed and pulled as any other', async () => {
    await storeOk(bx.root, ['tag', 'busybox', `${reg.host}/httpd:1`])
    await storeOk(bx.root, ['push', `${reg.host}/httpd:1`])
    const fresh = join(bx.dir, 'fresh')
    await storeOk(fresh, ['pull', `${reg.host}/httpd:1`])
    expect((await storeOk(fresh, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim()).toBe(`${reg.host}/httpd:1`)
  })
})
