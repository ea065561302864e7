// Volume fill and bind sources with the BUILT CLI. An image's `data -> <canary>` with
// `VOLUME /data/sub` fills the new volume from the image's OWN <canary>/sub (the path resolved
// inside the image), never from the host; the fill copies the merged content of every layer,
// whiteouts and opaque dirs honoured. A bind source that is a symlink to a dir mounts the dir.

import { describe, expect, test } from 'vitest'
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sh } from '../_fixtures/cli.js'
import { dockerSave, tarOf, type Ent } from '../_fixtures/hostile.js'
import { expectCanaryUntouched, ok, securityEnv, store, why, type Env } from './_harness.js'

const env: Env = securityEnv('store-security-volumes-')

/** Load busybox + `layers` as `tag` with the given VOLUMEs, create a container, return its volume dirs by target. */
async function filled(tag: string, layers: Ent[][], volumes: string[]): Promise<Map<string, string>> {
  const busybox = Buffer.from(sh(`tar --numeric-owner -C ${env.rootfs} -cf - . | base64 -w0`), 'base64')
  const file = join(env.tmp, `${tag.replace(/\W/g, '-')}.tar`)
  writeFileSync(file, dockerSave(`${tag}:latest`, [busybox, ...layers.map(tarOf)], { Volumes: Object.fromEntries(volumes.map((v) => [v, {}])) }))
  ok(await store(env, ['load', '-i', file]))
  const id = ok(await store(env, ['create', tag, 'true'])).stdout.trim()
  const mounts = JSON.parse(ok(await store(env, ['inspect', id])).stdout)[0].Mounts as { Destination: string; Source: string }[]
  return new Map(mounts.map((m) => [m.Destination, m.Source]))
}

const files = (dir: string): string[] => readdirSync(dir).sort()

describe.skipIf(why !== undefined)('volume fill', () => {
  test('a VOLUME under `data -> <canary>` is filled from the image\'s own <canary>, not the host\'s', async () => {
    const c = env.canary.dir
    const crel = c.slice(1)
    const layer: Ent[] = [{ name: 'data', type: 'symlink', linkname: c }, { name: `${crel}/sub/own.txt`, data: 'image-own\n', mode: 0o600 }]
    const v = await filled('vol/link', [layer], ['/data/sub'])
    const data = v.get('/data/sub')!
    expect(files(data)).toEqual(['own.txt'])
    expect(readFileSync(join(data, 'own.txt'), 'utf8')).toBe('image-own\n')
    expect(lstatSync(join(data, 'own.txt')).mode & 0o777).toBe(0o600)
    // And a container of it writes into its volume, not through the link onto the host.
    const out = ok(await store(env, ['run', '--rm', 'vol/link', 'sh', '-c', 'echo hi > /data/sub/new && ls /data/sub'])).stdout
    expect(out).toBe('new\nown.txt\n')
    expectCanaryUntouched(env)
  })

  test('a VOLUME at the link itself, whose target the image lacks, starts empty', async () => {
    const v = await filled('vol/bare-link', [[{ name: 'data', type: 'symlink', linkname: env.canary.dir }]], ['/data'])
    expect(files(v.get('/data')!)).toEqual([])
    expectCanaryUntouched(env)
  })

  test('the fill is the merged content of every layer: lower files kept, whiteouts and opaque dirs honoured', async () => {
    const l1: Ent[] = [{ name: 'srv/d/a', data: 'a\n' }, { name: 'srv/d/gone', data: 'g\n' }, { name: 'srv/o/hidden', data: 'h\n' }, { name: 'srv/d/sub/deep', data: 'deep\n' }]
    const l2: Ent[] = [{ name: 'srv/d/b', data: 'b\n' }, { name: 'srv/d/.wh.gone' }, { name: 'srv/o/.wh..wh..opq' }, { name: 'srv/o/y', data: 'y\n' }, { name: 'srv/d/ln', type: 'symlink', linkname: env.canary.dir }]
    const v = await filled('vol/merged', [l1, l2], ['/srv/d', '/srv/o'])
    const d = v.get('/srv/d')!
    expect(files(d)).toEqual(['a', 'b', 'ln', 'sub'])
    expect(readFileSync(join(d, 'sub/deep'), 'utf8')).toBe('deep\n')
    expect(sh(`readlink ${join(d, 'ln')}`)).toBe(`${env.canary.dir}\n`) // copied verbatim, not followed
    expect(files(v.get('/srv/o')!)).toEqual(['y'])
    expectCanaryUntouched(env)
  })
})

describe.skipIf(why !== undefined)('bind mounts', () => {
  test('--mount type=bind with a source that is a symlink to a dir mounts the dir', async () => {
    const real = join(env.tmp, 'bind-real')
    mkdirSync(real)
    writeFileSync(join(real, 'f'), 'bound\n')
    symlinkSync(real, join(env.tmp, 'bind-link'))
    const r = ok(await store(env, ['run', '--rm', '--mount', `type=bind,source=${join(env.tmp, 'bind-link')},target=/m`, 'busybox', 'cat', '/m/f']))
    expect(r.stdout).toBe('bound\n')
  })
})
