// End-to-end: push and pull (issue 16) against a real distribution registry on loopback, with
// third-party tools on the other side: skopeo reads what store pushed and pushes what store
// pulls (Docker v2 and OCI manifests, gzip and zstd layers); a pulled image has the pushed
// image's ID, its registry digest as a RepoDigest, and runs by `name@digest`. A blob corrupted
// in the registry's storage fails the pull and tags nothing.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import { BIN, sh, storeIn, type CliResult } from '../_fixtures/cli.js'
import { seededFrom } from '../_fixtures/seeded.js'
import { execFile, spawn, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { busyboxStore, storeOk } from '../_fixtures/containers.js'
import { registryUnavailable, startRegistry, USER, type Registry } from '../_fixtures/registry.js'

const bx = busyboxStore('store-e2e-registry-')
const why = bx.why ?? registryUnavailable()
/** A registry started before the tests of the block it is made in and stopped after them (its fields are there once they run). */
function serving(dir: () => string, o: Parameters<typeof startRegistry>[1] = {}): Registry {
  const r = {} as Registry
  beforeAll(async () => {
    if (!why) Object.assign(r, await startRegistry(dir(), o))
  })
  afterAll(async () => {
    await r.stop?.()
  })
  return r
}
const reg = serving(() => bx.dir)

const inStore = (name: string) => join(bx.dir, name)
const idOf = async (root: string, ref: string) => (await storeOk(root, ['inspect', '--format', '{{.Id}}', ref])).trim()
/**
 * A TCP proxy in front of the registry that counts the bytes it carries each way (`down` towards
 * the client, `up` towards the registry), as fast as the other side reads them; with `hold`, it
 * stops carrying one way past that many bytes (both sides wait, connected).
 */
async function countingProxy(hold: { down?: number; up?: number } = {}, port = 0): Promise<{ host: string; down: () => number; up: () => number; close: () => Promise<void> }> {
  const [rhost, rport] = reg.host.split(':')
  const count = { down: 0, up: 0 }
  const sockets = new Set<Socket>()
  const carry = (from: Socket, to: Socket, way: 'down' | 'up') =>
    from.on('data', (b: Buffer) => {
      count[way] += b.length
      const more = to.write(b)
      if (count[way] >= (hold[way] ?? Infinity)) from.pause()
      else if (!more) {
        from.pause()
        to.once('drain', () => from.resume())
      }
    })
  const server = createServer((client) => {
    const up = connect(Number(rport), rhost)
    sockets.add(client).add(up)
    carry(up, client, 'down')
    carry(client, up, 'up')
    for (const [a, b] of [[client, up], [up, client]]) {
      a.on('error', () => b.destroy())
      a.on('close', () => b.destroy())
    }
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    down: () => count.down,
    up: () => count.up,
    close: async () => {
      for (const sk of sockets) sk.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}
/** Where the registry keeps blob `digest` (sha256:…). */
const registryBlob = (digest: string) => join(reg.storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data')

/** `store pull NAME` into `root` while one byte of blob `digest` (at `at(size)`) is flipped where the registry keeps it; put back after. */
async function pullFlipped(root: string, name: string, digest: string, at: (size: number) => number): Promise<CliResult> {
  const file = registryBlob(digest)
  const good = readFileSync(file)
  const bad = Buffer.from(good)
  bad[at(bad.length)] ^= 0xff
  writeFileSync(file, bad)
  try {
    return await storeIn(root, ['pull', name])
  } finally {
    writeFileSync(file, good)
  }
}

/**
 * `store ARGS…` on `root`, killed (SIGKILL) once `progress()` reaches `enough` (looked at every
 * 100 ms, 60 s at most; it must not have ended by itself). Returns the last `progress()`.
 */
async function killedOnce(root: string, args: string[], progress: () => number, enough: number): Promise<number> {
  const child = spawn(process.execPath, ['--', BIN, '--root', root, ...args], { stdio: 'ignore' })
  const exited = new Promise<string | null>((r) => child.once('exit', (_, sig) => r(sig)))
  let seen = 0
  try {
    for (let i = 0; (seen = progress()) < enough; i++) {
      expect(child.exitCode, `store ${args[0]} ended before it was killed`).toBeNull()
      expect(i, `${seen} of ${enough} after 60 s`).toBeLessThan(600)
      await new Promise((r) => setTimeout(r, 100))
    }
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
  } finally {
    child.kill('SIGKILL')
  }
  return seen
}

describe.skipIf(why !== undefined)('push and pull', () => {
  test('store pushes; skopeo reads it; another store pulls the same image ID, keeps the digest, runs it by digest', async () => {
    const name = `${reg.host}/e2e/bb:1`
    await storeOk(bx.root, ['tag', 'busybox', name])
    const pushed = await storeOk(bx.root, ['push', name])
    const lines = pushed.split('\n')
    expect(lines[0]).toBe(`The push refers to repository [${reg.host}/e2e/bb]`)
    const layerId = /^([0-9a-f]{12}): Preparing$/.exec(lines[1])?.[1]
    expect(lines[2]).toBe(`${layerId}: Pushed`)
    const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/.exec(lines[3])?.[1]
    expect(digest, pushed).toBeDefined()
    // Pushed again: every blob is there already.
    expect((await storeOk(bx.root, ['push', name])).split('\n')[2]).toBe(`${layerId}: Layer already exists`)
    // To another repository of the registry: mounted from the first, as Docker does.
    await storeOk(bx.root, ['tag', 'busybox', `${reg.host}/e2e/other:1`])
    expect((await storeOk(bx.root, ['push', `${reg.host}/e2e/other:1`])).split('\n')[2]).toBe(`${layerId}: Mounted from e2e/bb`)

    const seen = JSON.parse(sh(`skopeo inspect --tls-verify=false docker://${name}`))
    expect(seen.Digest).toBe(digest)
    const raw = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${name}`))
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json')
    expect(raw.layers[0].mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip')

    const b = inStore('b')
    const pulled = await storeOk(b, ['pull', name])
    const blob = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${name}`)).layers[0].digest.slice(7, 19)
    expect(pulled.split('\n')).toEqual([
      `1: Pulling from e2e/bb`, `${blob}: Pulling fs layer`, `${blob}: Verifying Checksum`, `${blob}: Download complete`, `${blob}: Pull complete`,
      `Digest: ${digest}`, `Status: Downloaded newer image for ${name}`, name, '',
    ])
    expect(await idOf(b, name)).toBe(await idOf(bx.root, 'busybox'))
    expect(JSON.parse(await storeOk(b, ['inspect', '--format', '{{json .RepoDigests}}', name]))).toEqual([`${reg.host}/e2e/bb@${digest}`])
    expect(await storeOk(b, ['run', '--rm', '--network', 'none', `${reg.host}/e2e/bb@${digest}`, 'echo', 'pulled and run'])).toBe('pulled and run\n')
    // The image is here: as Docker, no layer is listed and nothing is fetched.
    expect((await storeOk(b, ['pull', name])).split('\n')).toEqual([`1: Pulling from e2e/bb`, `Digest: ${digest}`, `Status: Image is up to date for ${name}`, name, ''])
    expect(await storeOk(b, ['pull', '-q', `${reg.host}/e2e/bb@${digest}`])).toBe(`${reg.host}/e2e/bb@${digest}\n`)
    // On a terminal (a pty of util-linux script), Docker's rows: the layer's row is redrawn in
    // place (cursor up to it, line cleared, back down) with its statuses and its byte counts.
    const tty = spawnSync('script', ['-qec', `'${process.execPath}' -- '${BIN}' --root '${inStore('tty')}' pull ${name}`, '/dev/null'], { encoding: 'utf8' })
    expect(tty.status).toBe(0)
    expect(tty.stdout).toContain(`1: Pulling from e2e/bb\r\n\r\n\x1b[1A\x1b[2K\r${blob}: Pulling fs layer\r\x1b[1B`)
    expect(tty.stdout).toMatch(new RegExp(`\x1b\\[1A\x1b\\[2K\r${blob}: Downloading +[\\d.]+k?B/[\\d.]+[kM]?B\r\x1b\\[1B`))
    expect(tty.stdout).toContain(`\x1b[1A\x1b[2K\r${blob}: Pull complete\r\x1b[1BDigest: ${digest}\r\n`)
    expect(tty.stdout.endsWith(`${name}\r\n`)).toBe(true)
    expect(await storeOk(b, ['fsck'])).toMatch(/no problems/)
  })

  test('pulls what skopeo pushed: an OCI manifest, and zstd layers', async () => {
    const archive = inStore('bb.tar')
    await storeOk(bx.root, ['save', '-o', archive, 'busybox'])
    // zstd first, with a blob-info cache of its own (HOME): skopeo would otherwise reuse the gzip
    // blob it knows the registry has.
    const home = inStore('skopeo-home')
    sh(`HOME=${home} skopeo copy --quiet --dest-tls-verify=false --format oci --dest-compress-format zstd docker-archive:${archive} docker://${reg.host}/e2e/zstd:1`)
    sh(`HOME=${home} skopeo copy --quiet --dest-tls-verify=false --format oci docker-archive:${archive} docker://${reg.host}/e2e/oci:1`)
    expect(JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${reg.host}/e2e/zstd:1`)).layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd')
    const c = inStore('c')
    for (const repo of ['oci', 'zstd']) {
      await storeOk(c, ['pull', '-q', `${reg.host}/e2e/${repo}:1`])
      // The image is the config skopeo pushed (its digest is the ID), whatever skopeo made of it.
      const config = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${reg.host}/e2e/${repo}:1`)).config.digest
      expect(await idOf(c, `${reg.host}/e2e/${repo}:1`), repo).toBe(config)
    }
    expect(await storeOk(c, ['run', '--rm', '--network', 'none', `${reg.host}/e2e/zstd:1`, 'echo', 'zstd layer'])).toBe('zstd layer\n')
  })

  test('an index: the host platform\'s manifest is pulled, the index digest kept; --platform chooses; none matching is Docker\'s error', async () => {
    const name = `${reg.host}/e2e/multi`
    await storeOk(bx.root, ['tag', 'busybox', `${name}:single`])
    await storeOk(bx.root, ['push', `${name}:single`])
    const manifest = sh(`skopeo inspect --raw --tls-verify=false docker://${name}:single`)
    const one = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', size: Buffer.byteLength(manifest), digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}` }
    // Two platforms, one image: enough to see which entry is taken.
    const index = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [{ ...one, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } }, { ...one, platform: { architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux' } }],
    })
    const put = await fetch(`http://${reg.host}/v2/e2e/multi/manifests/1`, { method: 'PUT', headers: { 'content-type': 'application/vnd.docker.distribution.manifest.list.v2+json' }, body: index })
    expect(put.status).toBe(201)
    const indexDigest = `sha256:${createHash('sha256').update(index).digest('hex')}`
    const g = inStore('g')
    const out = await storeOk(g, ['pull', `${name}:1`])
    expect(out).toContain(`Digest: ${indexDigest}`)
    expect(JSON.parse(await storeOk(g, ['inspect', '--format', '{{json .RepoDigests}}', `${name}:1`]))).toEqual([`${name}@${indexDigest}`])
    expect(await idOf(g, `${name}:1`)).toBe(await idOf(bx.root, 'busybox'))
    expect(await storeOk(g, ['pull', '-q', '--platform', 'linux/arm64/v8', `${name}:1`])).toBe(`${name}:1\n`)
    const none = await storeIn(g, ['pull', '--platform', 'linux/s390x', `${name}:1`])
    expect([none.status, none.stderr]).toEqual([1, 'Error: no matching manifest for linux/s390x in the manifest list entries\n'])
  })

  // store's chunk-aware blob (its missing members by Range requests) and skopeo's plain gzip.
  test.each([
    ['e2e/bb:1', 'a chunk-aware layer: the broken range is asked again from where it broke', false],
    ['e2e/oci:1', 'a plain gzip layer: the blob is asked again from where it broke', false],
    ['e2e/oci:1', 'a plain gzip layer, the proxy hiding Range from the registry: the whole blob comes again, what arrived is skipped', true],
  ])('a connection that breaks mid-layer is resumed where it broke (Range): %s, %s', async (repo, _, hideRange) => {
    // A real fault, caused for real: a TCP proxy in front of the registry cuts the first
    // connection that has carried 200 kB towards the client (the layer's blob is ~1 MB).
    const [rhost, rport] = reg.host.split(':')
    let cut = false
    const seen: string[] = []
    const sockets = new Set<Socket>()
    const proxy = createServer((client) => {
      const up = connect(Number(rport), rhost)
      sockets.add(client).add(up)
      let down = 0
      client.on('data', (b: Buffer) => {
        seen.push(b.toString('latin1'))
        // A registry that ignores Range, made of this one: it never sees the header.
        up.write(hideRange ? Buffer.from(b.toString('latin1').replace(/\r\nrange: /i, '\r\nx-ignored: '), 'latin1') : b)
      })
      up.on('data', (b: Buffer) => {
        down += b.length
        if (!cut && down > 200_000) {
          cut = true
          client.end(b.subarray(0, 1000), () => client.destroy())
          up.destroy()
          return
        }
        client.write(b)
      })
      for (const [a, b] of [[client, up], [up, client]]) {
        a.on('error', () => b.destroy())
        a.on('close', () => b.destroy())
      }
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const via = `127.0.0.1:${(proxy.address() as { port: number }).port}/${repo}`
    try {
      const h = inStore(`h-${repo.replace(/\W/g, '-')}${hideRange ? '-hidden' : ''}`)
      const r = await storeIn(h, ['pull', '-q', via])
      expect([r.status, r.stdout], r.stderr).toEqual([0, `${via}\n`])
      expect(cut).toBe(true)
      const ranges = seen.flatMap((q) => [.../\r\nrange: bytes=(\d+)-(\d*)\r\n/i.exec(q) ?? []].slice(1, 3)).reduce<[number, string][]>((a, x, i, all) => (i % 2 ? a : [...a, [Number(x), all[i + 1]]]), [])
      if (repo === 'e2e/bb:1') {
        // The same range asked twice: the second time from a later byte (what arrived is kept).
        expect(ranges.some(([from, to], i) => ranges.some(([f2, t2], j) => j > i && t2 === to && to !== '' && f2 > from)), JSON.stringify(ranges)).toBe(true)
      } else {
        expect(ranges.some(([from, to]) => from > 0 && to === ''), JSON.stringify(ranges)).toBe(true)
      }
      const config = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${reg.host}/${repo}`)).config.digest
      expect(await idOf(h, via)).toBe(config)
      expect(await storeOk(h, ['fsck'])).toMatch(/no problems/)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((r) => proxy.close(r))
    }
  })

  test('chunk-aware layers: a patch release pulls only what changed; gzip, skopeo and a load read the blob as the layer', async () => {
    // Two versions of a tree: 24 files of 160 KiB (content from a fixed seed), one of them
    // changed in the second by a few bytes.
    for (const v of ['1', '2']) {
      const dir = inStore(`patch-${v}`)
      for (let f = 0; f < 24; f++) {
        const data = seededFrom(`file${f}`, 160 << 10)
        if (v === '2' && f === 12) data.write('patched', 70_000)
        mkdirSync(join(dir, 'lib'), { recursive: true })
        writeFileSync(join(dir, 'lib', `f${f}.bin`), data)
      }
      writeFileSync(join(dir, 'VERSION'), `${v}\n`)
      await storeOk(bx.root, ['import', dir, `${reg.host}/e2e/patch:${v}`])
      await storeOk(bx.root, ['push', `${reg.host}/e2e/patch:${v}`])
    }
    const manifest = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${reg.host}/e2e/patch:2`))
    const layer = manifest.layers[0]
    const [offset, length] = layer.annotations['org.store.chunked.toc'].split(':').map(Number)
    expect(offset + length).toBe(layer.size)
    // GNU gzip reads the blob (members, and the table of contents' empty ones) as the layer's tar.
    const blob = registryBlob(layer.digest)
    const tar = spawnSync('gzip', ['-dc', blob], { maxBuffer: 64 << 20 }).stdout
    const config = JSON.parse(sh(`skopeo inspect --config --raw --tls-verify=false docker://${reg.host}/e2e/patch:2`))
    expect(`sha256:${createHash('sha256').update(tar).digest('hex')}`).toBe(config.rootfs.diff_ids[0])

    // A store with the first version pulls the second through a proxy that counts the bytes.
    const p = inStore('patch-puller')
    await storeOk(p, ['pull', '-q', `${reg.host}/e2e/patch:1`])
    const proxy = await countingProxy()
    const via = `${proxy.host}/e2e/patch:2`
    try {
      await storeOk(p, ['pull', '-q', via])
    } finally {
      await proxy.close()
    }
    const down = proxy.down()
    // The whole blob is ~3.8 MB; the pull took the changed chunk, the headers and the table of contents.
    expect(layer.size).toBeGreaterThan(3_500_000)
    expect(down, `${down} bytes of ${layer.size}`).toBeLessThan(layer.size / 8)
    expect(await idOf(p, via)).toBe(await idOf(bx.root, `${reg.host}/e2e/patch:2`))
    expect((await storeIn(p, ['save', via])).stdoutBytes.includes('patched')).toBe(true)
    expect(await storeOk(p, ['fsck'])).toMatch(/no problems/)
    // skopeo (Go's gzip) makes a docker-archive of it; a fresh store loads the same image ID.
    const archive = inStore('patch.tar')
    sh(`skopeo copy --quiet --src-tls-verify=false docker://${reg.host}/e2e/patch:2 docker-archive:${archive}:e2e/patch:2`)
    const q = inStore('patch-loader')
    await storeOk(q, ['load', '-q', '-i', archive])
    expect(await idOf(q, 'e2e/patch:2')).toBe(await idOf(bx.root, `${reg.host}/e2e/patch:2`))
  })

  // A real kill (SIGKILL) of a real pull, at a point the proxy picks by bytes carried.
  test.each([
    ['chunked', 'a chunk-aware layer: the chunks that arrived were made durable as they came'],
    ['plain', 'a plain gzip layer (skopeo pushed it): the bytes that arrived were kept in ingest/'],
  ])('a pull killed mid-layer and run again takes only the rest: %s, %s', async (kind) => {
    const name = `${reg.host}/e2e/killed-${kind}:1`
    const ctx = inStore(`killed-${kind}`)
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'big.bin'), seededFrom(`killed ${kind}`, 40 << 20))
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY big.bin /big.bin\n')
    await storeOk(bx.root, ['build', '-q', '-t', name, ctx])
    if (kind === 'chunked') await storeOk(bx.root, ['push', '-q', name])
    else {
      const archive = inStore(`killed-${kind}.tar`)
      await storeOk(bx.root, ['save', '-o', archive, name])
      sh(`HOME=${inStore('skopeo-home-killed')} skopeo copy --quiet --dest-tls-verify=false docker-archive:${archive} docker://${name}`)
    }
    const manifest = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${name}`))
    const total = manifest.layers.reduce((n: number, l: { size: number }) => n + l.size, 0)
    expect(total).toBeGreaterThan(40 << 20)
    expect(manifest.layers.some((l: { annotations?: Record<string, string> }) => l.annotations?.['org.store.chunked.toc'])).toBe(kind === 'chunked')

    const k = inStore(`killed-${kind}-store`)
    // The proxy holds the pull at 28 MiB; once the store has kept 16 MiB of what arrived (the
    // partial blob in ingest/, or packs of the layer's chunks), the pull is killed.
    const first = await countingProxy({ down: 28 << 20 })
    const [dir, pattern] = kind === 'plain' ? [join(k, 'ingest'), /^pull-/] : [join(k, 'packs'), /\.pack$/]
    const kept = () => {
      try {
        return readdirSync(dir).filter((n) => pattern.test(n)).reduce((n, f) => n + statSync(join(dir, f)).size, 0)
      } catch {
        return 0 // not made yet, or a file renamed while we looked
      }
    }
    let before: number
    try {
      before = await killedOnce(k, ['pull', '-q', `${first.host}/e2e/killed-${kind}:1`], kept, 16 << 20)
    } finally {
      await first.close()
    }
    // Nothing half-written: no image, a sound store.
    expect(await storeOk(k, ['images', '-q'])).toBe('')
    expect(await storeOk(k, ['fsck'])).toMatch(/no problems/)
    // The same address again: kept bytes are taken by a pull from the registry that sent them.
    const again = await countingProxy({}, Number(first.host.split(':')[1]))
    try {
      await storeOk(k, ['pull', '-q', `${again.host}/e2e/killed-${kind}:1`])
    } finally {
      await again.close()
    }
    // What was kept is not asked for again (a chunk-aware layer's members that straddle what
    // was packed and the table of contents cost a little more).
    expect(again.down(), `${again.down()} of ${total}, ${before} kept`).toBeLessThan(total - before + (1 << 20))
    // The registry's image (skopeo may have rewritten the config it pushed; store's push keeps it).
    expect(await idOf(k, `${again.host}/e2e/killed-${kind}:1`)).toBe(manifest.config.digest)
    if (kind === 'chunked') expect(manifest.config.digest).toBe(await idOf(bx.root, name))
    expect(await storeOk(k, ['fsck'])).toMatch(/no problems/)
    // The kept bytes went with the pull that used them.
    expect(readdirSync(join(k, 'ingest')).filter((n) => n.startsWith('pull-'))).toEqual([])
  })

  test('a push killed mid-upload and run again: what landed is not sent again, the rest is; nothing half-written', async () => {
    const ctx = inStore('killed-push')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'small.bin'), seededFrom('killed push small', 2 << 20))
    writeFileSync(join(ctx, 'big.bin'), seededFrom('killed push big', 24 << 20))
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY small.bin /small.bin\nCOPY big.bin /big.bin\n')
    const local = 'e2e/killed-push:1'
    await storeOk(bx.root, ['build', '-q', '-t', local, ctx])
    // Through a proxy that holds the upload at 12 MiB; killed (SIGKILL) once it holds.
    const first = await countingProxy({ up: 12 << 20 })
    const name = `${first.host}/e2e/killed-push:1`
    await storeOk(bx.root, ['tag', local, name])
    try {
      await killedOnce(bx.root, ['push', name], first.up, 12 << 20)
    } finally {
      await first.close()
    }
    // Run again, through another proxy (so another name, the same registry and repository).
    const again = await countingProxy()
    const name2 = `${again.host}/e2e/killed-push:1`
    await storeOk(bx.root, ['tag', local, name2])
    let out: string
    try {
      out = await storeOk(bx.root, ['push', name2])
    } finally {
      await again.close()
    }
    // Every layer "Pushed" or already there; what was there was not sent again.
    const ids: string[] = JSON.parse(await storeOk(bx.root, ['inspect', '--format', '{{json .RootFS.Layers}}', local])).map((d: string) => d.slice(7, 19))
    const outcomes = new Map(out.split('\n').flatMap((l) => /^([0-9a-f]{12}): (Pushed|Layer already exists)$/.exec(l)?.slice(1, 3) ?? []).reduce<[string, string][]>((a, x, i, all) => (i % 2 ? a : [...a, [x, all[i + 1]]]), []))
    expect([...outcomes.keys()].sort()).toEqual([...ids].sort())
    const manifest = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${reg.host}/e2e/killed-push:1`))
    const sizes = manifest.layers.map((l: { size: number }) => l.size)
    const resent = ids.reduce((n, id, i) => n + (outcomes.get(id) === 'Pushed' ? sizes[i] : 0), 0)
    expect(again.up()).toBeGreaterThanOrEqual(resent)
    expect(again.up()).toBeLessThan(resent + (1 << 20))
    // The registry has the image whole: a fresh store pulls the same image ID.
    const p = inStore('killed-push-puller')
    await storeOk(p, ['pull', '-q', `${reg.host}/e2e/killed-push:1`])
    expect(await idOf(p, `${reg.host}/e2e/killed-push:1`)).toBe(await idOf(bx.root, local))
    expect(await storeOk(bx.root, ['fsck'])).toMatch(/no problems/)
  })

  test('a blob changed in the registry fails the pull: nothing tagged, the store sound', async () => {
    const name = `${reg.host}/e2e/bad:1`
    await storeOk(bx.root, ['tag', 'busybox', name])
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(await storeOk(bx.root, ['push', name]))![1]
    const manifest = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${name}`))
    expect(manifest.config.digest).toBeDefined()
    // Flip one byte of the layer's blob where the registry keeps it (the busybox layer every
    // repository of this registry shares: put back when the pull is done).
    const hex = manifest.layers[0].digest.slice(7)
    const d = inStore('d')
    const r = await pullFlipped(d, name, manifest.layers[0].digest, (size) => size - 20)
    expect(r.status).toBe(1)
    // Docker's words (a chunk-aware blob's also say which of its parts failed).
    expect(r.stderr).toMatch(new RegExp(`^Error: filesystem layer verification failed for digest sha256:${hex}(: [^\n]+)?\n$`))
    expect(await storeOk(d, ['images', '-q'])).toBe('')
    expect(await storeOk(d, ['fsck'])).toMatch(/no problems/)
    expect(digest).toMatch(/^sha256:/)
  })

  test('seven layers: pushed five at once, pulled three at once, shown as Docker shows them; a bad layer among them fails the pull, named', async () => {
    const ctx = inStore('layers')
    mkdirSync(ctx)
    const steps = ['FROM busybox']
    for (let i = 1; i <= 6; i++) {
      writeFileSync(join(ctx, `f${i}`), seededFrom(`layer ${i}`, (300 << 10) + i))
      steps.push(`COPY f${i} /f${i}`)
    }
    writeFileSync(join(ctx, 'Dockerfile'), `${steps.join('\n')}\n`)
    const name = `${reg.host}/e2e/layers:1`
    await storeOk(bx.root, ['build', '-q', '-t', name, ctx])
    const ids: string[] = JSON.parse(await storeOk(bx.root, ['inspect', '--format', '{{json .RootFS.Layers}}', name])).map((d: string) => d.slice(7, 19))
    expect(ids).toHaveLength(7)
    const pushed = (await storeOk(bx.root, ['push', name])).split('\n')
    // Every layer "Preparing", top first; the two past the first five "Waiting"; then each
    // layer's outcome as it lands (the busybox layer is in the registry from earlier tests or not).
    expect(pushed.slice(0, 10)).toEqual([
      `The push refers to repository [${reg.host}/e2e/layers]`, ...[...ids].reverse().map((id) => `${id}: Preparing`), `${ids[5]}: Waiting`, `${ids[6]}: Waiting`,
    ])
    const outcomes = pushed.slice(10, 17)
    for (const line of outcomes) expect(line).toMatch(/^[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from e2e\/[a-z]+)$/)
    expect(outcomes.map((l) => l.slice(0, 12)).sort()).toEqual([...ids].sort())
    expect(pushed.slice(17)).toEqual([expect.stringMatching(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/), ''])
    // The manifest lists the layers bottom first, whatever order they landed in.
    const manifest = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${name}`))
    const blobs: string[] = manifest.layers.map((l: { digest: string }) => l.digest.slice(7, 19))

    const fresh = inStore('layers-puller')
    const pulled = (await storeOk(fresh, ['pull', name])).split('\n')
    expect(pulled.slice(0, 12)).toEqual([`1: Pulling from e2e/layers`, ...blobs.map((b) => `${b}: Pulling fs layer`), ...blobs.slice(3).map((b) => `${b}: Waiting`)])
    const rest = pulled.slice(12, 12 + 21)
    for (const b of blobs) {
      // Each layer checked, then complete; complete in order, bottom first.
      const at = (s: string) => rest.indexOf(`${b}: ${s}`)
      expect(at('Verifying Checksum'), b).toBeGreaterThanOrEqual(0)
      expect(at('Download complete')).toBeGreaterThan(at('Verifying Checksum'))
      expect(at('Pull complete')).toBeGreaterThan(at('Download complete'))
    }
    expect(rest.filter((l) => l.endsWith(': Pull complete'))).toEqual(blobs.map((b) => `${b}: Pull complete`))
    expect(pulled.slice(33)).toEqual([expect.stringMatching(/^Digest: sha256:[0-9a-f]{64}$/), `Status: Downloaded newer image for ${name}`, name, ''])
    expect(await idOf(fresh, name)).toBe(await idOf(bx.root, name))
    expect(await storeOk(fresh, ['run', '--rm', '--network', 'none', name, 'sh', '-c', 'cat /f1 /f2 /f3 /f4 /f5 /f6 | wc -c'])).toBe(`${6 * (300 << 10) + 21}\n`)

    // One byte of the fourth layer's blob changed in the registry: the pull fails on that layer,
    // whatever the three at once were doing; nothing is tagged; the store is sound; with the
    // blob put back, the pull finishes.
    const hex = manifest.layers[3].digest.slice(7)
    const other = inStore('layers-bad')
    const r = await pullFlipped(other, name, manifest.layers[3].digest, (size) => size >> 1)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^Error: filesystem layer verification failed for digest sha256:${hex}(: [^\n]+)?\n$`))
    expect(await storeOk(other, ['images', '-q'])).toBe('')
    expect(await storeOk(other, ['fsck'])).toMatch(/no problems/)
    await storeOk(other, ['pull', '-q', name])
    expect(await idOf(other, name)).toBe(await idOf(bx.root, name))
  })

  test('push -a and pull -a: every tag, as Docker lists them; a tag with -a is refused', async () => {
    const repo = `${reg.host}/e2e/all`
    await storeOk(bx.root, ['tag', 'busybox', `${repo}:b`])
    await storeOk(bx.root, ['tag', 'busybox', `${repo}:a`])
    const pushed = (await storeOk(bx.root, ['push', '-a', repo])).split('\n')
    expect(pushed[0]).toBe(`The push refers to repository [${repo}]`)
    expect(pushed.filter((l) => / digest: /.test(l)).map((l) => l.split(':')[0])).toEqual(['a', 'b'])
    expect(pushed.filter((l) => l.startsWith('The push refers'))).toHaveLength(1)
    const listed = ((await (await fetch(`http://${reg.host}/v2/e2e/all/tags/list`)).json()) as { tags: string[] }).tags
    expect([...listed].sort()).toEqual(['a', 'b'])
    const p = inStore('all-tags')
    const pulled = (await storeOk(p, ['pull', '-a', repo])).split('\n')
    // The registry's order; the second tag names the same image, so it lists no layer.
    expect(pulled.filter((l) => l.endsWith(': Pulling from e2e/all'))).toEqual(listed.map((t) => `${t}: Pulling from e2e/all`))
    expect(pulled.indexOf(`${listed[1]}: Pulling from e2e/all`)).toBe(pulled.length - 5)
    expect(pulled.slice(-3)).toEqual([`Status: Downloaded newer image for ${repo}`, repo, ''])
    expect(await idOf(p, `${repo}:a`)).toBe(await idOf(bx.root, 'busybox'))
    expect(await idOf(p, `${repo}:b`)).toBe(await idOf(bx.root, 'busybox'))
    expect((await storeOk(p, ['pull', '-a', repo])).split('\n').slice(-3)).toEqual([`Status: Image is up to date for ${repo}`, repo, ''])
    for (const cmd of ['pull', 'push']) expect(await storeIn(p, [cmd, '-a', `${repo}:a`])).toMatchObject({ status: 1, stderr: "tag can't be used with --all-tags/-a\n" })
  })

  test("Docker's messages: an unknown tag, an image not here to push", async () => {
    const r = await storeIn(inStore('e'), ['pull', `${reg.host}/e2e/nosuch:1`])
    expect([r.status, r.stderr]).toEqual([1, `Error: manifest for ${reg.host}/e2e/nosuch:1 not found: manifest unknown: manifest unknown\n`])
    const p = await storeIn(bx.root, ['push', `${reg.host}/e2e/notlocal:1`])
    expect([p.status, p.stderr]).toEqual([1, `Error: An image does not exist locally with the tag: ${reg.host}/e2e/notlocal\n`])
  })

  test('login checks the registry and keeps the credentials as Docker does (config.json, 0600); logout removes them', async () => {
    const cfg = inStore('docker-config')
    const env = { DOCKER_CONFIG: cfg }
    const r = await storeIn(bx.root, ['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'secret\n', env })
    expect([r.status, r.stdout]).toEqual([0, 'Login Succeeded\n'])
    const file = join(cfg, 'config.json')
    expect(JSON.parse(readFileSync(file, 'utf8')).auths[reg.host].auth).toBe(Buffer.from('alice:secret').toString('base64'))
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect((await storeIn(bx.root, ['logout', reg.host], { env })).stdout).toBe(`Removing login credentials for ${reg.host}\n`)
    expect(JSON.parse(readFileSync(file, 'utf8')).auths).toEqual({})
    expect(readdirSync(cfg)).toEqual(['config.json'])
  })
})

