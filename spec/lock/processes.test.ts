// Across real processes: a holder killed with -9 leaves its lock file behind; every waiter finds
// it stale at the same moment, and exactly one takes it over at a time (a takeover is itself
// serialized), so no increment made under the lock is ever lost.

import { afterEach, beforeEach, expect, test } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { once } from 'node:events'
import { layout, type Layout } from '../../lib/layout.js'
import { requireBuilt } from '../_fixtures/cli.js'
import { deadPid, holderFile } from './_holders.js'

const HAMMER = new URL('./_hammer.mjs', import.meta.url).pathname
let dir: string
let l: Layout
const children: ChildProcess[] = []
beforeEach(async () => {
  requireBuilt()
  dir = await mkdtemp(join(tmpdir(), 'store-locks-'))
  l = layout(join(dir, 'root'))
  await mkdir(l.locksDir, { recursive: true })
})
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await rm(dir, { recursive: true, force: true })
})

function node(args: string[]): ChildProcess {
  const c = spawn(process.execPath, [HAMMER, l.root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(c)
  return c
}

test('four processes queued behind a holder killed with -9 take its lock over one at a time', async () => {
  const holder = node(['hold'])
  await once(holder.stdout!, 'data')
  holder.kill('SIGKILL')
  await once(holder, 'exit')
  // Also a break file left by a taker killed inside its takeover.
  await writeFile(`${l.lock('tags')}.break`, holderFile(deadPid()))
  const counter = join(dir, 'counter')
  await writeFile(counter, '0')
  const workers = Array.from({ length: 4 }, () => node([counter, '30']))
  const codes = await Promise.all(workers.map(async (w) => {
    let err = ''
    w.stderr!.on('data', (b) => (err += b))
    const [code] = await once(w, 'exit')
    return code === 0 ? 0 : `${code}: ${err}`
  }))
  expect(codes).toEqual([0, 0, 0, 0])
  expect(await readFile(counter, 'utf8')).toBe('120')
  expect(await readdir(l.locksDir)).toEqual([])
})
