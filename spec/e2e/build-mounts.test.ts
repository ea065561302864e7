// End-to-end: RUN --mount through the built binary, BuildKit's behaviour as the reference.
// bind: the context (read-only, .dockerignore honoured, a source symlink resolved inside the
// context, `rw` writes dropped, the source's content in the cache key), a stage, an image;
// cache: kept across builds, seeded, owned, never in the image, gone with `builder prune`;
// tmpfs; secret: from a file or a variable, read-only with its mode and owner, and nowhere
// else — not in a layer, the history, the store, the cache key or any process's argv.
// Mount points never reach a layer (dirs made for them included). Each test has its own root.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { requireBuilt, tempDir, type CliResult } from '../_fixtures/cli.js'
import { storeIn, type StoreRunOptions } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { newestLayerEntries, progressSteps, writeProject } from '../_fixtures/build.js'

const skip = busyboxUnavailable() !== undefined

let shared: { dir: string; cleanup: () => void }
let busybox: string

beforeAll(() => {
  if (skip) return
  requireBuilt()
  shared = tempDir('store-e2e-build-mounts-')
  busybox = makeBusyboxRoot(join(shared.dir, 'busybox'))
})
afterAll(() => shared?.cleanup())

const ok = (r: CliResult): CliResult => {
  expect(r.status, r.stderr).toBe(0)
  return r
}

/** A fresh root with busybox imported; removed after `fn`, whatever happens. */
async function withRoot(fn: (t: ReturnType<typeof rootHelpers>) => Promise<void>): Promise<void> {
  const tmp = tempDir('store-e2e-build-mounts-root-')
  try {
    const t = rootHelpers(tmp.dir)
    ok(await t.cli(['import', busybox, 'busybox']))
    await fn(t)
  } finally {
    tmp.cleanup()
  }
}

function rootHelpers(dir: string) {
  const root = join(dir, 'root')
  const cli = (args: string[], o: StoreRunOptions = {}) => storeIn(root, args, { timeoutMs: 60_000, ...o })
  return {
    dir,
    root,
    cli,
    project: (name: string, files: Record<string, string>) => writeProject(join(dir, name), files),
    build: async (ctx: string, args: string[] = [], o: StoreRunOptions = {}) => ok(await cli(['build', '--progress', 'plain', ...args, ctx], o)),
    run: async (args: string[]) => ok(await cli(['run', '--rm', ...args])).stdout,
    /** The step statuses of a build, by the instruction they start with. */
    status: (r: CliResult, prefix: string) => progressSteps(r.stderr).find((s) => s.title.replace(/^\[[^\]]*\] /, '').startsWith(prefix))?.status,
    newestLayer: async (ref: string) => {
      const archive = join(dir, `${ref.replace(/\W/g, '_')}.tar`)
      ok(await cli(['save', '-o', archive, ref]))
      return newestLayerEntries(archive)
    },
  }
}

