// End-to-end: `store build` through the built binary, on a temp store with busybox imported as
// `busybox`: the layer cache shared across Dockerfiles, the cache rules of REFERENCE §4,
// multi-stage builds, .dockerignore, the built image's config at run time, the command's
// input/output forms, failures (which must tag nothing and leave the store sound),
// SOURCE_DATE_EPOCH reproducibility, ONBUILD and heredocs (a `#!` RUN heredoc runs as a file),
// ADD <url> against a node:http server in this process, the live `--progress tty` view, and
// Ctrl-C during a RUN.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type Server } from 'node:http'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { BIN, requireBuilt, store, tempDir, type CliResult } from '../_fixtures/cli.js'
import { storeIn } from '../_fixtures/cli.js'
import { mountsUnder, ownMountsUnder, processesMentioning } from '../_fixtures/containers.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { progressSteps, stepStatus, writeProject } from '../_fixtures/build.js'

const skip = busyboxUnavailable() !== undefined

let tmp: { dir: string; cleanup: () => void }
let root: string

const cli = (args: string[], opts: Parameters<typeof store>[2] = {}) => store(root, args, opts)
const ok = (r: CliResult): CliResult => {
  expect(r.status, r.stderr).toBe(0)
  return r
}
const inspect = (ref: string) => JSON.parse(ok(cli(['inspect', ref])).stdout)[0]
const layersOf = (ref: string): string[] => inspect(ref).RootFS.Layers
const runOut = (args: string[]) => ok(cli(['run', '--rm', ...args])).stdout
/** Paths in the newest layer of `ref`, read from `store save` (what the image really holds). */
const topLayerEntries = (ref: string): string[] => {
  const archive = join(tmp.dir, `${ref.replace(/\W/g, '_')}.tar`)
  ok(cli(['save', '-o', archive, ref]))
  const layer = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }))[0].Layers.at(-1)
  return execFileSync('sh', ['-c', 'tar -xOf "$1" "$2" | tar -t', 'sh', archive, layer], { encoding: 'utf8' }).trim().split('\n')
}
const project = (name: string, files: Record<string, string>) => writeProject(join(tmp.dir, name), files)
/** Rows of a table printed with 2+ spaces between columns, as objects keyed by the header. */
const table = (text: string): Record<string, string>[] => {
  const [head, ...rows] = text.trim().split('\n')
  const cols = head.trim().split(/ {2,}/)
  return rows.map((r) => Object.fromEntries(r.trim().split(/ {2,}/).map((v, i) => [cols[i], v])))
}

beforeAll(() => {
  if (skip) return
  requireBuilt()
  tmp = tempDir('store-e2e-build-')
  root = join(tmp.dir, 'root')
  makeBusyboxRoot(join(tmp.dir, 'busybox'))
  ok(cli(['import', join(tmp.dir, 'busybox'), 'busybox']))
})

afterAll(() => tmp?.cleanup())
// The specs drive the CLI synchronously: let the event loop turn between them, or vitest's
// worker cannot answer its runner for the whole file and reports an RPC timeout.
afterEach(() => new Promise<void>((r) => setTimeout(r, 0)))

