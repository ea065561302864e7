// bind-propagation is honoured: with rslave a mount made on the host under the bind source
// after the container started shows inside it. (The default, rprivate, hid it in a hand check,
// but inside this spec it did not: see the closing note; not asserted until understood.)
// Propagation needs a shared mount on the host side (as in Docker): the test makes its own
// bind mount of its temp folder shared, and undoes every mount it made.

import { afterAll, beforeAll, expect, test } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, sh, store, tempDir } from '../_fixtures/cli.js'
import { makeBusyboxRoot } from '../_fixtures/busybox.js'

let tmp: { dir: string; cleanup: () => void }
let root: string
let src: string
const mounted: string[] = []

beforeAll(async () => {
  requireBuilt()
  tmp = tempDir('store-prop-')
  root = join(tmp.dir, 'root')
  const bb = join(tmp.dir, 'bb')
  await makeBusyboxRoot(bb)
  expect(store(root, ['import', bb, 'busybox']).status).toBe(0)
  src = join(tmp.dir, 'src')
  mkdirSync(join(src, 'sub'), { recursive: true })
  sh(`mount --bind ${src} ${src} && mount --make-shared ${src}`)
  mounted.push(src)
})

afterAll(() => {
  store(root, ['rm', '-f', 'slave', 'private'])
  for (const m of mounted.reverse()) sh(`umount ${m} || true`)
  tmp?.cleanup()
})

test('rslave binds see host mounts made later', () => {
  expect(store(root, ['run', '-d', '--name', 'slave', '--mount', `type=bind,src=${src},dst=/s,bind-propagation=rslave`, 'busybox', 'sleep', '60']).status).toBe(0)
  expect(store(root, ['run', '-d', '--name', 'private', '-v', `${src}:/s`, 'busybox', 'sleep', '60']).status).toBe(0)
  sh(`mount -t tmpfs tmpfs ${join(src, 'sub')}`)
  mounted.push(join(src, 'sub'))
  writeFileSync(join(src, 'sub', 'f'), 'from the host\n')
  expect(store(root, ['exec', 'slave', 'cat', '/s/sub/f']).stdout).toBe('from the host\n')
  const inspect = JSON.parse(store(root, ['inspect', 'slave']).stdout)[0]
  expect(inspect.Mounts[0].Propagation).toBe('rslave')
})
