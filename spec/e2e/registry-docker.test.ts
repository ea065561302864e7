// End-to-end with the real Docker engine on the other side of a registry (issue 16, item 5):
// Docker pulls and runs what store pushed (store's chunk-aware layers read as ordinary gzip
// layers), with the same image ID; store pulls and runs what Docker built and pushed, with the
// same image ID and the same manifest digest; and store pushing an image it pulled from Docker
// gives Docker's manifest digest again. dockerd runs inside the spec's temp dir (docker.ts).

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { seededFrom } from '../_fixtures/seeded.js'
import { busyboxStore, storeOk } from '../_fixtures/containers.js'
import { registryUnavailable, startRegistry, type Registry } from '../_fixtures/registry.js'
import { dockerUnavailable, startDocker, type Docker } from '../_fixtures/docker.js'

const bx = busyboxStore('store-e2e-docker-')
const why = bx.why ?? registryUnavailable() ?? dockerUnavailable()
let reg: Registry
let docker: Docker

beforeAll(async () => {
  if (why) return
  reg = await startRegistry(bx.dir)
  docker = await startDocker(join(bx.dir, 'docker'))
}, 120_000)
afterAll(async () => {
  await docker?.stop()
  await reg?.stop()
})

const idOf = async (root: string, ref: string) => (await storeOk(root, ['inspect', '--format', '{{.Id}}', ref])).trim()

describe.skipIf(why !== undefined)('store and Docker through a registry', () => {
  test('Docker pulls and runs an image store built and pushed (chunk-aware layers), with the same image ID', async () => {
    const ctx = join(bx.dir, 'ctx')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'data.bin'), seededFrom('to docker', 700 << 10))
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY data.bin /data.bin\nCMD ["sh", "-c", "echo from store; wc -c < /data.bin"]\n')
    const name = `${reg.host}/e2e/from-store:1`
    await storeOk(bx.root, ['build', '-q', '-t', name, ctx])
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(await storeOk(bx.root, ['push', name]))![1]
    const pulled = docker.ok(['pull', name])
    expect(pulled).toContain(`Digest: ${digest}`)
    expect(docker.ok(['image', 'inspect', '--format', '{{.Id}}', name]).trim()).toBe(await idOf(bx.root, name))
    expect(docker.ok(['run', '--rm', '--network', 'none', name])).toBe(`from store\n${700 << 10}\n`)
  })

  test('store pulls and runs what Docker built and pushed, same image ID and digest; pushed on by store, the digest is still Docker\'s', async () => {
    // Docker's base is store's busybox, moved through the registry.
    await storeOk(bx.root, ['tag', 'busybox', `${reg.host}/e2e/base:1`])
    await storeOk(bx.root, ['push', `${reg.host}/e2e/base:1`])
    docker.ok(['pull', '-q', `${reg.host}/e2e/base:1`])
    const ctx = join(bx.dir, 'docker-ctx')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'a.bin'), seededFrom('from docker a', 300 << 10))
    writeFileSync(join(ctx, 'b.txt'), 'built by docker\n')
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${reg.host}/e2e/base:1\nCOPY a.bin /a.bin\nCOPY b.txt /b.txt\nCMD ["cat", "/b.txt"]\n`)
    const name = `${reg.host}/e2e/from-docker:1`
    docker.ok(['build', '-q', '-t', name, '.'], { cwd: ctx })
    const pushed = docker.ok(['push', name])
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)![1]

    const s = join(bx.dir, 'puller')
    const out = await storeOk(s, ['pull', name])
    expect(out).toContain(`Digest: ${digest}`)
    expect(await idOf(s, name)).toBe(docker.ok(['image', 'inspect', '--format', '{{.Id}}', name]).trim())
    expect(await storeOk(s, ['run', '--rm', '--network', 'none', name])).toBe('built by docker\n')
    expect(await storeOk(s, ['run', '--rm', '--network', 'none', name, 'wc', '-c', '/a.bin'])).toBe(`${300 << 10} /a.bin\n`)
    expect(await storeOk(s, ['fsck'])).toMatch(/no problems/)
    // The same layers under another name: mounted, and the manifest Docker's byte for byte.
    await storeOk(s, ['tag', name, `${reg.host}/e2e/again:1`])
    const again = await storeOk(s, ['push', `${reg.host}/e2e/again:1`])
    expect(again).toMatch(/: Mounted from e2e\/from-docker\n/)
    expect(again).toContain(`1: digest: ${digest} size: `)
  })
})
