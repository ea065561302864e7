// bind-propagation is honoured: with rslave a mount made on the host under the bind source
// after the container started shows inside it; with the default, rprivate, it does not.
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

test('rslave binds see host mounts made later; default (rprivate) binds do not', () => {
  expect(store(root, ['run', '-d', '--name', 'slave', '--mount', `type=bind,src=${src},dst=/s,bind-propagation=rslave`, 'busybox', 'sleep', '60']).status).toBe(0)
  expect(store(root, ['run', '-d', '--name', 'private', '-v', `${src}:/s`, 'busybox', 'sleep', '60']).status).toBe(0)
  sh(`mount -t tmpfs tmpfs ${join(src, 'sub')}`)
  mounted.push(join(src, 'sub'))
  writeFileSync(join(src, 'sub', 'f'), 'from the host\n')
  expect(store(root, ['exec', 'slave', 'cat', '/s/sub/f']).stdout).toBe('from the host\n')
  const hidden = store(root, ['exec', 'private', 'cat', '/s/sub/f'])
  expect(hidden.status).toBe(1)
  expect(hidden.stderr).toContain("can't open '/s/sub/f'")
  // The mount tables say the same: a slave copy of the host's tmpfs in one, nothing in the other.
  const table = (name: string) => store(root, ['exec', name, 'cat', '/proc/self/mountinfo']).stdout.split('\n')
  expect(table('slave').filter((l) => / \/s\/sub /.test(l))).toEqual([expect.stringMatching(/ master:\d+ - tmpfs /)])
  expect(table('private').filter((l) => / \/s\/sub /.test(l))).toEqual([])
  expect(table('private').find((l) => / \/s /.test(l))).not.toMatch(/master:|shared:/)
  const propagation = (name: string) => JSON.parse(store(root, ['inspect', name]).stdout)[0].Mounts[0].Propagation
  expect(propagation('slave')).toBe('rslave')
  expect(propagation('private')).toBe('rprivate')
})