describe.skipIf(skip)('RUN --mount=type=bind', () => {
  test('the context, read-only, without what .dockerignore leaves out; a source symlink stays inside the context; rw writes are dropped', async () => {
    await withRoot(async (t) => {
      const dir = t.project('ctx', {
        'src/app.txt': 'v1\n',
        'ignored.txt': 'not in the context\n',
        '.dockerignore': 'ignored.txt\n',
        'etc/mine': 'the context\'s own etc\n',
        Dockerfile:
          'FROM busybox\n' +
          'RUN --mount=target=/ctx ls -A /ctx > /ls.txt && cat /ctx/src/app.txt > /app.txt && if touch /ctx/w 2>/dev/null; then echo writable; else echo read-only; fi > /ro.txt\n' +
          'RUN --mount=source=etc-link,target=/e ls /e > /e.txt\n' +
          'RUN --mount=source=src-link,target=/mnt/deep/s cat /mnt/deep/s/app.txt > /via-link.txt\n' +
          'RUN --mount=source=src,target=/s,rw echo changed > /s/app.txt && touch /s/new && cat /s/app.txt > /rw.txt\n',
      })
      symlinkSync('/etc', join(dir, 'etc-link')) // must mean <context>/etc, never the host's
      symlinkSync('/src', join(dir, 'src-link'))
      await t.build(dir, ['-t', 'ctx'])
      const cat = (f: string) => t.run(['ctx', 'cat', f])
      expect((await cat('/ls.txt')).split('\n')).toEqual(['.dockerignore', 'Dockerfile', 'etc', 'etc-link', 'src', 'src-link', ''])
      expect(await cat('/app.txt')).toBe('v1\n')
      expect(await cat('/ro.txt')).toBe('read-only\n')
      expect(await cat('/e.txt')).toBe('mine\n')
      expect(await cat('/via-link.txt')).toBe('v1\n')
      expect(await cat('/rw.txt')).toBe('changed\n')
      // The writes went to a copy; the mount points and the dirs made for them are not in the image.
      expect(readFileSync(join(dir, 'src/app.txt'), 'utf8')).toBe('v1\n')
      expect(existsSync(join(dir, 'src/new'))).toBe(false)
      expect(await t.run(['ctx', 'sh', '-c', 'for p in /ctx /e /mnt /s; do [ -e $p ] && echo $p; done; true'])).toBe('')
      expect(await t.newestLayer('ctx')).toEqual(['rw.txt'])
    })
  })

  test('a source symlink to the host (/etc) is not found in the context, and the step never runs', async () => {
    await withRoot(async (t) => {
      const dir = t.project('escape', { Dockerfile: 'FROM busybox\nRUN --mount=source=etc-link,target=/e cat /e/passwd\n' })
      symlinkSync('/etc', join(dir, 'etc-link'))
      const r = await t.cli(['build', '--progress', 'plain', dir])
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('Error: failed to compute cache key: failed to calculate checksum of ref: "/etc-link": not found')
      expect(r.stderr).not.toContain('root:x:0:0')
    })
  })

  test('the source\'s content is in the cache key: a changed file re-runs the step, a file .dockerignore leaves out does not', async () => {
    await withRoot(async (t) => {
      const dir = t.project('key', {
        'src/app.txt': 'v1\n', 'ignored.txt': 'a\n', '.dockerignore': 'ignored.txt\n',
        Dockerfile: 'FROM busybox\nRUN --mount=target=/ctx cat /ctx/src/app.txt > /app.txt\n',
      })
      await t.build(dir)
      writeFileSync(join(dir, 'ignored.txt'), 'b\n')
      expect(t.status(await t.build(dir), 'RUN')).toBe('CACHED')
      writeFileSync(join(dir, 'src/app.txt'), 'v2\n')
      expect(t.status(await t.build(dir, ['-t', 'key']), 'RUN')).toBe('DONE')
      expect(await t.run(['key', 'cat', '/app.txt'])).toBe('v2\n')
    })
  })

  test('from a stage (hard links or a read-only overlay, no copy; read-only; rw writes dropped), by index, and from an image', async () => {
    await withRoot(async (t) => {
      const dir = t.project('stage', {
        Dockerfile:
          'FROM busybox AS build\nRUN mkdir /out && echo artifact > /out/a && echo second > /out/b\n' +
          'FROM busybox\n' +
          'RUN --mount=from=build,source=/out,target=/in cat /in/a > /a.txt && echo $(stat -c %h /in/a) $(awk \'$2=="/in"{print $3}\' /proc/mounts) > /links.txt && if touch /in/x 2>/dev/null; then echo writable; else echo read-only; fi > /ro.txt\n' +
          'RUN --mount=from=build,source=/out,target=/in,rw rm /in/a && echo new > /in/c && ls /in > /rw.txt\n' +
          'RUN --mount=from=build,source=/out,target=/in ls /in > /after.txt\n' +
          'RUN --mount=from=0,target=/stage0 cat /stage0/out/b > /b.txt\n' +
          'RUN --mount=from=busybox,source=/etc/passwd,target=/p grep -c app /p > /count.txt\n',
      })
      await t.build(dir, ['-t', 'stage'])
      const cat = (f: string) => t.run(['stage', 'cat', f])
      expect(await cat('/a.txt')).toBe('artifact\n')
      // The snapshot's own file (a hard link), or a data-only stage's tree mounted by the kernel.
      const [links, fstype] = (await cat('/links.txt')).trim().split(' ')
      expect(Number(links) >= 2 || fstype === 'overlay', `${links} links, ${fstype}`).toBe(true)
      expect(await cat('/ro.txt')).toBe('read-only\n')
      expect(await cat('/rw.txt')).toBe('b\nc\n')
      expect(await cat('/after.txt')).toBe('a\nb\n')
      expect(await cat('/b.txt')).toBe('second\n')
      expect(await cat('/count.txt')).toBe('1\n')
      expect(await t.run(['stage', 'sh', '-c', 'for p in /in /stage0 /p /out; do [ -e $p ] && echo $p; done; true'])).toBe('')
    })
  })

  test('a stage defined later cannot be mounted (BuildKit\'s words)', async () => {
    await withRoot(async (t) => {
      const dir = t.project('later', { Dockerfile: 'FROM busybox AS first\nRUN --mount=from=later,target=/x true\nFROM busybox AS later\n' })
      const r = await t.cli(['build', '--target', 'first', dir])
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('cannot mount from stage "later" to "/x", stage needs to be defined before current command')
    })
  })
})

