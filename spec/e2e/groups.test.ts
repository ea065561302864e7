// End-to-end: Docker's management groups. `store image …` and `store container …` are the
// top-level commands under Docker's group names (same output), `image inspect` and `container
// inspect` look for their kind only, and the group prunes remove what Docker's do, nothing more.
// Also `store version`, `store info`, and command-line mistakes in Docker's words.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { join } from 'node:path'
import { requireBuilt, store, storeIn, tempDir, type CliResult } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'

const skip = busyboxUnavailable() !== undefined

let tmp: { dir: string; cleanup: () => void }
let root: string
const cli = (args: string[]) => store(root, args)
const ok = (r: CliResult): CliResult => {
  expect(r.status, r.stderr).toBe(0)
  return r
}

beforeAll(() => {
  if (skip) return
  requireBuilt()
  tmp = tempDir('store-e2e-groups-')
  root = join(tmp.dir, 'root')
  makeBusyboxRoot(join(tmp.dir, 'busybox'))
  ok(cli(['import', join(tmp.dir, 'busybox'), 'busybox']))
})
afterAll(() => tmp?.cleanup())
afterEach(() => new Promise<void>((r) => setTimeout(r, 0)))

describe.skipIf(skip)('store image …', () => {
  test('ls, list and history print what images and history print', () => {
    // Without the CREATED columns: "Less than a second ago" may turn "1 second ago" between two calls.
    const rows = '{{.ID}} {{.Repository}}:{{.Tag}} {{.Size}}'
    expect(ok(cli(['image', 'ls', '--format', rows])).stdout).toBe(ok(cli(['images', '--format', rows])).stdout)
    expect(ok(cli(['image', 'ls', '--format', rows])).stdout).toMatch(/^[0-9a-f]{12} busybox:latest \S+\n$/)
    expect(ok(cli(['image', 'list', '-q'])).stdout).toBe(ok(cli(['images', '-q'])).stdout)
    expect(ok(cli(['image', 'history', '-q', 'busybox'])).stdout).toBe(ok(cli(['history', '-q', 'busybox'])).stdout)
    expect(ok(cli(['image', 'history', '-q', 'busybox'])).stdout).toMatch(/^[0-9a-f]{12}\n$/)
  })

  test('inspect finds images only: a container of the same name is no image', () => {
    ok(cli(['create', '--name', 'busybox', 'busybox', 'true']))
    try {
      const image = JSON.parse(ok(cli(['image', 'inspect', 'busybox'])).stdout)
      expect(image[0].RootFS.Type).toBe('layers')
      const r = cli(['image', 'inspect', 'nosuch'])
      expect(r.status).toBe(1)
      expect(r.stderr).toBe('Error: No such object: nosuch\n')
    } finally {
      ok(cli(['rm', 'busybox']))
    }
  })

  test('tag, then rm and remove untag and delete as rmi does', () => {
    ok(cli(['image', 'tag', 'busybox', 'acme/one:1']))
    ok(cli(['image', 'tag', 'busybox', 'acme/two:1']))
    expect(ok(cli(['image', 'rm', 'acme/one:1'])).stdout).toBe('Untagged: acme/one:1\n')
    expect(ok(cli(['image', 'remove', 'acme/two:1'])).stdout).toBe('Untagged: acme/two:1\n')
    expect(ok(cli(['images', '--format', '{{.Repository}}'])).stdout).toBe('busybox\n')
  })

  test('prune removes dangling images only, all unused ones with -a; the tagged base stays', () => {
    // A dangling image: built, then its tag moved to another build.
    ok(store(root, ['build', '-t', 'acme/app', '-'], { input: 'FROM busybox\nRUN echo one > /v\n' }))
    const first = ok(cli(['images', '-q', 'acme/app'])).stdout.trim()
    ok(store(root, ['build', '-t', 'acme/app', '-'], { input: 'FROM busybox\nRUN echo two > /v\n' }))
    expect(ok(cli(['images', '-q'])).stdout).toContain(first)
    const r = ok(cli(['image', 'prune', '-f']))
    expect(r.stdout).toMatch(/^Deleted Images:\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: /)
    expect(ok(cli(['images', '-q'])).stdout).not.toContain(first)
    expect(ok(cli(['images', '--format', '{{.Repository}}'])).stdout.trim().split('\n').sort()).toEqual(['acme/app', 'busybox'])
    // -a: every image no container uses; a container's image stays.
    ok(cli(['create', '--name', 'keeps', 'busybox', 'true']))
    try {
      ok(cli(['image', 'prune', '-a', '-f']))
      expect(ok(cli(['images', '--format', '{{.Repository}}'])).stdout).toBe('busybox\n')
    } finally {
      ok(cli(['rm', 'keeps']))
    }
    expect(ok(cli(['fsck'])).stdout).toMatch(/no problems/)
  })
})

