// A container's writable layer is read without following its links, with the BUILT CLI: after
// `ln -s <canary> /link` inside a container, `store diff` lists the link, `store export` and
// `store commit` carry the symlink itself, and no byte of the canary reaches the store.

import { describe, expect, test } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sh } from '../_fixtures/cli.js'
import { CANARY_TEXT } from '../_fixtures/hostile.js'
import { expectCanaryUntouched, ok, securityEnv, store, why, type Env } from './_harness.js'

const env: Env = securityEnv('store-security-live-')

describe.skipIf(why !== undefined)('diff, export and commit of a container with links to the host', () => {
  test('the links are listed and exported as links; the canary stays out', async () => {
    const c = env.canary.dir
    ok(await store(env, ['run', '--name', 'lt', 'busybox', 'sh', '-c', `ln -s ${c} /link && ln -s ${c}/canary.txt /file && mkdir /d && ln -s ../.. /d/up`]))
    const diff = ok(await store(env, ['diff', 'lt'])).stdout
    expect(diff).toBe('A /d\nA /d/up\nA /file\nA /link\n')
    const out = join(env.tmp, 'export.tar')
    ok(await store(env, ['export', '-o', out, 'lt']))
    const listing = sh(`tar -tvf ${out}`)
    expect(listing).toMatch(new RegExp(`^l\\S+ .* link -> ${c}$`, 'm'))
    expect(listing).toMatch(new RegExp(`^l\\S+ .* file -> ${c}/canary.txt$`, 'm'))
    expect(listing).not.toMatch(/link\/canary\.txt|secret/)
    expect(readFileSync(out).includes(CANARY_TEXT)).toBe(false)
    ok(await store(env, ['commit', 'lt', 'live/commit']))
    expect(ok(await store(env, ['run', '--rm', 'live/commit', 'sh', '-c', 'readlink /link; readlink /file; readlink /d/up'])).stdout).toBe(`${c}\n${c}/canary.txt\n../..\n`)
    expectCanaryUntouched(env)
  })
})
