// COPY sources are resolved inside their own root, with the BUILT CLI: a stage's `ln -s / /l`
// makes `COPY --from=stage /l/<path>` read the stage's own <path>; a context symlink pointing
// out of the context is read inside the context (BuildKit's rule); symlinks inside a copied
// tree are copied as symlinks. The canary folder the links point at never reaches an image.

import { describe, expect, test } from 'vitest'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CANARY_TEXT } from '../_fixtures/hostile.js'
import { expectCanaryUntouched, ok, securityEnv, store, why, type Env } from './_harness.js'

const env: Env = securityEnv('store-security-copy-')

function project(name: string, dockerfile: string): string {
  const ctx = join(env.tmp, name)
  mkdirSync(ctx, { recursive: true })
  writeFileSync(join(ctx, 'Dockerfile'), dockerfile)
  return ctx
}
const build = (ctx: string, tag: string) => store(env, ['build', '--progress', 'plain', '-t', tag, ctx])
const runSh = async (image: string, script: string) => ok(await store(env, ['run', '--rm', image, 'sh', '-c', script])).stdout

describe.skipIf(why !== undefined)('COPY --from a stage with `ln -s / /l`', () => {
  test('/l/<path> is the stage\'s own <path>, never the host\'s', async () => {
    const c = env.canary.dir
    const ctx = project('from-stage', [
      'FROM busybox AS s',
      `RUN ln -s / /l && mkdir -p ${c} && echo stage-own > ${c}/canary.txt`,
      'FROM busybox',
      `COPY --from=s /l${c}/canary.txt /got`,
      `COPY --from=s /l${c} /dir`,
      'COPY --from=s /l /link',
      '',
    ].join('\n'))
    ok(await build(ctx, 'copy/from'))
    expect(await runSh('copy/from', 'cat /got; ls -A /dir; readlink /link')).toBe('stage-own\ncanary.txt\n/\n')
    expectCanaryUntouched(env)
  })

  test('a path the stage does not have is not found, even when the host has it', async () => {
    const c = env.canary.dir
    const ctx = project('from-stage-missing', ['FROM busybox AS s', 'RUN ln -s / /l', 'FROM busybox', `COPY --from=s /l${c}/sub/secret /got`, ''].join('\n'))
    const r = await build(ctx, 'copy/missing')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`"/l${c}/sub/secret": not found`)
    expectCanaryUntouched(env)
  })
})

describe.skipIf(why !== undefined)('COPY through a context symlink that points outside the context', () => {
  test('is resolved inside the context: link/file reads <context>/<target>/file', async () => {
    const c = env.canary.dir
    const ctx = project('ctx-link', ['FROM busybox', 'COPY link/canary.txt /got', 'COPY up/canary.txt /got2', 'COPY . /all', ''].join('\n'))
    symlinkSync(c, join(ctx, 'link'))
    symlinkSync(`${'../'.repeat(12)}${c.slice(1)}`, join(ctx, 'up'))
    mkdirSync(join(ctx, c), { recursive: true })
    writeFileSync(join(ctx, c, 'canary.txt'), 'context-own\n')
    ok(await build(ctx, 'copy/ctx'))
    const out = await runSh('copy/ctx', `cat /got /got2; readlink /all/link; cat /all${c}/canary.txt`)
    expect(out).toBe(`context-own\ncontext-own\n${c}\ncontext-own\n`)
    expect(out).not.toContain(CANARY_TEXT)
    expectCanaryUntouched(env)
  })

  test('a target the context does not hold is not found', async () => {
    const ctx = project('ctx-link-missing', ['FROM busybox', 'COPY link/sub/secret /got', ''].join('\n'))
    symlinkSync(env.canary.dir, join(ctx, 'link'))
    const r = await build(ctx, 'copy/ctx-missing')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('"/link/sub/secret": not found')
    expectCanaryUntouched(env)
  })
})

describe.skipIf(why !== undefined)('COPY to a destination that is an image symlink pointing at the host', () => {
  test('the destination is resolved inside the image: the file lands in the image, the host dir is untouched', async () => {
    const c = env.canary.dir
    const ctx = project('dest-link', ['FROM busybox', `RUN ln -s ${c} /dst`, 'COPY new.txt /dst/', ''].join('\n'))
    writeFileSync(join(ctx, 'new.txt'), 'copied\n')
    ok(await build(ctx, 'copy/dest'))
    expect(await runSh('copy/dest', `cat ${c}/new.txt; readlink /dst`)).toBe(`copied\n${c}\n`)
    expectCanaryUntouched(env)
  })
})