describe.skipIf(skip)('store build: one project, two Dockerfiles, one layer cache', () => {
  let dir: string
  let firstId: string
  // Two "install" RUNs shared by both files, then each file's own COPY and ENTRYPOINT.
  const dockerfile = (copy: string, entry: string, extra = '') =>
    `FROM busybox\nRUN echo installing && mkdir -p /usr/lib/fakepy && echo 'interp 1.0' > /usr/lib/fakepy/VERSION\nRUN echo 'deps' > /usr/lib/fakepy/deps.txt\n${copy}\n${extra}ENTRYPOINT ${entry}\n`

  beforeAll(() => {
    if (skip) return
    dir = project('two-dockerfiles', {
      'app.py': 'echo app one\n',
      'app2.py': 'echo app two\n',
      // The RUN after COPY is "a later step": it must rerun when app.py changes.
      Dockerfile: dockerfile('COPY . /opt/source-code', 'sh /opt/source-code/app.py', 'RUN ls /opt/source-code > /opt/listing\n'),
      // As in Docker: a single file copied to a path that does not exist becomes that file.
      Dockerfile2: dockerfile('COPY app2.py /opt/source-code', 'sh /opt/source-code'),
    })
  })

  test('a positional that is a file is the Dockerfile, its folder the context; the image runs its ENTRYPOINT', () => {
    const r = ok(cli(['build', 'Dockerfile', '-t', 'acme/app'], { cwd: dir }))
    expect(stepStatus(r.stderr, 'RUN echo installing')).toBe('DONE')
    expect(progressSteps(r.stderr).find((s) => s.title.includes('RUN echo installing'))!.output).toContain('installing')
    expect(r.stderr).toMatch(/naming to acme\/app:latest done/)
    // Every RUN's container is gone when the build ends (each removed beside the next RUN, the last at the end).
    expect(ok(cli(['ps', '-a', '-q'])).stdout).toBe('')
    expect(runOut(['acme/app'])).toBe('app one\n')
    expect(runOut(['--entrypoint', 'cat', 'acme/app', '/opt/listing'])).toBe('Dockerfile\nDockerfile2\napp.py\napp2.py\n')
  })

  test('the second Dockerfile reuses both RUN layers: CACHED, not run, the same diffIDs', () => {
    const r = ok(cli(['build', 'Dockerfile2', '-t', 'acme/app2'], { cwd: dir }))
    expect(stepStatus(r.stderr, 'RUN echo installing')).toBe('CACHED')
    expect(stepStatus(r.stderr, "RUN echo 'deps'")).toBe('CACHED')
    expect(stepStatus(r.stderr, 'COPY app2.py')).toBe('DONE')
    expect(progressSteps(r.stderr).filter((s) => s.status === 'CACHED')).toHaveLength(2)
    // Not run: the command's output line never shows.
    expect(r.stderr).not.toMatch(/^#\d+ [\d.]+ installing$/m)
    const a = layersOf('acme/app')
    const b = layersOf('acme/app2')
    const base = layersOf('busybox')
    expect(a).toHaveLength(base.length + 4)
    expect(b).toHaveLength(base.length + 3)
    expect(b.slice(0, base.length + 2)).toEqual(a.slice(0, base.length + 2))
    expect(b[base.length + 2]).not.toBe(a[base.length + 2])
    expect(runOut(['acme/app2'])).toBe('app two\n')
  })

  test('history lists every step newest first, 0B for metadata-only steps', () => {
    const rows = table(ok(cli(['history', 'acme/app'])).stdout)
    expect(rows[0]['CREATED BY']).toMatch(/^ENTRYPOINT \["\/bin\/sh" "-c" "sh \/opt\/source-c/)
    expect(rows[0].SIZE).toBe('0B')
    expect(rows[0].IMAGE).toBe(inspect('acme/app').Id.slice(7, 19))
    expect(rows[1]['CREATED BY']).toBe('RUN /bin/sh -c ls /opt/source-code > /opt/li…') // cut at 45
    expect(rows[2]['CREATED BY']).toBe('COPY . /opt/source-code # buildkit')
    expect(rows[2].SIZE).not.toBe('0B')
    expect(rows[4]['CREATED BY']).toMatch(/^RUN \/bin\/sh -c echo installing/)
    expect(rows[4].SIZE).not.toBe('0B')
    expect(rows.slice(1).every((r) => r.IMAGE === '<missing>')).toBe(true)
    expect(ok(cli(['history', 'busybox'])).stdout.trim().split('\n')[1]).toMatch(/ 1\.98MB +Imported from /) // no CREATED BY
  })

  test('system df -v counts the busybox and RUN layers as shared by both images', () => {
    const rows = table(ok(cli(['system', 'df', '-v'])).stdout.split('\n\n').find((s) => s.includes('SHARED SIZE'))!)
    const row = (repo: string) => rows.find((r) => r.REPOSITORY === repo)!
    for (const repo of ['acme/app', 'acme/app2']) {
      expect(row(repo)['SHARED SIZE']).toMatch(/^1\.98\dMB$/) // busybox and the RUN layers, four digits as Docker's
      expect(row(repo)['UNIQUE SIZE']).toMatch(/^\d+B$/) // bytes of its own COPY (and RUN) layers
      expect(row(repo)['UNIQUE SIZE']).not.toBe('0B')
    }
    expect(row('busybox')['UNIQUE SIZE']).toBe('0B')
  })

  test('editing app.py reruns only the COPY and the steps after it', () => {
    writeFileSync(join(dir, 'app.py'), 'echo app one, edited\n')
    const r = ok(cli(['build', 'Dockerfile', '-t', 'acme/app'], { cwd: dir }))
    expect(stepStatus(r.stderr, 'RUN echo installing')).toBe('CACHED')
    expect(stepStatus(r.stderr, "RUN echo 'deps'")).toBe('CACHED')
    expect(stepStatus(r.stderr, 'COPY . /opt/source-code')).toBe('DONE')
    expect(stepStatus(r.stderr, 'RUN ls /opt/source-code')).toBe('DONE')
    expect(runOut(['acme/app'])).toBe('app one, edited\n')
    firstId = inspect('acme/app').Id
  })

  test('touching app.py (mtime only) reruns nothing and gives the same image', () => {
    const later = new Date(Date.now() + 5000)
    utimesSync(join(dir, 'app.py'), later, later)
    const r = ok(cli(['build', 'Dockerfile', '-t', 'acme/app'], { cwd: dir }))
    const layerSteps = progressSteps(r.stderr).filter((s) => /\] (RUN|COPY)/.test(s.title))
    expect(layerSteps).toHaveLength(4)
    expect(layerSteps.every((s) => s.status === 'CACHED')).toBe(true)
    expect(inspect('acme/app').Id).toBe(firstId)
  })
})

describe.skipIf(skip)('store build: cache rules', () => {
  const build = (name: string, text: string, args: string[] = []) => {
    const dir = project(name, { Dockerfile: text })
    return ok(cli(['build', ...args, dir]))
  }

  test('changing an ENV before a RUN invalidates it; the same ENV again hits', () => {
    const df = (mode: string) => `FROM busybox\nENV MODE=${mode}\nRUN echo "env rule $MODE" > /mode\n`
    expect(stepStatus(build('env-a', df('a'), ['-t', 'env-rule']).stderr, 'RUN')).toBe('DONE')
    expect(stepStatus(build('env-b', df('b'), ['-t', 'env-rule']).stderr, 'RUN')).toBe('DONE')
    expect(runOut(['env-rule', 'cat', '/mode'])).toBe('env rule b\n')
    expect(stepStatus(build('env-a2', df('a')).stderr, 'RUN')).toBe('CACHED')
  })

  test('LABEL, EXPOSE, CMD and ENTRYPOINT changes do not invalidate later RUNs', () => {
    const df = (v: string) =>
      `FROM busybox\nRUN echo meta rule > /m\nLABEL v=${v}\nEXPOSE 80${v}\nCMD ["c${v}"]\nENTRYPOINT ["e${v}"]\nRUN echo after meta > /a\n`
    build('meta-1', df('1'))
    const r = build('meta-2', df('2'), ['-t', 'meta-rule'])
    expect(progressSteps(r.stderr).filter((s) => /\] RUN/.test(s.title)).map((s) => s.status)).toEqual(['CACHED', 'CACHED'])
    const c = inspect('meta-rule').Config
    expect(c.Labels).toEqual({ v: '2' })
    expect(c.ExposedPorts).toEqual({ '802/tcp': {} })
    expect(c.Entrypoint).toEqual(['e2'])
    expect(c.Cmd).toEqual(['c2'])
  })

  test('--no-cache reruns every step', () => {
    const df = 'FROM busybox\nRUN echo no-cache rule one > /1\nRUN echo no-cache rule two > /2\n'
    build('nocache-1', df)
    const r = build('nocache-2', df, ['--no-cache'])
    expect(progressSteps(r.stderr).filter((s) => /\] RUN/.test(s.title)).map((s) => s.status)).toEqual(['DONE', 'DONE'])
  })

  test('a --build-arg value change invalidates the RUNs that see the ARG, not those before it', () => {
    const df = 'FROM busybox\nRUN echo before the arg > /b\nARG FLAVOR=plain\nRUN echo "flavor $FLAVOR" > /f\n'
    const statuses = (r: CliResult) => progressSteps(r.stderr).filter((s) => /\] RUN/.test(s.title)).map((s) => s.status)
    build('arg-1', df, ['--build-arg', 'FLAVOR=x'])
    expect(statuses(build('arg-2', df, ['--build-arg', 'FLAVOR=y', '-t', 'arg-rule']))).toEqual(['CACHED', 'DONE'])
    expect(runOut(['arg-rule', 'cat', '/f'])).toBe('flavor y\n')
    expect(statuses(build('arg-3', df, ['--build-arg', 'FLAVOR=x']))).toEqual(['CACHED', 'CACHED'])
    // ARG values reach RUN, not the image's config.
    expect(inspect('arg-rule').Config.Env ?? []).not.toContainEqual(expect.stringMatching(/^FLAVOR=/))
  })
})

