// A container that fills the disk: its own exit status is what `run` returns and `ps` shows,
// foreground and detached (the state is rewritten in place when there is no room for a new
// file; before, the exit was lost and the container showed as killed: Exited (137)). The store
// root is a small tmpfs of the test's own.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, sh, store, tempDir } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'

const skip = busyboxUnavailable()
let tmp: { dir: string; cleanup: () => void }
let root: string
let mnt = ''

beforeAll(() => {
  if (skip) return
  requireBuilt()
  tmp = tempDir('store-full-')
  const bb = makeBusyboxRoot(join(tmp.dir, 'bb'))
  const small = join(tmp.dir, 'small')
  mkdirSync(small)
  sh(`mount -t tmpfs -o size=16m tmpfs ${small}`)
  mnt = small
  root = join(small, 'root')
  expect(store(root, ['import', bb, 'busybox']).status).toBe(0)
})

afterAll(() => {
  if (mnt) {
    store(root, ['rm', '-f', 'fill-fg', 'fill-bg'])
    sh(`umount ${mnt}`)
  }
  tmp?.cleanup()
})

const FILL = 'dd if=/dev/zero of=/big bs=1M 2>/dev/null; test -s /big && echo filled; exit 3'

describe.skipIf(skip)('a container that fills the disk', () => {
  test('run returns its status and ps shows it, in the foreground and detached', () => {
    const fg = store(root, ['run', '--name', 'fill-fg', 'busybox', 'sh', '-c', FILL])
    expect([fg.status, fg.stdout, fg.stderr]).toEqual([3, 'filled\n', ''])
    expect(store(root, ['rm', 'fill-fg']).status).toBe(0)
    expect(store(root, ['run', '-d', '--name', 'fill-bg', 'busybox', 'sh', '-c', `sleep 0.2; ${FILL}`]).status).toBe(0)
    let st = ''
    for (let i = 0; i < 100 && !st.startsWith('Exited'); i++) {
      sh('sleep 0.05')
      st = store(root, ['ps', '-a', '--format', '{{.Names}}|{{.Status}}']).stdout.split('\n').find((l) => l.startsWith('fill-bg|'))?.split('|')[1] ?? ''
    }
    expect(st).toMatch(/^Exited \(3\) /)
  })
})
