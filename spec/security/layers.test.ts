// Hostile layers through every way one enters the store, with the BUILT CLI: `store import` of
// the layer tar, `store load` of a docker-save archive (busybox + the layer), and a Dockerfile
// `ADD x.tar /` over busybox. Each is refused with an error naming the entry, or accepted and
// then extracted for a real container (`store create`/`store run`), which must find the result
// inside its own root. In every case the canary folder on the host stays byte for byte the same.

import { beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, writeFileSync, readFileSync, symlinkSync, linkSync } from 'node:fs'
import { join } from 'node:path'
import { sh } from '../_fixtures/cli.js'
import { dockerSave, hostileCases, tarOf, type HostileCase } from '../_fixtures/hostile.js'
import { expectCanaryUntouched, ok, securityEnv, store, why, type Env } from './_harness.js'

const env: Env = securityEnv('store-security-layers-')
let busyboxLayer: Buffer

beforeAll(() => {
  if (why) return
  busyboxLayer = Buffer.from(sh(`tar --numeric-owner -C ${env.rootfs} -cf - . | base64 -w0`), 'base64')
})

/** What a container of an accepted case must see, as `sh -c` output. */
const inside: Record<string, { script: string; want: (canary: string) => string }> = {
  'a device node queued, then its dir replaced by a link': { script: 'readlink /q; ls -A /q 2>&1 | wc -l', want: (c) => `${c}\n1\n` },
  'an xattr queued, then its dir replaced by a link': { script: 'readlink /x', want: (c) => `${c}\n` },
  'a dir time, then the dir replaced by a link': { script: 'readlink /t', want: (c) => `${c}\n` },
  'a device node and a setuid file': { script: "stat -c '%F %t:%T %a' /devs/null; stat -c %a /suid", want: () => 'character special file 1:3 666\n4755\n' },
}

function expectRefused(r: { status: number; stderr: string }, c: HostileCase, prefix = '') {
  if (!c.outcome.refused) throw new Error('not a refused case')
  expect(r.status, r.stderr).not.toBe(0)
  const line = r.stderr.split('\n').find((l) => l.startsWith('Error: '))
  expect(line, r.stderr).toBeDefined()
  expect(line).toContain(`${prefix}`)
  expect(line).toContain(`"${c.outcome.entry}"`)
  expect(line).toMatch(c.outcome.message)
}

describe.skipIf(why !== undefined)('hostile layers', () => {
  const cases = hostileCases('/CANARY') // names only: the real ones aim at this run's canary
  test.each(cases.map((c, i) => [c.name, i]))('%s: store import', async (_name, i) => {
    const c = hostileCases(env.canary.dir)[i as number]
    const file = join(env.tmp, `import-${i}.tar`)
    writeFileSync(file, tarOf(c.entries))
    const r = await store(env, ['import', file, `imp/${i}`])
    if (c.outcome.refused) expectRefused(r, c)
    else {
      ok(r)
      // create extracts the snapshot; the image has no shell, so look at the snapshot itself.
      ok(await store(env, ['create', '--name', `imp${i}`, `imp/${i}`, '/none']))
      const lower = JSON.parse(ok(await store(env, ['inspect', `imp${i}`])).stdout)[0].GraphDriver.Data.LowerDir.split(':').pop()
      expect(sh(`ls -A ${lower}`).length).toBeGreaterThan(0)
    }
    expectCanaryUntouched(env)
  })

  test.each(cases.map((c, i) => [c.name, i]))('%s: store load of a docker-save archive', async (_name, i) => {
    const c = hostileCases(env.canary.dir)[i as number]
    const file = join(env.tmp, `load-${i}.tar`)
    writeFileSync(file, dockerSave(`load/${i}:latest`, [busyboxLayer, tarOf(c.entries)]))
    const r = await store(env, ['load', '-i', file])
    if (c.outcome.refused) expectRefused(r, c)
    else {
      ok(r)
      const want = inside[c.name]
      const out = ok(await store(env, ['run', '--rm', `load/${i}`, 'sh', '-c', want.script])).stdout
      expect(out).toBe(want.want(env.canary.dir))
    }
    expectCanaryUntouched(env)
  })

  test.each(cases.map((c, i) => [c.name, i]))('%s: ADD x.tar / in a Dockerfile', async (_name, i) => {
    const c = hostileCases(env.canary.dir)[i as number]
    const ctx = join(env.tmp, `add-${i}`)
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'x.tar'), tarOf(c.entries))
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nADD x.tar /\n')
    const r = await store(env, ['build', '--progress', 'plain', '-t', `add/${i}`, ctx])
    if (c.outcome.refused) expectRefused(r, c, 'ADD cannot unpack x.tar: ')
    else {
      ok(r)
      const want = inside[c.name]
      const out = ok(await store(env, ['run', '--rm', `add/${i}`, 'sh', '-c', want.script])).stdout
      expect(out).toBe(want.want(env.canary.dir))
    }
    expectCanaryUntouched(env)
  })

  test('the review\'s reproduction, made with GNU tar (a hardlink to a symlink, a file appended under it) is refused everywhere', async () => {
    const src = join(env.tmp, 'gnu-src')
    mkdirSync(join(src, 'payload'), { recursive: true })
    symlinkSync(env.canary.dir, join(src, 'evil'))
    linkSync(join(src, 'evil'), join(src, 'evil2')) // link(2) does not follow: a second name of the symlink
    writeFileSync(join(src, 'payload/canary.txt'), 'replaced\n')
    const file = join(env.tmp, 'gnu.tar')
    sh(`tar --format=gnu -C ${src} -cf ${file} evil evil2 && tar --format=gnu -C ${src}/payload -rf ${file} --mode=4755 --transform 's,^,evil2/,' canary.txt`)
    expect(sh(`tar -tvf ${file}`)).toMatch(/evil2 link to evil/)
    const imp = await store(env, ['import', file, 'gnu/x'])
    expect(imp.status).toBe(1)
    expect(imp.stderr).toContain('Error: tar entry "evil2/canary.txt" is written through the symlink "evil2"')
    const save = join(env.tmp, 'gnu-save.tar')
    writeFileSync(save, dockerSave('gnu/load:latest', [busyboxLayer, readFileSync(file)]))
    const load = await store(env, ['load', '-i', save])
    expect(load.status).toBe(1)
    expect(load.stderr).toContain('tar entry "evil2/canary.txt" is written through the symlink "evil2"')
    expect(ok(await store(env, ['images'])).stdout).not.toContain('gnu/')
    expectCanaryUntouched(env)
  })

  test('a symlink in one layer and a path under it in the next: the container sees its own dir, the host nothing', async () => {
    const c = env.canary.dir
    const save = join(env.tmp, 'two-layers.tar')
    const lower = tarOf([{ name: 'evil', type: 'symlink', linkname: c }])
    const upper = tarOf([{ name: 'evil/new', data: 'inside\n' }, { name: 'evil/.wh.canary.txt' }, { name: 'evil/sub', data: 'a file\n', mode: 0o4755 }])
    writeFileSync(save, dockerSave('two/layers:latest', [busyboxLayer, lower, upper]))
    ok(await store(env, ['load', '-i', save]))
    const out = ok(await store(env, ['run', '--rm', 'two/layers', 'sh', '-c', 'ls -A /evil; cat /evil/new'])).stdout
    expect(out).toBe('new\nsub\ninside\n')
    expectCanaryUntouched(env)
  })
})