describe.skipIf(why !== undefined)('a registry with TLS (a test CA) and htpasswd', () => {
  const sec = serving(() => inStore('secure'), { secure: true })

  test('without credentials: Docker\'s message; login keeps them, then push and pull work over TLS', async () => {
    const tls = { NODE_EXTRA_CA_CERTS: sec.ca!, DOCKER_CONFIG: inStore('secure-config') }
    const name = `${sec.host}/sec/bb:1`
    await storeOk(bx.root, ['tag', 'busybox', name])
    const denied = await storeIn(bx.root, ['push', name], { env: tls })
    expect(denied.status).toBe(1)
    expect(denied.stderr).toMatch(new RegExp(`^Error: [A-Z][a-z]+ "https://${sec.host.replace(/\./g, '\\.')}/v2/sec/bb/[^"]+": no basic auth credentials\n`))
    const wrong = await storeIn(bx.root, ['login', '-u', USER.username, '--password-stdin', sec.host], { input: 'not it\n', env: tls })
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toBe(`Error: login attempt to https://${sec.host}/v2/ failed with status: 401 Unauthorized\n`)
    const ok = await storeIn(bx.root, ['login', '-u', USER.username, '--password-stdin', sec.host], { input: `${USER.password}\n`, env: tls })
    expect([ok.status, ok.stdout]).toEqual([0, 'Login Succeeded\n'])
    const pushed = await storeIn(bx.root, ['push', name], { env: tls })
    expect(pushed.status, pushed.stderr).toBe(0)
    const f = inStore('f')
    const pulled = await storeIn(f, ['pull', '-q', name], { env: tls })
    expect([pulled.status, pulled.stdout], pulled.stderr).toEqual([0, `${name}\n`])
    expect(await idOf(f, name)).toBe(await idOf(bx.root, 'busybox'))
    // skopeo, with the same CA and credentials, reads what store pushed.
    const certs = inStore('secure-certs')
    sh(`mkdir -p ${certs} && cp ${sec.ca} ${certs}/ca.crt`)
    expect(JSON.parse(sh(`skopeo inspect --cert-dir ${certs} --creds ${USER.username}:${USER.password} docker://${name}`)).Name).toBe(`${sec.host}/sec/bb`)
  })
})

