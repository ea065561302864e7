// `-u USER` is looked up in the image as the container will see it, with the BUILT CLI: an
// opaque /etc in an upper layer hides the lower /etc/passwd; an /etc that is a symlink to the
// host's canary folder is resolved inside the image (the host's passwd is never read); an image
// without /etc/passwd runs as root (FROM scratch + a static binary).

import { describe, expect, test } from 'vitest'
import { mkdirSync, copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sh } from '../_fixtures/cli.js'
import { BUSYBOX } from '../_fixtures/busybox.js'
import { dockerSave, tarOf, type Ent } from '../_fixtures/hostile.js'
import { expectCanaryUntouched, ok, securityEnv, store, why, type Env } from './_harness.js'

const env: Env = securityEnv('store-security-user-')

async function loadOver(tag: string, layer: Ent[]): Promise<void> {
  const busybox = Buffer.from(sh(`tar --numeric-owner -C ${env.rootfs} -cf - . | base64 -w0`), 'base64')
  const file = join(env.tmp, `${tag.replace(/\W/g, '-')}.tar`)
  writeFileSync(file, dockerSave(`${tag}:latest`, [busybox, tarOf(layer)]))
  ok(await store(env, ['load', '-i', file]))
}
const runAs = (user: string, image: string) => store(env, ['run', '--rm', '-u', user, image, 'id', '-u'])

describe.skipIf(why !== undefined)('user lookup', () => {
  test('an opaque /etc hides the lower /etc/passwd', async () => {
    expect(ok(await runAs('app', 'busybox')).stdout).toBe('1000\n')
    await loadOver('user/opaque', [{ name: 'etc/', type: 'dir' }, { name: 'etc/.wh..wh..opq' }, { name: 'etc/group', data: 'root:x:0:\n' }])
    const r = await runAs('app', 'user/opaque')
    expect(r.status).toBe(125)
    expect(r.stderr).toContain('Error: unable to find user app: no matching entries in passwd file')
    expect(ok(await runAs('root', 'user/opaque')).stdout).toBe('0\n') // no passwd at all: root is uid 0
  })

  test('/etc as a symlink to a host folder is read inside the image, never on the host', async () => {
    await loadOver('user/link', [{ name: '.wh.etc' }, { name: 'etc', type: 'symlink', linkname: join(env.canary.dir, 'etc') }])
    const r = await runAs('hostonly', 'user/link')
    expect(r.status).toBe(125)
    expect(r.stderr).toContain('unable to find user hostonly')
    expectCanaryUntouched(env)
  })

  test('an image without /etc/passwd (FROM scratch + a static binary) runs as uid 0', async () => {
    const scratch = join(env.tmp, 'scratch')
    mkdirSync(join(scratch, 'bin'), { recursive: true })
    copyFileSync(BUSYBOX, join(scratch, 'bin/busybox'))
    sh(`chmod 755 ${scratch}/bin/busybox`)
    ok(await store(env, ['import', scratch, 'user/scratch']))
    expect(ok(await store(env, ['run', '--rm', 'user/scratch', '/bin/busybox', 'id', '-u'])).stdout).toBe('0\n')
  })
})
