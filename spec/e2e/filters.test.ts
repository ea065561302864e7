// End-to-end: `store images --filter` and `store ps --filter` as Docker's (dangling, reference,
// label, before, since; status, exited, name, id, label, ancestor, volume), and their errors.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { join } from 'node:path'
import { requireBuilt, store, tempDir, type CliResult } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'

const skip = busyboxUnavailable() !== undefined

let tmp: { dir: string; cleanup: () => void }
let root: string
const cli = (args: string[], input?: string) => store(root, args, input === undefined ? {} : { input })
const ok = (r: CliResult): CliResult => {
  expect(r.status, r.stderr).toBe(0)
  return r
}
const lines = (r: CliResult) => ok(r).stdout.trim().split('\n').filter(Boolean).sort()

beforeAll(() => {
  if (skip) return
  requireBuilt()
  tmp = tempDir('store-e2e-filters-')
  root = join(tmp.dir, 'root')
  makeBusyboxRoot(join(tmp.dir, 'busybox'))
  ok(cli(['import', join(tmp.dir, 'busybox'), 'busybox']))
  // Made in this order (each build is newer than the one before).
  ok(cli(['build', '-t', 'acme/app:1', '--label', 'tier=web', '-'], 'FROM busybox\nRUN echo 1 > /v\n'))
  ok(cli(['build', '-t', 'acme/app:2', '--label', 'tier=db', '-'], 'FROM busybox\nRUN echo 2 > /v\n'))
  ok(cli(['build', '-t', 'other/tool', '-'], 'FROM busybox\nRUN echo 3 > /v\n'))
  ok(cli(['build', '-t', 'other/tool', '-'], 'FROM busybox\nRUN echo 4 > /v\n')) // the first other/tool is now dangling
})
afterAll(() => tmp?.cleanup())
afterEach(() => new Promise<void>((r) => setTimeout(r, 0)))

const repoTags = (extra: string[]) => lines(cli(['images', ...extra, '--format', '{{.Repository}}:{{.Tag}}']))

describe.skipIf(skip)('store images --filter', () => {
  test('dangling: only the untagged, or only the tagged', () => {
    expect(repoTags(['-f', 'dangling=true'])).toEqual(['<none>:<none>'])
    expect(repoTags(['--filter', 'dangling=false'])).toEqual(['acme/app:1', 'acme/app:2', 'busybox:latest', 'other/tool:latest'])
  })

  test("reference: Go's path.Match on name:tag or the name, any of several", () => {
    expect(repoTags(['-f', 'reference=acme/*'])).toEqual(['acme/app:1', 'acme/app:2'])
    expect(repoTags(['-f', 'reference=*:2'])).toEqual([]) // * does not cross the /
    expect(repoTags(['-f', 'reference=*/*:2'])).toEqual(['acme/app:2'])
    expect(repoTags(['-f', 'reference=busybox', '-f', 'reference=other/tool'])).toEqual(['busybox:latest', 'other/tool:latest'])
  })

  test('label, before and since', () => {
    expect(repoTags(['-f', 'label=tier'])).toEqual(['acme/app:1', 'acme/app:2'])
    expect(repoTags(['-f', 'label=tier=db'])).toEqual(['acme/app:2'])
    expect(repoTags(['-f', 'before=acme/app:2', '-f', 'dangling=false'])).toEqual(['acme/app:1', 'busybox:latest'])
    expect(repoTags(['-f', 'since=acme/app:2', '-f', 'dangling=false'])).toEqual(['other/tool:latest'])
  })

  test('an unknown key, a bad value or an unknown image is an error (exit 1)', () => {
    expect([cli(['images', '-f', 'foo=1']).status, cli(['images', '-f', 'foo=1']).stderr]).toEqual([1, "Error: invalid filter 'foo'\n"])
    expect(cli(['images', '-f', 'dangling=maybe']).stderr).toBe("Error: invalid filter 'dangling=[maybe]'\n")
    expect(cli(['images', '-f', 'before=nosuch']).stderr).toBe('Error: No such image: nosuch\n')
  })
})

describe.skipIf(skip)('store ps --filter', () => {
  beforeAll(() => {
    if (skip) return
    ok(cli(['run', '--name', 'ok-one', '--label', 'role=batch', 'busybox', 'true']))
    cli(['run', '--name', 'failed-one', '-v', 'data:/data', 'acme/app:1', 'sh', '-c', 'exit 3'])
    ok(cli(['create', '--name', 'made-one', 'other/tool', 'true']))
    ok(cli(['run', '-d', '--name', 'up-one', '--label', 'role=server', 'busybox', 'sleep', '60']))
  })
  afterAll(() => {
    if (!skip) cli(['rm', '-f', 'ok-one', 'failed-one', 'made-one', 'up-one'])
  })
  const names = (extra: string[]) => lines(cli(['ps', ...extra, '--format', '{{.Names}}']))

  test('status and exited look at every container, as without -a', () => {
    expect(names([])).toEqual(['up-one'])
    expect(names(['-f', 'status=exited'])).toEqual(['failed-one', 'ok-one'])
    expect(names(['-f', 'status=created', '-f', 'status=running'])).toEqual(['made-one', 'up-one'])
    expect(names(['-f', 'exited=3'])).toEqual(['failed-one'])
    expect(names(['-f', 'exited=0'])).toEqual(['ok-one'])
  })

  test('name and id are regular expressions; label, ancestor and volume', () => {
    expect(names(['-a', '-f', 'name=one$', '-f', 'name=^up'])).toEqual(['failed-one', 'made-one', 'ok-one', 'up-one'])
    expect(names(['-a', '-f', 'name=^/?ok'])).toEqual(['ok-one'])
    const id = ok(cli(['ps', '-a', '-q', '--no-trunc', '-f', 'name=^made-one$'])).stdout.trim()
    expect(names(['-a', '-f', `id=${id.slice(0, 10)}`])).toEqual(['made-one'])
    expect(names(['-a', '-f', 'label=role'])).toEqual(['ok-one', 'up-one'])
    expect(names(['-a', '-f', 'label=role=server'])).toEqual(['up-one'])
    expect(names(['-a', '-f', 'ancestor=acme/app:1'])).toEqual(['failed-one'])
    expect(names(['-a', '-f', 'ancestor=other/tool'])).toEqual(['made-one'])
    expect(names(['-a', '-f', 'volume=data'])).toEqual(['failed-one'])
    expect(names(['-a', '-f', 'volume=/data'])).toEqual(['failed-one'])
  })

  test('an unknown key or status is an error', () => {
    expect(cli(['ps', '-f', 'colour=red']).stderr).toBe("Error: invalid filter 'colour'\n")
    expect(cli(['ps', '-f', 'status=asleep']).stderr).toBe("Error: invalid filter 'status=asleep'\n")
  })
})