describe.skipIf(skip)('RUN --mount=type=cache and tmpfs', () => {
  test('a cache outlives builds and never reaches the image; owner, mode, seed and sharing; builder prune empties it', async () => {
    await withRoot(async (t) => {
      const dir = t.project('cache', {
        Dockerfile:
          'FROM busybox AS seed\nRUN mkdir /s && echo seed > /s/f\n' +
          'FROM busybox\nARG RUNID\n' +
          'RUN --mount=type=cache,target=/var/cache/app echo $RUNID >> /var/cache/app/log && cp /var/cache/app/log /seen\n' +
          'RUN --mount=type=cache,id=owned,target=/c1,uid=1000,gid=1000,mode=0750 stat -c "%u:%g %a" /c1 > /owner.txt\n' +
          'RUN --mount=type=cache,target=/sd,from=seed,source=/s echo $RUNID >> /sd/f && cp /sd/f /seeded\n' +
          'RUN --mount=type=cache,target=/locked,sharing=locked --mount=type=cache,target=/private,sharing=private touch /locked/x /private/y\n',
      })
      const build = async (runid: string) => {
        await t.build(dir, ['--build-arg', `RUNID=${runid}`, '-t', 'cache'])
        return { seen: await t.run(['cache', 'cat', '/seen']), seeded: await t.run(['cache', 'cat', '/seeded']) }
      }
      expect(await build('1')).toEqual({ seen: '1\n', seeded: 'seed\n1\n' })
      expect(await build('2')).toEqual({ seen: '1\n2\n', seeded: 'seed\n1\n2\n' })
      expect(await t.run(['cache', 'cat', '/owner.txt'])).toBe('1000:1000 750\n')
      expect(await t.run(['cache', 'sh', '-c', 'for p in /var/cache /c1 /sd /locked /private; do [ -e $p ] && echo $p; done; true'])).toBe('')
      const mounts = join(t.root, 'cache/mounts')
      expect(readdirSync(mounts).filter((n) => !n.startsWith('.'))).toHaveLength(5)
      const df = ok(await t.cli(['system', 'df'])).stdout
      expect(Number(/^Build Cache\s+(\d+)/m.exec(df)?.[1])).toBeGreaterThanOrEqual(5)
      expect(ok(await t.cli(['builder', 'prune', '-f'])).stdout).toMatch(/^Deleted build cache objects: \d+\n/)
      expect(existsSync(mounts)).toBe(false)
      expect(await build('3')).toEqual({ seen: '3\n', seeded: 'seed\n3\n' })
    })
  })

  test('a tmpfs of the given size; its target, even below an image symlink, stays out of the layer', async () => {
    await withRoot(async (t) => {
      const dir = t.project('tmpfs', {
        Dockerfile:
          'FROM busybox\nRUN mkdir /real && ln -s /real /lnk\n' +
          'RUN --mount=type=tmpfs,target=/scratch,size=2m df -k /scratch | tail -n 1 | tr -s " " | cut -d" " -f1,2 > /df.txt && echo x > /scratch/f\n' +
          'RUN --mount=type=tmpfs,target=/lnk/sub/dir touch /lnk/sub/dir/f /kept\n',
      })
      await t.build(dir, ['-t', 'tmpfs'])
      expect(await t.run(['tmpfs', 'cat', '/df.txt'])).toBe('tmpfs 2048\n')
      expect(await t.run(['tmpfs', 'ls', '-A', '/real'])).toBe('')
      expect(await t.run(['tmpfs', 'sh', '-c', '[ -e /scratch ] && echo /scratch; true'])).toBe('')
      expect(await t.newestLayer('tmpfs')).toEqual(['kept'])
    })
  })
})

