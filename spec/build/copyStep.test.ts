// COPY's layer as BuildKit makes it: --chmod and --chown reach the copied files and the dirs
// copied from the source; destination dirs the step creates are 0755 (owned by the --chown user).

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempStore } from '../_fixtures/store.js'
import { ContextHasher } from '../../lib/build/context.js'
import { copyLayer, planCopy, type CopyOptions } from '../../lib/build/copyStep.js'
import { indexHeaders, loadIndex } from '../../lib/layer/index.js'

let t: Awaited<ReturnType<typeof tempStore>>
let ctx: string
beforeEach(async () => {
  t = await tempStore()
  ctx = join(t.dir, 'ctx')
  await mkdir(join(ctx, 'sub'), { recursive: true, mode: 0o700 })
  await chmod(join(ctx, 'sub'), 0o700) // whatever the umask
  for (const f of ['a.txt', 'b.txt', 'sub/c.txt']) await writeFile(join(ctx, f), f, { mode: 0o644 })
})
afterEach(() => t.cleanup())

/** name → { mode, uid, gid } of every entry in the COPY's layer. */
async function copied(o: Partial<CopyOptions> & Pick<CopyOptions, 'sources' | 'dest'>) {
  const opts: CopyOptions = { sourceRoot: ctx, ignore: () => false, lower: async (p) => (p === '/' ? 'dir' : undefined), keepOwner: false, ...o }
  const plan = await planCopy(new ContextHasher(t.store), opts)
  const { record } = await copyLayer(t.store, [], plan, opts)
  const headers = []
  for await (const h of indexHeaders(t.store.cas, await loadIndex(t.store.cas, record.index))) headers.push(h)
  return Object.fromEntries(headers.map((h) => [h.name, { mode: h.mode.toString(8), uid: h.uid, gid: h.gid }]))
}

describe('copyLayer()', () => {
  test('--chmod and --chown set the files; the created destination dir stays 0755, owned by the chown user', async () => {
    const out = await copied({ sources: ['*.txt'], dest: '/g/', chmod: 0o640, chown: { uid: 1000, gid: 1000 } })
    expect(out).toEqual({
      'g/': { mode: '755', uid: 1000, gid: 1000 },
      'g/a.txt': { mode: '640', uid: 1000, gid: 1000 },
      'g/b.txt': { mode: '640', uid: 1000, gid: 1000 },
    })
  })

  test('--chmod reaches dirs copied from the source, not the created parents', async () => {
    const out = await copied({ sources: ['.'], dest: '/opt/app', chmod: 0o750 })
    expect(out['opt/']).toEqual({ mode: '755', uid: 0, gid: 0 })
    expect(out['opt/app/']).toEqual({ mode: '755', uid: 0, gid: 0 })
    expect(out['opt/app/sub/']).toEqual({ mode: '750', uid: 0, gid: 0 })
    expect(out['opt/app/sub/c.txt']).toEqual({ mode: '750', uid: 0, gid: 0 })
  })

  test('without --chmod a source dir keeps its mode and created dirs are 0755, owned by root', async () => {
    const out = await copied({ sources: ['sub'], dest: '/x/y/' })
    expect(out['x/']).toEqual({ mode: '755', uid: 0, gid: 0 })
    expect(out['x/y/']).toEqual({ mode: '755', uid: 0, gid: 0 })
    expect(out['x/y/c.txt'].mode).toBe('644')
  })
})
