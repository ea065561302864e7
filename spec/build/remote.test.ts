// ADD <url> downloads (lib/build/remote.ts) against a node:http server in this process: the
// file's name, mode, mtime and digest, BuildKit's errors, and --checksum.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { createServer, type Server } from 'node:http'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { Codes, isStoreError } from '../../lib/errors.js'
import { download, isRemoteSource, parseChecksum, remoteName } from '../../lib/build/remote.js'
import { tempStore } from '../_fixtures/store.js'

const BODY = 'remote file body\n'.repeat(1000)
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`

let server: Server
let base: string
let dir: string
let env: Awaited<ReturnType<typeof tempStore>>

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/files/tool.txt') {
      res.writeHead(200, { 'Last-Modified': 'Tue, 14 Nov 2023 22:13:20 GMT' })
      // Several writes: the body arrives in pieces, as a real download does.
      for (let i = 0; i < BODY.length; i += 4096) res.write(BODY.slice(i, i + 4096))
      res.end()
    } else if (req.url === '/moved') {
      res.writeHead(302, { Location: '/files/tool.txt' }).end()
    } else if (req.url === '/') {
      res.writeHead(200).end('index')
    } else res.writeHead(404).end('not found')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
beforeEach(async () => {
  env = await tempStore()
  dir = await mkdtemp(join(tmpdir(), 'store-remote-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
  await env.cleanup()
})

const failure = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (x: unknown) => x)
  expect(isStoreError(e, Codes.BUILD_FAILED), String(e)).toBe(true)
  return (e as Error).message
}

describe('remote sources', () => {
  test('only http(s) URLs are remote; the name is the last path segment, else "download"', () => {
    expect(['http://h/a', 'HTTPS://h/a', 'git@github.com:x/y', 'ftp://h/a', 'http.txt'].map(isRemoteSource)).toEqual([true, true, false, false, false])
    expect(remoteName('https://h/dir/tool.tar.gz?x=1#frag')).toBe('tool.tar.gz')
    expect(remoteName('https://h/dir/')).toBe('dir')
    expect(remoteName('https://h/my%20file')).toBe('my file')
    expect(remoteName('https://h')).toBe('download')
    expect(remoteName('https://h/')).toBe('download')
  })

  test('a download is streamed to <dir>/<name>, mode 0600, mtime from Last-Modified, hashed', async () => {
    const d = await download(env.store, `${base}/files/tool.txt`, dir)
    expect(d.source.rel).toBe('tool.txt')
    expect(d.source.abs).toBe(`${dir}/tool.txt`)
    expect(await readFile(d.source.abs, 'utf8')).toBe(BODY)
    expect(d.digest).toBe(sha(BODY))
    const st = await stat(d.source.abs)
    expect(st.mode & 0o7777).toBe(0o600)
    expect(st.mtimeMs).toBe(1_700_000_000_000)
    expect(d.source.stat.size).toBe(BODY.length)
  })

  test('redirects are followed; without Last-Modified the mtime is the epoch (BuildKit)', async () => {
    expect((await download(env.store, `${base}/moved`, dir)).digest).toBe(sha(BODY))
    const idx = await download(env.store, `${base}/`, dir)
    expect(idx.source.rel).toBe('download')
    expect((await stat(idx.source.abs)).mtimeMs).toBe(0)
  })

  test('an HTTP error status names the URL and the status', async () => {
    expect(await failure(download(env.store, `${base}/nope`, dir))).toBe(`failed to load cache key: ADD ${base}/nope: invalid response status 404`)
  })

  test('a closed port: connection refused, in Go\'s words', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const url = `http://127.0.0.1:${port}/x`
    expect(await failure(download(env.store, url, dir))).toBe(`failed to load cache key: ADD ${url}: dial tcp 127.0.0.1:${port}: connect: connection refused`)
  })

  test('--checksum: a match passes, a mismatch fails with both digests, a malformed one is refused', async () => {
    expect((await download(env.store, `${base}/files/tool.txt`, dir, { checksum: sha(BODY) })).digest).toBe(sha(BODY))
    const wrong = sha('other')
    expect(await failure(download(env.store, `${base}/files/tool.txt`, dir, { checksum: wrong }))).toBe(
      `failed to load cache key: ADD ${base}/files/tool.txt: digest mismatch ${sha(BODY)}: ${wrong}`,
    )
    expect(() => parseChecksum('md5:abc')).toThrow(/invalid checksum digest format: md5:abc/)
  })

  test('an aborted download stops with the abort, not a network error', async () => {
    const ac = new AbortController()
    ac.abort()
    const e = await download(env.store, `${base}/files/tool.txt`, dir, { signal: ac.signal }).catch((x: unknown) => x)
    expect(isStoreError(e)).toBe(false)
    expect((e as Error).name).toBe('AbortError')
  })
})