describe.skipIf(skip)('RUN --mount=type=secret', () => {
  test('from a file or a variable, read-only with its mode and owner; nowhere else: layer, history, store, cache key, argv', async () => {
    await withRoot(async (t) => {
      const value = `s3cret-${createHash('sha256').update('fixed seed').digest('hex').slice(0, 16)}`
      const sha = (s: string) => createHash('sha256').update(s).digest('hex')
      const file = join(t.dir, 'token')
      writeFileSync(file, value)
      const dir = t.project('secret', {
        Dockerfile:
          'FROM busybox\n' +
          'RUN --mount=type=secret,id=tok sha256sum /run/secrets/tok | cut -d" " -f1 > /tok.sha && stat -c "%a %u:%g" /run/secrets/tok > /tok.perm && sleep 1 && ' +
          'if echo x > /run/secrets/tok; then echo writable; else echo read-only; fi 2>/dev/null > /tok.ro\n' +
          'RUN --mount=type=secret,id=env,target=/etc/app.key,mode=0440,uid=1000,gid=1000 sha256sum /etc/app.key | cut -d" " -f1 > /env.sha && stat -c "%a %u:%g" /etc/app.key > /env.perm\n' +
          'RUN --mount=type=secret,id=absent ls /run/secrets > /absent.txt 2>&1; true\n',
      })
      const args = ['-t', 'secret', '--secret', `id=tok,src=${file}`, '--secret', 'id=env,env=SPEC_TOKEN']
      const env = { SPEC_TOKEN: `${value}-env` }
      // While the build runs, no process on the host may carry the value in its argv.
      let done = false
      const seen: string[] = []
      const watch = (async () => {
        while (!done) {
          for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
            try {
              if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(value)) seen.push(pid)
            } catch {
              // gone
            }
          }
          await new Promise((r) => setTimeout(r, 20))
        }
      })()
      try {
        await t.build(dir, args, { env })
      } finally {
        done = true
        await watch
      }
      expect(seen).toEqual([])
      const cat = (f: string) => t.run(['secret', 'cat', f])
      expect(await cat('/tok.sha')).toBe(`${sha(value)}\n`)
      expect(await cat('/tok.perm')).toBe('400 0:0\n')
      expect(await cat('/tok.ro')).toBe('read-only\n')
      expect(await cat('/env.sha')).toBe(`${sha(`${value}-env`)}\n`)
      expect(await cat('/env.perm')).toBe('440 1000:1000\n')
      expect(await cat('/absent.txt')).toMatch(/No such file or directory/) // not given, not required: no mount
      expect(await t.run(['secret', 'sh', '-c', 'for p in /run/secrets /etc/app.key; do [ -e $p ] && echo $p; done; true'])).toBe('')
      expect(ok(await t.cli(['history', '--no-trunc', 'secret'])).stdout).not.toContain(value)
      const archive = join(t.dir, 'secret.tar')
      ok(await t.cli(['save', '-o', archive, 'secret']))
      const unpacked = join(t.dir, 'unpacked')
      mkdirSync(unpacked)
      execFileSync('tar', ['-xf', archive, '-C', unpacked])
      for (const l of JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8'))[0].Layers as string[]) {
        expect(execFileSync('tar', ['-xOf', join(unpacked, l)], { maxBuffer: 1 << 30 }).includes(value)).toBe(false)
      }
      // Not left anywhere in the store (blobs, ingest, records), nor in the archive.
      expect(execFileSync('sh', ['-c', 'grep -rlF "$1" "$2" "$3" || true', 'sh', value, t.root, archive], { encoding: 'utf8' })).toBe('')
      expect(readdirSync(join(t.root, 'ingest'))).toEqual([])
      // The value is not in the cache key (BuildKit's rule): another value, the same steps.
      writeFileSync(file, `${value}-changed`)
      const again = await t.build(dir, args, { env })
      expect(progressSteps(again.stderr).filter((s) => s.title.includes('RUN --mount=type=secret')).map((s) => s.status)).toEqual(['CACHED', 'CACHED', 'CACHED'])
    })
  })

  test('a required secret not given fails the step with BuildKit\'s words', async () => {
    await withRoot(async (t) => {
      const dir = t.project('required', { Dockerfile: 'FROM busybox\nRUN --mount=type=secret,id=need,required true\n' })
      const r = await t.cli(['build', dir])
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('Error: secret need: not found')
    })
  })

  test('--secret is checked when the build starts', async () => {
    await withRoot(async (t) => {
      const dir = t.project('flag', { Dockerfile: 'FROM busybox\nRUN true\n' })
      const r = await t.cli(['build', '--secret', 'id=a,src=/nonexistent/file', dir])
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('Error: failed to stat /nonexistent/file: stat /nonexistent/file: no such file or directory')
      const r2 = await t.cli(['build', '--secret', 'id=a,path=/x', dir])
      expect(r2.stderr).toContain("Error: unexpected key 'path' in 'path=/x'")
    })
  })
})
