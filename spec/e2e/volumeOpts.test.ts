// End-to-end: volumes made with Docker's local-driver options (`--opt type=… --opt device=…
// --opt o=…`) are mounted as that file system in each container that uses them: a tmpfs of the
// given size, or a bind of a host folder (type=none, o=bind).

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, store, tempDir, type CliResult } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'

const why = busyboxUnavailable()
let tmp: ReturnType<typeof tempDir>
let root: string

const cli = (args: string[]) => store(root, args)
const ok = (r: CliResult): CliResult => {
  expect(r.status, r.stderr).toBe(0)
  return r
}

beforeAll(() => {
  if (why) return
  requireBuilt()
  tmp = tempDir('store-e2e-volopts-')
  root = join(tmp.dir, 'root')
  makeBusyboxRoot(join(tmp.dir, 'bb'))
  ok(cli(['import', join(tmp.dir, 'bb'), 'busybox']))
})
afterAll(() => tmp?.cleanup())

describe.skipIf(why !== undefined)('volumes with local-driver options', () => {
  test('type=tmpfs: each container gets a tmpfs of the given size there; nothing lands in _data', () => {
    ok(cli(['volume', 'create', 'tv', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=1m,mode=0750']))
    const out = ok(cli(['run', '--rm', '-v', 'tv:/t', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts; stat -c %a /t; echo x > /t/f; cat /t/f'])).stdout
    expect(out).toMatch(/^tmpfs \/t tmpfs rw,[^\n]*size=1024k[^\n]*\n750\nx\n$/)
    // A later container starts from an empty tmpfs, as Docker's (unmounted when unused) does.
    expect(ok(cli(['run', '--rm', '-v', 'tv:/t', 'busybox', 'ls', '-A', '/t'])).stdout).toBe('')
    expect(ok(cli(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'tv'])).stdout.trim()).toBe(join(root, 'volumes/tv/_data'))
    expect(readdirSync(join(root, 'volumes/tv/_data'))).toEqual([])
    expect(ok(cli(['run', '--rm', '--mount', 'type=volume,source=tv,target=/t,readonly', 'busybox', 'sh', '-c', 'touch /t/y 2>&1; grep -c " /t tmpfs ro," /proc/mounts'])).stdout).toMatch(/Read-only file system\n1\n$/)
  })

  test('type=none,o=bind: the device folder itself is what the container sees and writes', () => {
    const dir = join(tmp.dir, 'shared')
    mkdirSync(dir)
    ok(cli(['volume', 'create', 'bv', '--opt', 'type=none', '--opt', `device=${dir}`, '--opt', 'o=bind']))
    ok(cli(['run', '--rm', '-v', 'bv:/b', 'busybox', 'sh', '-c', 'echo hello > /b/note']))
    expect(readFileSync(join(dir, 'note'), 'utf8')).toBe('hello\n')
    expect(ok(cli(['run', '--rm', '-v', 'bv:/b', 'busybox', 'cat', '/b/note'])).stdout).toBe('hello\n')
  })
})