describe.skipIf(why !== undefined)('a registry whose CA is in Docker\'s certs.d', () => {
  const sec = serving(() => inStore('certsd'), { secure: true })

  test('the CA in <certs.d>/<host:port>/ca.crt (the user\'s, as rootless Docker keeps it) is trusted for that registry; without it, TLS fails', async () => {
    const config = inStore('certsd-config')
    mkdirSync(config, { recursive: true })
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [sec.host]: { auth: Buffer.from(`${USER.username}:${USER.password}`).toString('base64') } } }))
    const name = `${sec.host}/certsd/bb:1`
    await storeOk(bx.root, ['tag', 'busybox', name])
    const xdg = inStore('certsd-xdg')
    const env = { DOCKER_CONFIG: config, XDG_CONFIG_HOME: xdg }
    // Untrusted, HTTPS fails (a loopback registry then gets plain HTTP, as Docker does, which a
    // TLS registry refuses): the push fails.
    const untrusted = await storeIn(bx.root, ['push', name], { env })
    expect(untrusted.status).toBe(1)
    mkdirSync(join(xdg, 'docker/certs.d', sec.host), { recursive: true })
    writeFileSync(join(xdg, 'docker/certs.d', sec.host, 'ca.crt'), readFileSync(sec.ca!))
    const pushed = await storeIn(bx.root, ['push', '-q', name], { env })
    expect([pushed.status, pushed.stdout], pushed.stderr).toEqual([0, `${name}\n`])
    const g = inStore('certsd-puller')
    expect(await storeIn(g, ['pull', '-q', name], { env })).toMatchObject({ status: 0, stdout: `${name}\n` })
    expect(await idOf(g, name)).toBe(await idOf(bx.root, 'busybox'))
    // A file that is no certificate: said, with its path.
    writeFileSync(join(xdg, 'docker/certs.d', sec.host, 'junk.crt'), 'not a certificate\n')
    const junk = await storeIn(inStore('certsd-junk'), ['pull', '-q', name], { env })
    expect([junk.status, junk.stderr]).toEqual([1, `Error: ${join(xdg, 'docker/certs.d', sec.host, 'junk.crt')}: no PEM certificate in it\n`])
  })

  test("the machine's CAs are trusted, as Docker trusts them (OpenSSL's store, here pointed at the test CA by SSL_CERT_FILE)", async () => {
    const config = inStore('certsd-config')
    const name = `${sec.host}/system/bb:1`
    await storeOk(bx.root, ['tag', 'busybox', name])
    const ssl = inStore('system-ssl')
    mkdirSync(ssl)
    writeFileSync(join(ssl, 'ca.pem'), readFileSync(sec.ca!))
    const env = { DOCKER_CONFIG: config, XDG_CONFIG_HOME: inStore('system-xdg'), SSL_CERT_DIR: ssl, SSL_CERT_FILE: join(ssl, 'ca.pem') }
    // The store pointed elsewhere: not trusted.
    const elsewhere = await storeIn(bx.root, ['push', '-q', name], { env: { ...env, SSL_CERT_DIR: inStore('system-xdg'), SSL_CERT_FILE: join(inStore('system-xdg'), 'none.pem') } })
    expect(elsewhere.status).toBe(1)
    const pushed = await storeIn(bx.root, ['push', '-q', name], { env })
    expect([pushed.status, pushed.stdout], pushed.stderr).toEqual([0, `${name}\n`])
  })
})

