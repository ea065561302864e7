// End-to-end: more of `store build` through the built binary. Each test gets its own temp root
// with busybox imported as `busybox` (one busybox rootfs made for the file), and removes it:
// COPY --chown/--chmod (created dirs stay 0755, a non-root USER lists them), globs, ADD of local
// tar archives, COPY --from an image in the store, the metadata instructions in the config,
// `--label`, several `-t`, `--progress plain`, `builder prune` (and `--filter until=`), and the cache rules of
// REFERENCE §4 for WORKDIR, USER and a COPY source's mode.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, sh, store, tempDir, type CliResult } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { progressSteps, stepStatus, writeProject } from '../_fixtures/build.js'

const skip = busyboxUnavailable() !== undefined

let shared: { dir: string; cleanup: () => void }
let busybox: string

beforeAll(() => {
  if (skip) return
  requireBuilt()
  shared = tempDir('store-e2e-build-more-')
  busybox = makeBusyboxRoot(join(shared.dir, 'busybox'))
})
afterAll(() => shared?.cleanup())
// The specs drive the CLI synchronously: let vitest's worker answer its runner between them.
afterEach(() => new Promise<void>((r) => setTimeout(r, 0)))

const ok = (r: CliResult): CliResult => {
  expect(r.status, r.stderr).toBe(0)
  return r
}

/** A fresh root with busybox imported, and helpers bound to it; removed after `fn`. */
function withRoot(fn: (t: ReturnType<typeof rootHelpers>) => void): void {
  const tmp = tempDir('store-e2e-build-more-root-')
  try {
    const t = rootHelpers(tmp.dir)
    ok(t.cli(['import', busybox, 'busybox']))
    fn(t)
  } finally {
    tmp.cleanup()
  }
}

function rootHelpers(dir: string) {
  const root = join(dir, 'root')
  const cli = (args: string[], opts: Parameters<typeof store>[2] = {}) => store(root, args, opts)
  const inspect = (ref: string) => JSON.parse(ok(cli(['inspect', ref])).stdout)[0]
  return {
    dir,
    cli,
    inspect,
    project: (name: string, files: Record<string, string>) => writeProject(join(dir, name), files),
    /** Build `ctx` (a folder); the Dockerfile in it unless `-f` is among `args`. */
    build: (ctx: string, args: string[] = []) => ok(cli(['build', '--progress', 'plain', ...args, ctx])),
    run: (args: string[]) => ok(cli(['run', '--rm', ...args])).stdout,
  }
}

describe.skipIf(skip)('store build: COPY --chown/--chmod and globs', () => {
  test('files get the mode and owner; dirs the COPY creates stay 0755, so a non-root USER can list them', () => {
    withRoot((t) => {
      const dir = t.project('chmod', {
        'a.txt': 'A\n',
        'b.txt': 'B\n',
        'tree/inner/f.txt': 'F\n',
        Dockerfile:
          'FROM busybox\n' +
          'COPY --chown=1000:1000 --chmod=640 *.txt /g/\n' +
          'COPY --chmod=750 tree /h/tree\n' +
          'USER app\n' +
          // Fails the build if app cannot list /g (the bug: /g was made 0640).
          'RUN ls /g > /tmp/listing && ls /h/tree >> /tmp/listing\n',
      })
      ok(t.build(dir, ['-t', 'chmod']))
      const stat = (paths: string) => t.run(['-u', 'root', 'chmod', 'stat', '-c', '%a %u:%g %n', ...paths.split(' ')])
      expect(stat('/g /g/a.txt /g/b.txt')).toBe('755 1000:1000 /g\n640 1000:1000 /g/a.txt\n640 1000:1000 /g/b.txt\n')
      // Dirs copied from the source take --chmod; /h and /h/tree are made by the step. (stat as
      // root: app may not enter /h/tree/inner, 0750 root's.)
      expect(stat('/h /h/tree /h/tree/inner /h/tree/inner/f.txt')).toBe('755 0:0 /h\n755 0:0 /h/tree\n750 0:0 /h/tree/inner\n750 0:0 /h/tree/inner/f.txt\n')
      expect(t.run(['chmod', 'cat', '/tmp/listing'])).toBe('a.txt\nb.txt\ninner\n')
      expect(t.run(['chmod', 'cat', '/g/a.txt'])).toBe('A\n') // 0640 and owned by app: readable
    })
  })

  test('globs pick matching files by name and class; a dir matched by a glob is copied by its contents', () => {
    withRoot((t) => {
      const dir = t.project('globs', {
        'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', 'notes.md': 'n', 'data1/x.txt': 'x', 'data2/y.txt': 'y',
        Dockerfile: 'FROM busybox\nCOPY *.txt /star/\nCOPY [ab].txt /class/\nCOPY ?.txt *.md /mixed/\nCOPY data* /dirs/\n',
      })
      ok(t.build(dir, ['-t', 'globs']))
      const ls = (p: string) => t.run(['globs', 'ls', p]).trim().split('\n')
      expect(ls('/star')).toEqual(['a.txt', 'b.txt', 'c.txt'])
      expect(ls('/class')).toEqual(['a.txt', 'b.txt'])
      expect(ls('/mixed')).toEqual(['a.txt', 'b.txt', 'c.txt', 'notes.md'])
      expect(ls('/dirs')).toEqual(['x.txt', 'y.txt'])
    })
  })

  test('a glob that matches nothing fails the build and tags nothing', () => {
    withRoot((t) => {
      const dir = t.project('noglob', { 'a.txt': 'a', Dockerfile: 'FROM busybox\nCOPY *.json /j/\n' })
      const r = t.cli(['build', '-t', 'noglob', dir])
      expect(r.status).not.toBe(0)
      expect(r.stderr).toMatch(/\*\.json.*not found|no .*match/i)
      expect(t.cli(['inspect', 'noglob']).status).not.toBe(0)
    })
  })
})