describe.skipIf(skip)('store container …', () => {
  test('run, ls (list, ps), inspect, logs and rm under the group name', () => {
    expect(ok(cli(['container', 'run', '--name', 'c1', 'busybox', 'echo', 'hi', '-n'])).stdout).toBe('hi -n\n')
    const ids = ok(cli(['ps', '-a', '-q'])).stdout
    expect(ok(cli(['container', 'ls', '-a', '-q'])).stdout).toBe(ids)
    expect(ok(cli(['container', 'list', '-a', '-q'])).stdout).toBe(ids)
    expect(ok(cli(['container', 'ps', '-a', '-q'])).stdout).toBe(ids)
    expect(JSON.parse(ok(cli(['container', 'inspect', 'c1'])).stdout)[0].Name).toBe('/c1')
    // An image is no container.
    const r = cli(['container', 'inspect', 'busybox'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('Error: No such object: busybox\n')
    expect(ok(cli(['container', 'logs', 'c1'])).stdout).toBe('hi -n\n')
    expect(ok(cli(['container', 'rm', 'c1'])).stdout).toBe('c1\n')
    expect(ok(cli(['ps', '-a', '-q'])).stdout).toBe('')
  })

  test('an unknown flag of container run is Docker\'s error, as for run', () => {
    const r = cli(['container', 'run', '--bogus', 'busybox', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toMatch(/^unknown flag: --bogus\n/)
  })

  test('prune removes every stopped container and no running one', () => {
    ok(cli(['create', '--name', 'stopped1', 'busybox', 'true']))
    ok(cli(['container', 'run', '--name', 'stopped2', 'busybox', 'true']))
    ok(cli(['run', '-d', '--name', 'running', 'busybox', 'sleep', '60']))
    try {
      const r = ok(cli(['container', 'prune', '-f']))
      expect(r.stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n\nTotal reclaimed space: /)
      expect(ok(cli(['ps', '-a', '--format', '{{.Names}}'])).stdout).toBe('running\n')
    } finally {
      ok(cli(['rm', '-f', 'running']))
    }
  })

  test("a group without a subcommand prints its help (exit 0, as Docker's); an unknown one is Docker's unknown command", () => {
    for (const g of ['image', 'container', 'volume', 'system', 'builder']) {
      const r = cli([g])
      expect([r.status, r.stderr], g).toEqual([0, ''])
      expect(r.stdout).toMatch(new RegExp(`^store ${g}\\n\\n.*\\n\\nCommands:\\n  store ${g} `))
    }
    const r = cli(['volume', 'lss'])
    expect([r.status, r.stderr]).toEqual([1, "store: unknown command: store volume lss\n\nUsage:  store volume\n\nRun 'store volume --help' for more information\n"])
  })
})

describe.skipIf(skip)('store version, store info, mistakes', () => {
  test('version prints the client section, json, or a template; info is system info', () => {
    const VERSION: string = JSON.parse(ok(cli(['version', '--format', 'json'])).stdout).Client.Version
    expect(ok(cli(['--version'])).stdout).toBe(`store version ${VERSION}\n`)
    expect(ok(cli(['version', '--format', '{{.Client.Version}}'])).stdout).toBe(`${VERSION}\n`)
    const arch = process.arch === 'x64' ? 'amd64' : process.arch
    expect(ok(cli(['version'])).stdout).toBe(`Client: store\n Version:           ${VERSION}\n Node version:      ${process.version}\n OS/Arch:           linux/${arch}\n`)
    expect(ok(cli(['info'])).stdout).toBe(ok(cli(['system', 'info'])).stdout)
  })

  test('an unknown command is 1, an unknown flag 125, each with the usage line and where help is', () => {
    const cmd = cli(['frobnicate', 'db'])
    expect([cmd.status, cmd.stderr]).toEqual([1, "store: unknown command: store frobnicate\n\nRun 'store --help' for more information\n"])
    const flag = cli(['ps', '--bogus'])
    expect([flag.status, flag.stderr]).toEqual([125, "unknown flag: --bogus\n\nUsage:  store ps [OPTIONS]\n\nRun 'store ps --help' for more information\n"])
    const few = cli(['logs'])
    expect([few.status, few.stderr.split('\n')[0]]).toEqual([1, "store: 'store logs' requires 1 argument"])
  })
})

describe.skipIf(skip)('store wait, rename, restart, logs --tail', () => {
  test('wait prints each exit code once stopped; a missing container is an error and exit 1, the rest still waited', () => {
    ok(cli(['run', '-d', '--name', 'waited', 'busybox', 'sh', '-c', 'sleep 1; exit 7']))
    try {
      const r = cli(['wait', 'waited', 'nosuch'])
      expect([r.status, r.stdout, r.stderr]).toEqual([1, '7\n', 'Error: No such container: nosuch\n'])
      expect(ok(cli(['wait', 'waited'])).stdout).toBe('7\n') // stopped already: at once
    } finally {
      cli(['rm', '-f', 'waited'])
    }
  })

  test('wait: a container never started is 0 at once; one killed and removed while waited on is 137 or gone, never a made-up 0', async () => {
    ok(cli(['create', '--name', 'never-run', 'busybox', 'true']))
    expect(ok(cli(['wait', 'never-run'])).stdout).toBe('0\n')
    ok(cli(['rm', 'never-run']))
    ok(cli(['run', '-d', '--name', 'removed-while-waited', 'busybox', 'sleep', '60']))
    const waiting = storeIn(root, ['wait', 'removed-while-waited'])
    await new Promise((r) => setTimeout(r, 300)) // most often it waits first; any order passes below
    ok(cli(['rm', '-f', 'removed-while-waited']))
    // Seen killed (137, Docker's answer) or seen gone: either way never a made-up 0.
    const w = await waiting
    expect([[0, '137\n', ''], [1, '', 'Error: No such container: removed-while-waited\n']]).toContainEqual([w.status, w.stdout, w.stderr])
  })

  test('commit of a -t container leaves out the TERM=xterm the terminal added, not one the image had', () => {
    ok(cli(['create', '-t', '--name', 'tty-made', 'busybox', 'true']))
    ok(store(root, ['build', '-t', 'acme/term', '-'], { input: 'FROM busybox\nENV TERM=xterm\n' }))
    ok(cli(['create', '-t', '--name', 'tty-image', 'acme/term', 'true']))
    try {
      ok(cli(['commit', 'tty-made', 'acme/from-tty']))
      ok(cli(['commit', 'tty-image', 'acme/from-tty-image']))
      const env = (ref: string) => JSON.parse(ok(cli(['image', 'inspect', ref])).stdout)[0].Config.Env as string[]
      expect(env('acme/from-tty').filter((e) => e.startsWith('TERM='))).toEqual([])
      expect(env('acme/from-tty-image').filter((e) => e.startsWith('TERM='))).toEqual(['TERM=xterm'])
    } finally {
      cli(['rm', 'tty-made', 'tty-image'])
    }
  })

  test('rename: the new name finds it, the old does not; a name in use or the same name is refused', () => {
    ok(cli(['create', '--name', 'before', 'busybox', 'true']))
    ok(cli(['create', '--name', 'taken', 'busybox', 'true']))
    try {
      ok(cli(['rename', 'before', 'after']))
      expect(ok(cli(['ps', '-a', '-f', 'name=^(after|before)$', '--format', '{{.Names}}'])).stdout).toBe('after\n')
      const used = cli(['rename', 'after', 'taken'])
      expect(used.status).toBe(1)
      expect(used.stderr).toMatch(/^Error: Error when allocating new name: Conflict\. The container name "\/taken" is already in use by container "[0-9a-f]{64}"\./)
      expect(cli(['rename', 'after', 'after']).stderr).toBe('Error: Renaming a container with the same name as its current name\n')
    } finally {
      cli(['rm', '-f', 'after', 'before', 'taken'])
    }
  })

  test('restart stops and starts again (the log keeps both runs); logs --tail shows the last lines', () => {
    ok(cli(['run', '--name', 'twice', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; done']))
    try {
      expect(ok(cli(['logs', '--tail', '2', 'twice'])).stdout).toBe('line 4\nline 5\n')
      expect(ok(cli(['logs', '-n', '0', 'twice'])).stdout).toBe('')
      expect(ok(cli(['logs', '--tail', 'all', 'twice'])).stdout.split('\n').length).toBe(6)
      expect(ok(cli(['restart', 'twice'])).stdout).toBe('twice\n')
      expect(ok(cli(['wait', 'twice'])).stdout).toBe('0\n')
      expect(ok(cli(['logs', 'twice'])).stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n'.repeat(2))
      expect(ok(cli(['logs', '--tail', '7', 'twice'])).stdout).toBe('line 4\nline 5\nline 1\nline 2\nline 3\nline 4\nline 5\n')
    } finally {
      cli(['rm', '-f', 'twice'])
    }
  })

  test('logs: stdout and stderr apart, -t with each line\'s time, --since and --until by those times (inclusive), as Docker 28', () => {
    // The sleep only makes the second line's time later than the first's; nothing waits on it.
    ok(cli(['run', '--name', 'timed', '--network', 'none', 'busybox', 'sh', '-c', 'echo one; echo oops >&2; sleep 1; echo two']))
    try {
      const plain = ok(cli(['logs', 'timed']))
      expect([plain.stdout, plain.stderr]).toEqual(['one\ntwo\n', 'oops\n'])
      const stamped = ok(cli(['logs', '-t', 'timed']))
      const lines = stamped.stdout.split('\n').filter(Boolean)
      expect(lines).toHaveLength(2)
      for (const l of [...lines, stamped.stderr.trim()]) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (one|two|oops)$/)
      const [first, second] = lines.map((l) => l.split(' ')[0])
      expect(second > first).toBe(true)
      expect(ok(cli(['logs', '--since', second, 'timed'])).stdout).toBe('two\n')
      expect(ok(cli(['logs', '--until', first, 'timed'])).stdout).toBe('one\n')
      expect(ok(cli(['logs', '--since', first, '--until', first, '-t', 'timed'])).stdout).toBe(`${lines[0]}\n`)
      expect(ok(cli(['logs', '--since', '0', '-n', '1', 'timed'])).stdout).toBe('two\n')
      const bad = cli(['logs', '--since', 'soon', 'timed'])
      expect([bad.status, bad.stderr]).toEqual([1, 'Error: invalid value for "since": failed to parse value as time or duration: "soon"\n'])
      expect(cli(['logs', '--until', 'soon', 'timed']).stderr).toBe('Error: invalid value for "until": failed to parse value as time or duration: "soon"\n')
    } finally {
      cli(['rm', '-f', 'timed'])
    }
  })
})

describe.skipIf(skip)('store top', () => {
  test("ps -ef's rows of the container's processes only (PID 1 and what it started); ps options pass through", () => {
    ok(cli(['run', '-d', '--name', 'topped', 'busybox', 'sh', '-c', 'sleep 101 & sleep 202']))
    try {
      // Until PID 1 has started its child (sh starts `sleep 101`, then execs `sleep 202`).
      let out = ''
      for (let i = 0; i < 100 && !/sleep 101/.test(out); i++) out = ok(cli(['top', 'topped'])).stdout
      const [head, ...rows] = out.trim().split('\n')
      expect(head).toMatch(/^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/)
      expect(rows.map((r) => r.trim().split(/\s+/).slice(-2).join(' ')).sort()).toEqual(['sleep 101', 'sleep 202'])
      expect(ok(cli(['top', 'topped', '-o', 'pid,comm'])).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[1])).toEqual(['COMMAND', 'sleep', 'sleep'])
      const noPid = cli(['top', 'topped', '-o', 'comm'])
      expect([noPid.status, noPid.stderr]).toEqual([1, "Error: Couldn't find PID field in ps output\n"])
    } finally {
      cli(['rm', '-f', 'topped'])
    }
    ok(cli(['create', '--name', 'not-up', 'busybox', 'true']))
    try {
      expect(cli(['top', 'not-up']).stderr).toMatch(/^Error: container [0-9a-f]{64} is not running\n$/)
    } finally {
      cli(['rm', 'not-up'])
    }
  })
})

describe.skipIf(skip)('--format: Go templates as Docker runs them', () => {
  test("table headers are Docker's; lists print as Go's; if/range work; a bad template is Docker's error (64)", () => {
    expect(ok(cli(['images', '--format', 'table {{.ID}}\\t{{.Repository}}:{{.Tag}}', 'busybox'])).stdout).toMatch(/^IMAGE ID +REPOSITORY:TAG\n[0-9a-f]{12} +busybox:latest\n$/)
    ok(cli(['create', '--name', 'formatted', '-e', 'A=1', 'busybox', 'true']))
    try {
      expect(ok(cli(['ps', '-a', '-f', 'name=formatted', '--format', 'table {{.ID}}\\t{{.Names}}\\t{{.RunningFor}}'])).stdout.split('\n')[0]).toMatch(/^CONTAINER ID +NAMES +CREATED$/)
      expect(ok(cli(['inspect', '-f', '{{.Config.Env}}', 'formatted'])).stdout).toMatch(/^\[PATH=\S+ A=1 HOSTNAME=\w+ HOME=\/root\]\n$/)
      expect(ok(cli(['inspect', '-f', '{{range .Config.Env}}{{if eq . "A=1"}}found {{.}}{{end}}{{end}}', 'formatted'])).stdout).toBe('found A=1\n')
    } finally {
      cli(['rm', 'formatted'])
    }
    expect(ok(cli(['images', '--format', '{{if eq .Repository "busybox"}}{{upper .Repository}}{{end}}'])).stdout).toMatch(/^BUSYBOX\n/m)
    const bad = cli(['images', '--format', '{{foo}}'])
    expect([bad.status, bad.stdout, bad.stderr]).toEqual([64, '', 'template parsing error: template: :1: function "foo" not defined\n'])
    const v = cli(['version', '--format', '{{.Client.Version'])
    expect([v.status, v.stderr]).toEqual([64, 'template parsing error: template: version:1: unclosed action\n'])
  })
})