describe.skipIf(skip)('store build: stages, context and the built image', () => {
  test('multi-stage: COPY --from=<name> and --from=<index>; --target builds an earlier stage', () => {
    const dir = project('multi', {
      Dockerfile:
        'FROM busybox AS build\nRUN mkdir /out && echo built > /out/artifact && echo junk > /junk\n' +
        'FROM busybox\nCOPY --from=build /out /out\nCOPY --from=0 /junk /junk0\nCMD ["cat", "/out/artifact"]\n',
    })
    const r = ok(cli(['build', '--progress', 'plain', '-t', 'ms', dir]))
    // BuildKit's numbering: per stage, only FROM and the steps that change files, named stages.
    expect(progressSteps(r.stderr).map((s) => s.title)).toEqual([
      '[build 1/2] FROM busybox', '[build 2/2] RUN mkdir /out && echo built > /out/artifact && echo junk > /junk',
      '[stage-1 1/3] FROM busybox', '[stage-1 2/3] COPY --from=build /out /out', '[stage-1 3/3] COPY --from=0 /junk /junk0',
      'exporting to image',
    ])
    expect(runOut(['ms'])).toBe('built\n')
    expect(runOut(['ms', 'sh', '-c', 'cat /junk0; ls /junk 2>&1 || true'])).toMatch(/^junk\n.*No such file/)
    expect(layersOf('ms')).toHaveLength(layersOf('busybox').length + 2)
    ok(cli(['build', '--target', 'build', '-t', 'ms-build', dir]))
    expect(runOut(['ms-build', 'cat', '/out/artifact', '/junk'])).toBe('built\njunk\n')
  })

  test('.dockerignore keeps excluded files out of the image; a ! exception comes back', () => {
    const dir = project('ignore', {
      'keep.txt': 'k\n',
      'secret.env': 'TOKEN=1\n',
      'logs/a.log': 'a\n',
      'logs/keep.log': 'kept\n',
      'docs/notes.md': 'n\n',
      '.dockerignore': 'secret.env\nlogs\n!logs/keep.log\n**/*.md\n',
      Dockerfile: 'FROM busybox\nCOPY . /ctx\n',
    })
    ok(cli(['build', '-t', 'ignored', dir]))
    const files = runOut(['ignored', 'find', '/ctx', '-type', 'f']).trim().split('\n').sort()
    expect(files).toEqual(['/ctx/.dockerignore', '/ctx/Dockerfile', '/ctx/keep.txt', '/ctx/logs/keep.log'])
  })

  test('run honours the built ENTRYPOINT, CMD, ENV, WORKDIR and USER', () => {
    const dir = project('config', {
      Dockerfile:
        'FROM busybox\nENV GREETING=hello NAME=world\nWORKDIR /srv/app\nRUN echo made here > here.txt\nUSER app\n' +
        'ENTRYPOINT ["sh", "-c", "echo $GREETING $NAME; pwd; id -u; cat here.txt; echo args: \\"$@\\"", "--"]\nCMD ["default"]\n',
    })
    ok(cli(['build', '-t', 'acme/user', dir]))
    expect(runOut(['acme/user'])).toBe('hello world\n/srv/app\n1000\nmade here\nargs: default\n')
    expect(runOut(['acme/user', 'given'])).toMatch(/args: given\n$/)
    expect(runOut(['--entrypoint', 'id', 'acme/user', '-u'])).toBe('1000\n')
  })

  test("VOLUME: run mounts an anonymous volume there, filled from the image; -v at the same path wins; --rm removes it", () => {
    const dir = project('volume', { Dockerfile: 'FROM busybox\nRUN mkdir -p /data && echo seeded > /data/seed\nVOLUME /data\n' })
    ok(cli(['build', '-t', 'acme/vol', dir]))
    expect(inspect('acme/vol').Config.Volumes).toEqual({ '/data': {} })
    const volumes = () => ok(cli(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean).sort()
    const before = volumes()
    // A container: its /data is a mount of a new anonymous volume that starts with the image's content.
    ok(cli(['create', '--name', 'vol-c', 'acme/vol', 'sh', '-c', 'grep -c " /data " /proc/mounts; cat /data/seed; echo more >> /data/seed']))
    const mounts = inspect('vol-c').Mounts
    expect(mounts).toHaveLength(1)
    expect(mounts[0]).toMatchObject({ Type: 'volume', Destination: '/data', RW: true })
    expect(volumes()).toEqual([...before, mounts[0].Name].sort())
    expect(ok(cli(['start', '-a', 'vol-c'])).stdout).toBe('1\nseeded\n')
    // What the container wrote is in the volume, not in its layer; rm -v takes the volume along.
    expect(readFileSync(join(root, 'volumes', mounts[0].Name, '_data/seed'), 'utf8')).toBe('seeded\nmore\n')
    expect(ok(cli(['diff', 'vol-c'])).stdout).not.toContain('/data')
    ok(cli(['rm', '-v', 'vol-c']))
    expect(volumes()).toEqual(before)
    // A named volume at the same path replaces it; --rm removes only anonymous volumes.
    expect(runOut(['-v', 'named-vol:/data', 'acme/vol', 'ls', '/data'])).toBe('seed\n')
    expect(runOut(['acme/vol', 'cat', '/data/seed'])).toBe('seeded\n')
    expect(volumes()).toEqual([...before, 'named-vol'].sort())
    ok(cli(['volume', 'rm', 'named-vol']))
  })

  test('-q prints only the image ID; --iidfile writes it; - and -f - read the Dockerfile from stdin', () => {
    const dir = project('quiet', { 'data.txt': 'from the context\n', Dockerfile: 'FROM busybox\nCOPY data.txt /data.txt\n' })
    const q = ok(cli(['build', '-q', '--iidfile', join(tmp.dir, 'iid'), dir]))
    expect(q.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/)
    expect(q.stderr).toBe('')
    expect(readFileSync(join(tmp.dir, 'iid'), 'utf8')).toBe(q.stdout.trim())
    expect(runOut([q.stdout.trim(), 'cat', '/data.txt'])).toBe('from the context\n')

    const stdin = ok(cli(['build', '-q', '-t', 'from-stdin', '-'], { input: 'FROM busybox\nRUN echo no context > /s\n' }))
    expect(stdin.stdout).toBe(`${inspect('from-stdin').Id}\n`)
    expect(runOut(['from-stdin', 'cat', '/s'])).toBe('no context\n')

    const withContext = ok(cli(['build', '-q', '-f', '-', dir], { input: 'FROM busybox\nCOPY data.txt /copied\n' }))
    expect(runOut([withContext.stdout.trim(), 'cat', '/copied'])).toBe('from the context\n')
  })
})

describe.skipIf(skip)('store build: bad input fails, tags nothing and leaves the store sound', () => {
  const cases: [string, string, RegExp, string[]?][] = [
    ['syntax error', 'FROM busybox\n# a comment\nRUN echo \\\n  continued\nCMD ["x", 1]\n', /^Error: dockerfile parse error on line 5: when using JSON array syntax, arrays must be comprised of strings only$/m],
    ['unknown instruction', 'FROM busybox\nFOO bar\n', /^Error: dockerfile parse error on line 2: unknown instruction: FOO$/m],
    ['COPY of a missing file', 'FROM busybox\nCOPY missing.txt /m\n', /"\/missing.txt": not found/],
    ['COPY ../outside', 'FROM busybox\nCOPY ../outside.txt /o\n', /forbidden path outside the build context: \.\.\/outside\.txt/],
    ['unknown --from stage', 'FROM busybox\nCOPY --from=nope /a /b\n', /nope: image not found in the store/],
    ['unknown --target', 'FROM busybox AS one\nRUN true\n', /target stage "nope" could not be found/, ['--target', 'nope']],
    ['FROM an image not in the store', 'FROM nosuch:1\nRUN true\n', /nosuch:1: image not found in the store/],
  ]
  let n = 0
  const tags = () => ok(cli(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout
  test.each(cases)('%s', (_what, text, message, extra = []) => {
    const dir = project(`bad-${++n}`, { Dockerfile: text, 'present.txt': 'x\n' })
    writeFileSync(join(tmp.dir, 'outside.txt'), 'outside the context\n') // exists, but must not be reachable
    const r = cli(['build', '-t', `bad:${n}`, ...extra, dir])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(message)
    expect(tags()).not.toMatch(/^bad:/m)
  })

  test('a failing RUN names the command and its status; the steps before it are CACHED next time', () => {
    const dir = project('bad-run', { Dockerfile: 'FROM busybox\nRUN echo before the failure > /before\nRUN exit 3\n' })
    const first = cli(['build', '-t', 'bad:run', dir])
    expect(first.status).toBe(1)
    expect(first.stderr).toMatch(/^Error: The command '\/bin\/sh -c exit 3' returned a non-zero code: 3$/m)
    expect(stepStatus(first.stderr, 'RUN echo before')).toBe('DONE')
    expect(stepStatus(first.stderr, 'RUN exit 3')).toBe('ERROR')
    const again = cli(['build', '-t', 'bad:run', dir])
    expect(again.status).toBe(1)
    expect(stepStatus(again.stderr, 'RUN echo before')).toBe('CACHED')
    expect(tags()).not.toMatch(/^bad:/m)
    expect(readdirSync(join(root, 'snapshots')).filter((n) => n.includes('.tmp-'))).toEqual([]) // the failed step's begun tree
    const fsck = cli(['fsck'])
    expect(fsck.status, fsck.stderr).toBe(0)
    expect(fsck.stdout).toMatch(/no problems/)
  })
})

describe.skipIf(skip)('store build: reproducibility, ONBUILD, heredocs', () => {
  test('with SOURCE_DATE_EPOCH, the same inputs on two fresh stores give the same image ID', () => {
    const archive = join(tmp.dir, 'busybox.tar')
    ok(cli(['save', '-o', archive, 'busybox']))
    const dir = project('sde', { 'f.txt': 'data\n', Dockerfile: 'FROM busybox\nRUN echo hi > /x && mkdir /d\nCOPY f.txt /d/\nENV A=1\nCMD ["cat", "/x"]\n' })
    const ids = ['sde-1', 'sde-2'].map((name, i) => {
      const r = join(tmp.dir, name)
      ok(store(r, ['load', '-i', archive]))
      const t = new Date(Date.now() + i * 10_000) // a different mtime each time: clamped away
      utimesSync(join(dir, 'f.txt'), t, t)
      return ok(store(r, ['build', '-q', dir], { env: { SOURCE_DATE_EPOCH: '1700000000' } })).stdout.trim()
    })
    expect(ids[0]).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(ids[1]).toBe(ids[0])
    expect(JSON.parse(ok(store(join(tmp.dir, 'sde-1'), ['inspect', ids[0]])).stdout)[0].Created).toMatch(/^2023-11-14T22:13:20/)
  })

  test('ONBUILD triggers run in the build that uses the image as FROM', () => {
    const dir = project('onbuild', {
      'Dockerfile.base': 'FROM busybox\nONBUILD RUN echo trig > /trig\n',
      'Dockerfile.child': 'FROM acme/onbuild\nRUN cat /trig > /seen\n',
    })
    ok(cli(['build', '-t', 'acme/onbuild', join(dir, 'Dockerfile.base')]))
    expect(inspect('acme/onbuild').Config.OnBuild).toEqual(['RUN echo trig > /trig'])
    expect(cli(['run', '--rm', 'acme/onbuild', 'ls', '/trig']).status).not.toBe(0)
    const r = ok(cli(['build', '--progress', 'plain', '-t', 'acme/child', join(dir, 'Dockerfile.child')]))
    // The trigger is a step of the stage, counted in its total.
    expect(progressSteps(r.stderr).map((s) => s.title).slice(0, 3)).toEqual(['[1/3] FROM acme/onbuild', '[2/3] ONBUILD RUN echo trig > /trig', '[3/3] RUN cat /trig > /seen'])
    expect(runOut(['acme/child', 'cat', '/trig', '/seen'])).toBe('trig\ntrig\n')
    expect(inspect('acme/child').Config.OnBuild ?? null).toBeNull()
  })

  test('heredocs: RUN <<EOF runs a script; COPY <<EOF writes a file, expanded unless the delimiter is quoted', () => {
    const dir = project('heredoc', {
      Dockerfile: [
        'FROM busybox',
        'ENV WHO=world',
        'RUN <<EOF',
        'echo "hello $WHO" > /greeting',
        'echo line2 >> /greeting',
        'EOF',
        'COPY <<EOF /etc/app.conf',
        'name=$WHO',
        'EOF',
        'COPY <<-"EOT" /raw.txt',
        '\tkeep $WHO',
        '\tEOT',
        '',
      ].join('\n'),
    })
    ok(cli(['build', '-t', 'heredoc', dir]))
    expect(runOut(['heredoc', 'cat', '/greeting', '/etc/app.conf', '/raw.txt'])).toBe('hello world\nline2\nname=world\nkeep $WHO\n')
  })

  test('RUN <<EOF with a #! body runs as a script file, which never reaches the layer', () => {
    const dir = project('heredoc-script', { Dockerfile: 'FROM busybox\nRUN <<EOF\n#!/bin/sh\necho hi > /out\necho "ran as $0"\nEOF\n' })
    const r = ok(cli(['build', '-t', 'heredoc-script', dir]))
    expect(progressSteps(r.stderr).find((s) => s.title.includes('RUN <<EOF'))!.output).toContain('ran as /dev/pipes/EOF')
    expect(runOut(['heredoc-script', 'cat', '/out'])).toBe('hi\n')
    expect(topLayerEntries('heredoc-script')).toEqual(['out'])
  })
})

describe.skipIf(skip)('store build: ADD <url>', () => {
  let server: Server
  let base: string
  let versioned = 'version 1\n'
  const tool = '#!/bin/sh\necho tool\n'
  let archive: Buffer
  const requests: string[] = []

  beforeAll(async () => {
    if (skip) return
    const src = project('archive-src', { 'inside.txt': 'packed\n' })
    archive = execFileSync('tar', ['-cz', '-C', src, 'inside.txt'])
    server = createServer((req, res) => {
      requests.push(req.url ?? '')
      const lastModified = { 'Last-Modified': 'Tue, 14 Nov 2023 22:13:20 GMT' }
      if (req.url === '/dl/tool.sh') res.writeHead(200, lastModified).end(tool)
      else if (req.url === '/dl/app.tar.gz') res.writeHead(200).end(archive)
      else if (req.url === '/dl/versioned.txt') res.writeHead(200).end(versioned)
      else res.writeHead(404).end('not found')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())))

  // Async: the server answers from this process, which a synchronous spawn would block.
  const build = (name: string, dockerfile: string, args: string[] = []) => storeIn(root, ['build', ...args, project(name, { Dockerfile: dockerfile })])
  const okAsync = async (p: Promise<CliResult>) => ok(await p)
  const sha = (s: string | Buffer) => `sha256:${createHash('sha256').update(s).digest('hex')}`

  test('the file lands at dest, or by its URL name under a dir dest: mode 0600, Last-Modified mtime; archives stay packed', async () => {
    await okAsync(build('add-url', `FROM busybox\nADD ${base}/dl/tool.sh /usr/local/bin/tool\nADD ${base}/dl/tool.sh ${base}/dl/app.tar.gz /opt/\n`, ['-t', 'add-url']))
    expect(runOut(['add-url', 'cat', '/usr/local/bin/tool'])).toBe(tool)
    expect(runOut(['add-url', 'stat', '-c', '%n %a %u:%g %Y', '/usr/local/bin/tool', '/opt/tool.sh', '/opt/app.tar.gz'])).toBe(
      '/usr/local/bin/tool 600 0:0 1700000000\n/opt/tool.sh 600 0:0 1700000000\n/opt/app.tar.gz 600 0:0 0\n',
    )
    expect(runOut(['add-url', 'ls', '/opt'])).toBe('app.tar.gz\ntool.sh\n')
    expect(runOut(['add-url', 'sha256sum', '/opt/app.tar.gz']).split(' ')[0]).toBe(sha(archive).slice(7))
  })

  test('every build downloads again: the same content is CACHED, changed content is not', async () => {
    const df = `FROM busybox\nADD --chmod=644 ${base}/dl/versioned.txt /etc/versioned\nRUN cat /etc/versioned > /copy\n`
    const statuses = (r: CliResult) => progressSteps(r.stderr).filter((s) => /\] (ADD|RUN)/.test(s.title)).map((s) => s.status)
    expect(statuses(await okAsync(build('url-v1', df)))).toEqual(['DONE', 'DONE'])
    const before = requests.filter((u) => u === '/dl/versioned.txt').length
    expect(statuses(await okAsync(build('url-v1-again', df)))).toEqual(['CACHED', 'CACHED'])
    expect(requests.filter((u) => u === '/dl/versioned.txt')).toHaveLength(before + 1) // fetched again, content unchanged
    versioned = 'version 2\n'
    expect(statuses(await okAsync(build('url-v2', df, ['-t', 'url-v2'])))).toEqual(['DONE', 'DONE'])
    expect(runOut(['url-v2', 'sh', '-c', 'cat /copy; stat -c %a /etc/versioned'])).toBe('version 2\n644\n')
  })

  test('--checksum: the right digest builds, and a rebuild hits without a request; a wrong one fails with both digests', async () => {
    const df = `FROM busybox\nADD --checksum=${sha(tool)} ${base}/dl/tool.sh /t\n`
    expect(stepStatus((await okAsync(build('url-sum', df))).stderr, 'ADD')).toBe('DONE')
    const before = requests.length
    expect(stepStatus((await okAsync(build('url-sum-again', df))).stderr, 'ADD')).toBe('CACHED')
    expect(requests.length).toBe(before)
    const bad = await build('url-badsum', `FROM busybox\nADD --checksum=${sha('x')} ${base}/dl/tool.sh /t\n`, ['-t', 'bad:sum'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain(`Error: failed to load cache key: ADD ${base}/dl/tool.sh: digest mismatch ${sha(tool)}: ${sha('x')}`)
  })

  test('an HTTP error or a refused connection fails with the URL and the reason; nothing is tagged', async () => {
    const missing = await build('url-404', `FROM busybox\nADD ${base}/dl/missing.txt /m\n`, ['-t', 'bad:url404'])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(new RegExp(`^Error: failed to load cache key: ADD ${base}/dl/missing.txt: invalid response status 404$`, 'm'))
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const refused = await build('url-refused', `FROM busybox\nADD http://127.0.0.1:${port}/f /f\n`, ['-t', 'bad:urlrefused'])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(new RegExp(`^Error: failed to load cache key: ADD http://127.0.0.1:${port}/f: dial tcp 127.0.0.1:${port}: connect: connection refused$`, 'm'))
    expect((await storeIn(root, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout).not.toMatch(/^bad:/m)
  })
})

describe.skipIf(skip)('store build --progress tty', () => {
  /** The last frame the live view left, escapes removed. */
  const finalFrame = (stderr: string) => {
    const text = stderr.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    return text.slice(text.lastIndexOf('[+] Building'))
  }

  test('the final frame lists each step with its time, CACHED on a rebuild; no plain-format lines', () => {
    // The ENV is no step: the numbers have no gap, and the header's count is the steps shown.
    const dir = project('tty', { Dockerfile: 'FROM busybox\nENV TTY=1\nRUN echo tty one > /1\nRUN echo tty two > /2\n' })
    const first = ok(cli(['build', '--progress', 'tty', '-t', 'tty', dir]))
    expect(first.stderr).toMatch(/\x1b\[\d+A/) // redrawn in place
    expect(first.stderr).not.toMatch(/^#\d+ /m)
    const one = finalFrame(first.stderr)
    expect(one).toMatch(/^\[\+\] Building \d+\.\ds \(4\/4\) FINISHED$/m)
    expect(one).toMatch(/^ => \[2\/3\] RUN echo tty one > \/1 +\d+\.\ds$/m)
    expect(one).toMatch(/^ => => naming to tty:latest$/m)
    const two = finalFrame(ok(cli(['build', '--progress', 'tty', '-t', 'tty', dir])).stderr)
    expect(two).toMatch(/^ => CACHED \[2\/3\] RUN echo tty one > \/1 +0\.0s$/m)
    expect(two).toMatch(/^ => CACHED \[3\/3\] RUN echo tty two > \/2 +0\.0s$/m)
  })

  test('a failed step\'s whole output is printed under the last frame', () => {
    const dir = project('tty-fail', { Dockerfile: 'FROM busybox\nRUN for i in $(seq 1 12); do echo out $i; done; exit 4\n' })
    const r = cli(['build', '--progress', 'tty', '-t', 'bad:tty', dir])
    expect(r.status).toBe(1)
    const frame = finalFrame(r.stderr)
    expect(frame).toMatch(/^ => ERROR \[2\/2\] RUN for i/m)
    const lines = Array.from({ length: 12 }, (_, i) => `out ${i + 1}`)
    expect(frame).toContain(['------', ' > [2/2] RUN for i in $(seq 1 12); do echo out $i; done; exit 4:', ...lines, '------'].join('\n'))
    expect(frame).toMatch(/^Error: The command .* returned a non-zero code: 4$/m)
  })
})

describe.skipIf(skip)('store build: Ctrl-C', () => {
  test('SIGINT during a RUN ends the build within seconds; no container, mount, process or tag is left and fsck is clean', async () => {
    // The command ignores SIGINT: the build must stop it anyway.
    const dir = project('sigint', { Dockerfile: "FROM busybox\nRUN trap '' INT TERM; echo started; sleep 30\n" })
    const p = spawn(process.execPath, [BIN, '--root', root, 'build', '-t', 'interrupted', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)))
    try {
      await new Promise<void>((resolve, reject) => {
        p.stderr.on('data', (b: Buffer) => {
          stderr += b.toString()
          if (/ started$/m.test(stderr)) resolve()
        })
        p.on('close', () => reject(new Error(`build ended before its RUN started:\n${stderr}`)))
      })
      const t0 = Date.now()
      p.kill('SIGINT')
      const code = await exited
      expect(Date.now() - t0).toBeLessThan(5000)
      expect(code, stderr).toBe(130)
      expect(stderr).toMatch(/^Error: failed to solve: Canceled: context canceled$/m)
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL')
    }
    expect(ownMountsUnder(root)).toEqual([])
    expect(mountsUnder(root)).toEqual([])
    expect(processesMentioning(root)).toEqual([])
    // The new snapshot's tree, begun while the command ran, is gone with it.
    expect(readdirSync(join(root, 'snapshots')).filter((n) => n.includes('.tmp-'))).toEqual([])
    expect((await storeIn(root, ['ps', '-a', '-q'])).stdout).toBe('')
    expect((await storeIn(root, ['images', '--format', '{{.Repository}}'])).stdout).not.toMatch(/^interrupted$/m)
    const fsck = await storeIn(root, ['fsck'])
    expect(fsck.status, fsck.stderr).toBe(0)
    expect(fsck.stdout).toMatch(/no problems/)
  })

  test('a heredoc named as a path is refused before anything is written; a .dockerignore that links out of the context is read inside it', () => {
    const escape = `escape-heredoc-${process.pid}`
    const hd = writeProject(join(tmp.dir, 'heredoc-path'), { Dockerfile: `FROM busybox\nCOPY <<../${escape} /x\nhi\n../${escape}\n` })
    const r = cli(['build', '-q', hd])
    const wrote = join(tmpdir(), escape)
    const escaped = existsSync(wrote)
    rmSync(wrote, { force: true }) // what a failure would have left outside the test's folder
    expect(escaped).toBe(false)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`heredoc name "../${escape}" is not a file name`)

    const secret = join(tmp.dir, 'host-secret')
    writeFileSync(secret, 'SECRET-HOST-LINE [unclosed\n')
    const ig = writeProject(join(tmp.dir, 'ignore-link'), { Dockerfile: 'FROM busybox\nCOPY a /a\n', a: 'a\n' })
    symlinkSync(secret, join(ig, '.dockerignore'))
    const b = cli(['build', '-q', ig])
    expect(b.stderr).not.toContain('SECRET')
    expect(b.status, b.stderr).toBe(0)
  })
})