describe.skipIf(why !== undefined)('a registry with token auth (Bearer, Docker\'s token protocol)', () => {
  const tok = serving(() => inStore('token'), { token: true })

  test('tokens from the realm for the scopes asked, with the stored credentials: login, push, a mount from another repository, pull; skopeo agrees', async () => {
    const env = { DOCKER_CONFIG: inStore('token-config') }
    const name = `${tok.host}/tok/bb:1`
    await storeOk(bx.root, ['tag', 'busybox', name])
    const denied = await storeIn(bx.root, ['push', name], { env })
    expect(denied.status).toBe(1)
    expect(denied.stderr).toMatch(/unauthorized/)
    const wrong = await storeIn(bx.root, ['login', '-u', USER.username, '--password-stdin', tok.host], { input: 'not it\n', env })
    expect(wrong.status).toBe(1)
    const ok = await storeIn(bx.root, ['login', '-u', USER.username, '--password-stdin', tok.host], { input: `${USER.password}\n`, env })
    expect([ok.status, ok.stdout], ok.stderr).toEqual([0, 'Login Succeeded\n'])
    const pushed = await storeIn(bx.root, ['push', name], { env })
    expect(pushed.status, pushed.stderr).toBe(0)
    // The push asked for its repository's pull and push.
    expect(tok.tokenRequests!.some((u) => u.searchParams.getAll('scope').includes('repository:tok/bb:pull,push') && u.searchParams.get('service') === 'store-spec')).toBe(true)
    // Another repository: the blob is mounted, which needs a token for both repositories.
    const other = `${tok.host}/tok/other:1`
    await storeOk(bx.root, ['tag', 'busybox', other])
    const mounted = await storeIn(bx.root, ['push', other], { env })
    expect(mounted.status, mounted.stderr).toBe(0)
    expect(mounted.stdout.split('\n')[2]).toMatch(/^[0-9a-f]{12}: Mounted from tok\/bb$/)
    const g = inStore('g')
    const pulled = await storeIn(g, ['pull', '-q', other], { env })
    expect([pulled.status, pulled.stdout], pulled.stderr).toEqual([0, `${other}\n`])
    expect(await idOf(g, other)).toBe(await idOf(bx.root, 'busybox'))
    // Not sh(): the token server answers from this process, so skopeo must not block its event loop.
    const seen = await promisify(execFile)('skopeo', ['inspect', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, `docker://${other}`])
    expect(JSON.parse(seen.stdout).Name).toBe(`${tok.host}/tok/other`)
  })
})
