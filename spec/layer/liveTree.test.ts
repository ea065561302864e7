// Live trees are read through open dir fds: a dir swapped for a symlink to a host folder while a
// walk or a changes tar is under way fails the read (ELOOP) instead of following it. The swap
// happens while the generator is paused at a yield, so the order of events is fixed.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { changesTar, walkTree } from '../../lib/layer/index.js'
import { CANARY_TEXT, makeCanary } from '../_fixtures/hostile.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-live-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function tree() {
  const canary = makeCanary(join(dir, 'canary'))
  const upper = join(dir, 'upper')
  mkdirSync(join(upper, 'd'), { recursive: true })
  writeFileSync(join(upper, 'd/canary.txt'), 'mine\n')
  const swap = () => {
    renameSync(join(upper, 'd'), join(upper, 'd.old'))
    symlinkSync(canary.dir, join(upper, 'd'))
  }
  return { canary, upper, swap }
}

describe('reading a live tree', () => {
  test('walkTree() never lists a dir that became a symlink', async () => {
    const { upper, swap } = tree()
    const names: string[] = []
    const walk = async () => {
      for await (const it of walkTree(upper)) {
        names.push(it.name)
        if (it.name === 'd') swap()
      }
    }
    await expect(walk()).rejects.toMatchObject({ code: 'TREE_CHANGED' })
    expect(names).toEqual(['d'])
  })

  test('changesTar() never reads through a dir that became a symlink', async () => {
    const { canary, upper, swap } = tree()
    const before = canary.fingerprint()
    const changes = [
      { kind: 'add' as const, path: 'd', source: join(upper, 'd'), root: upper },
      { kind: 'add' as const, path: 'd/canary.txt', source: join(upper, 'd/canary.txt'), root: upper },
    ]
    const out: Buffer[] = []
    const read = async () => {
      for await (const b of changesTar(changes)) {
        out.push(Buffer.from(b))
        if (out.length === 1) swap() // after the header of d
      }
    }
    await expect(read()).rejects.toMatchObject({ code: 'TREE_CHANGED' })
    expect(Buffer.concat(out).includes(CANARY_TEXT)).toBe(false)
    expect(canary.fingerprint()).toBe(before)
  })
})