describe.skipIf(skip)('store build: ADD of local archives, COPY --from an image', () => {
  test('ADD unpacks a local .tar and a GNU tar .tar.gz; COPY keeps the archive as a file', () => {
    withRoot((t) => {
      const dir = t.project('add-tar', {
        'payload/top/nested.txt': 'nested\n',
        'payload/top/other.txt': 'other\n',
        Dockerfile: 'FROM busybox\nADD plain.tar /x/\nADD zipped.tar.gz /y/\nCOPY plain.tar /z/\n',
      })
      sh('tar -cf plain.tar -C payload top && tar -czf zipped.tar.gz -C payload top', dir)
      expect([...readFileSync(join(dir, 'zipped.tar.gz')).subarray(0, 2)]).toEqual([0x1f, 0x8b]) // really gzip
      ok(t.build(dir, ['-t', 'add-tar']))
      expect(t.run(['add-tar', 'cat', '/x/top/nested.txt'])).toBe('nested\n')
      expect(t.run(['add-tar', 'cat', '/y/top/other.txt'])).toBe('other\n')
      expect(t.run(['add-tar', 'ls', '/z'])).toBe('plain.tar\n')
      expect(t.run(['add-tar', 'sh', '-c', 'test -f /x/plain.tar || test -f /y/zipped.tar.gz || echo none'])).toBe('none\n')
    })
  })

  test('COPY --from=<image in the store> copies its file, keeping the owner', () => {
    withRoot((t) => {
      const src = t.project('from-src', { Dockerfile: 'FROM busybox\nRUN echo from-the-image > /artifact && chown 1000:1000 /artifact\n' })
      ok(t.build(src, ['-t', 'acme/artifact:1']))
      const dir = t.project('from-dst', { Dockerfile: 'FROM busybox\nCOPY --from=acme/artifact:1 /artifact /opt/got\n' })
      ok(t.build(dir, ['-t', 'from-dst']))
      expect(t.run(['from-dst', 'cat', '/opt/got'])).toBe('from-the-image\n')
      expect(t.run(['from-dst', 'stat', '-c', '%u:%g', '/opt/got'])).toBe('1000:1000\n')
    })
  })

  test('COPY --from= an image that is not in the store fails and names it', () => {
    withRoot((t) => {
      const dir = t.project('from-missing', { Dockerfile: 'FROM busybox\nCOPY --from=no/such:img /a /b\n' })
      const r = t.cli(['build', dir])
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain('no/such')
    })
  })
})

describe.skipIf(skip)('store build: config instructions and build options', () => {
  test('STOPSIGNAL, HEALTHCHECK, SHELL and MAINTAINER land in the config; a later RUN uses the SHELL', () => {
    withRoot((t) => {
      const dir = t.project('meta', {
        Dockerfile:
          'FROM busybox\n' +
          'MAINTAINER Jane Doe <jane@example.com>\n' +
          'STOPSIGNAL SIGUSR1\n' +
          'HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q -O- http://localhost/ || exit 1\n' +
          'SHELL ["/bin/sh", "-xc"]\n' +
          'RUN echo via-shell > /shell-proof\n',
      })
      const r = t.build(dir, ['-t', 'meta'])
      // sh -x traces the command: only the SHELL from the Dockerfile does that.
      expect(progressSteps(r.stderr).find((s) => s.title.includes('RUN echo via-shell'))!.output).toContain('+ echo via-shell')
      const img = t.inspect('meta')
      expect(img.Author).toBe('Jane Doe <jane@example.com>')
      expect(img.Config.StopSignal).toBe('SIGUSR1')
      expect(img.Config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'wget -q -O- http://localhost/ || exit 1'], Interval: 5e9, Timeout: 2e9, Retries: 4 })
      expect(img.Config.Shell).toEqual(['/bin/sh', '-xc'])
      expect(t.run(['meta', 'cat', '/shell-proof'])).toBe('via-shell\n')
      expect(ok(t.cli(['history', '--no-trunc', 'meta'])).stdout).toContain('RUN /bin/sh -xc echo via-shell > /shell-proof # buildkit')
    })
  })

  test('--label adds to Labels and wins over a LABEL of the same key', () => {
    withRoot((t) => {
      const dir = t.project('labels', { Dockerfile: 'FROM busybox\nLABEL k=from-file keep=yes\n' })
      t.build(dir, ['-t', 'labels', '--label', 'k=v', '--label', 'org.example.team=store'])
      expect(t.inspect('labels').Config.Labels).toEqual({ k: 'v', keep: 'yes', 'org.example.team': 'store' })
    })
  })

  test('several -t tag the one image with every name', () => {
    withRoot((t) => {
      const dir = t.project('tags', { Dockerfile: 'FROM busybox\nRUN echo tags > /t\n' })
      const r = t.build(dir, ['-t', 'one', '-t', 'two:v2', '-t', 'example.com/team/three:x'])
      for (const n of ['one:latest', 'two:v2', 'example.com/team/three:x']) expect(r.stderr).toContain(`naming to ${n} done`)
      const id = t.inspect('one').Id
      expect(t.inspect('two:v2').Id).toBe(id)
      expect(t.inspect('example.com/team/three:x').Id).toBe(id)
      expect(t.inspect('one').RepoTags.sort()).toEqual(['example.com/team/three:x', 'one:latest', 'two:v2'])
    })
  })

  test('--progress plain prints numbered steps with their output, DONE times and the export', () => {
    withRoot((t) => {
      const dir = t.project('plain', { Dockerfile: 'FROM busybox\nRUN echo plain-output\nCOPY Dockerfile /df\n' })
      const r = t.build(dir, ['-t', 'plain'])
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/^#\d+ \[1\/3\] FROM busybox$/m)
      // The RUN's container stands on busybox's snapshot: extracted then, and shown there.
      expect(r.stderr).toMatch(/^#(\d+) \[2\/3\] RUN echo plain-output\n#\1 extracting sha256:[0-9a-f]{64} \d+\.\ds done\n#\1 \d+\.\d+ plain-output\n#\1 DONE \d+\.\d+s$/m)
      expect(r.stderr).toMatch(/^#(\d+) \[3\/3\] COPY Dockerfile \/df\n#\1 DONE \d+\.\d+s$/m)
      expect(r.stderr).toMatch(/^#(\d+) exporting to image\n#\1 writing image sha256:[0-9a-f]{64} done\n#\1 naming to plain:latest done\n#\1 DONE \d+\.\d+s$/m)
      expect(r.stderr).not.toMatch(/\x1b\[/) // no terminal escapes
      expect(r.stderr).toContain(`writing image ${t.inspect('plain').Id} done`)
    })
  })
})

describe.skipIf(skip)('store build: builder prune and cache invalidation', () => {
  const dfCacheRow = (t: ReturnType<typeof rootHelpers>) => {
    const line = ok(t.cli(['system', 'df'])).stdout.split('\n').find((l) => l.startsWith('Build Cache'))!
    const [, total, active, size, reclaimable] = line.split(/ {2,}/)
    return { total: Number(total), active: Number(active), size, reclaimable }
  }

  test('builder prune removes the cache: it reports what system df showed, and the next build reruns its steps', () => {
    withRoot((t) => {
      const dir = t.project('prune', { Dockerfile: 'FROM busybox\nRUN echo step-one > /one\nRUN mkdir /made\n' })
      expect(stepStatus(t.build(dir, ['-t', 'prune']).stderr, 'RUN echo step-one')).toBe('DONE')
      expect(stepStatus(t.build(dir, ['-t', 'prune']).stderr, 'RUN echo step-one')).toBe('CACHED')
      // With the image gone, only the cache holds the RUN layers.
      ok(t.cli(['rmi', 'prune']))
      const before = dfCacheRow(t)
      expect(before.total).toBe(2)
      expect(before.size).not.toBe('0B')
      const r = ok(t.cli(['builder', 'prune', '-f']))
      expect(r.stdout).toBe(`Deleted build cache objects: 2\nTotal reclaimed space: ${before.reclaimable}\n`)
      expect(dfCacheRow(t)).toEqual({ total: 0, active: 0, size: '0B', reclaimable: '0B' })
      const again = t.build(dir, ['-t', 'prune'])
      expect(stepStatus(again.stderr, 'RUN echo step-one')).toBe('DONE')
      expect(stepStatus(again.stderr, 'RUN mkdir /made')).toBe('DONE')
      expect(t.run(['prune', 'cat', '/one'])).toBe('step-one\n')
    })
  })

  test('prune --filter until= drops only the cache entries last used before it: a hit counts as a use', () => {
    withRoot((t) => {
      const dir = t.project('until', { Dockerfile: 'FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n' })
      t.build(dir, ['-t', 'until'])
      const made = Date.now()
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1100)
      expect(stepStatus(t.build(dir).stderr, 'RUN echo one')).toBe('CACHED') // both entries used again, now
      // Made before `until`, used after it: kept.
      const between = ((made + 500) / 1000).toFixed(3)
      expect(ok(t.cli(['builder', 'prune', '-f', '--filter', `until=${between}`])).stdout).toBe('Deleted build cache objects: 0\nTotal reclaimed space: 0B\n')
      expect(stepStatus(t.build(dir).stderr, 'RUN echo two')).toBe('CACHED')
      // Last used before a later `until`: system prune drops them (the tagged image stays).
      const after = ((Date.now() + 1000) / 1000).toFixed(3)
      expect(ok(t.cli(['system', 'prune', '-f', '--filter', `until=${after}`])).stdout).toContain('Deleted build cache objects: 2\n')
      expect(stepStatus(t.build(dir).stderr, 'RUN echo one')).toBe('DONE')
      const bad = t.cli(['builder', 'prune', '-f', '--filter', 'label=a'])
      expect([bad.status, bad.stderr]).toEqual([1, "Error: invalid filter 'label'\n"])
    })
  })

  test('builder prune keeps the images: a tagged build still runs after it', () => {
    withRoot((t) => {
      const dir = t.project('prune-keep', { Dockerfile: 'FROM busybox\nRUN echo kept > /kept\n' })
      t.build(dir, ['-t', 'kept'])
      expect(ok(t.cli(['builder', 'prune', '-f'])).stdout).toBe('Deleted build cache objects: 1\nTotal reclaimed space: 0B\n')
      expect(t.run(['kept', 'cat', '/kept'])).toBe('kept\n')
      expect(stepStatus(t.build(dir).stderr, 'RUN echo kept')).toBe('DONE')
    })
  })

  test('changing WORKDIR or USER before a RUN reruns it; going back hits the cache', () => {
    withRoot((t) => {
      const dir = t.project('wd-user', {})
      const df = (wd: string, user: string) => `FROM busybox\nWORKDIR ${wd}\nUSER ${user}\nRUN pwd > /tmp/where && id -u >> /tmp/where\n`
      const build = (wd: string, user: string, tag: string) => {
        writeFileSync(join(dir, 'Dockerfile'), df(wd, user))
        return stepStatus(t.build(dir, ['-t', tag]).stderr, 'RUN pwd')
      }
      expect(build('/a', 'root', 'a-root')).toBe('DONE')
      expect(build('/a', 'root', 'a-root')).toBe('CACHED')
      expect(build('/b', 'root', 'b-root')).toBe('DONE')
      expect(build('/a', 'app', 'a-app')).toBe('DONE')
      expect(build('/a', 'root', 'a-root')).toBe('CACHED')
      expect(t.run(['b-root', 'cat', '/tmp/where'])).toBe('/b\n0\n')
      expect(t.run(['a-app', 'cat', '/tmp/where'])).toBe('/a\n1000\n')
    })
  })

  test("chmod of a COPY source (content unchanged) reruns the COPY and what follows; the mode is the new one", () => {
    withRoot((t) => {
      const dir = t.project('mode', { 'tool.sh': '#!/bin/sh\necho tool\n', Dockerfile: 'FROM busybox\nCOPY tool.sh /usr/local/bin/tool\nRUN ls -l /usr/local/bin/tool > /listing\n' })
      chmodSync(join(dir, 'tool.sh'), 0o644)
      expect(stepStatus(t.build(dir, ['-t', 'mode']).stderr, 'COPY tool.sh')).toBe('DONE')
      expect(stepStatus(t.build(dir, ['-t', 'mode']).stderr, 'COPY tool.sh')).toBe('CACHED')
      chmodSync(join(dir, 'tool.sh'), 0o755)
      const r = t.build(dir, ['-t', 'mode'])
      expect(stepStatus(r.stderr, 'COPY tool.sh')).toBe('DONE')
      expect(stepStatus(r.stderr, 'RUN ls -l')).toBe('DONE')
      expect(t.run(['mode', 'stat', '-c', '%a', '/usr/local/bin/tool'])).toBe('755\n')
      expect(t.run(['mode', '/usr/local/bin/tool'])).toBe('tool\n')
      chmodSync(join(dir, 'tool.sh'), 0o644)
      expect(stepStatus(t.build(dir, ['-t', 'mode']).stderr, 'COPY tool.sh')).toBe('CACHED')
    })
  })
})
