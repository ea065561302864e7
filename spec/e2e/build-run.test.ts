// End-to-end: how `store build` runs RUN steps, through the built binary. `--runtime runc|crun`
// puts every RUN on that launcher (scripts first on PATH log the runtime's calls, then exec the
// real one); `RUN --network=none` has a network namespace with only a loopback, so a server of
// this process on the host's 127.0.0.1 is out of its reach, `host` reaches it, and `default`
// (the default bridge, as root) reaches the host at its gateway; and every flag the parser accepts that store does not implement is refused with its line
// before any step runs. Each test has its own store root with busybox imported.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { requireBuilt, tempDir, type CliResult } from '../_fixtures/cli.js'
import { storeIn, type StoreRunOptions } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { progressSteps, writeProject } from '../_fixtures/build.js'
import { needTool, unavailable } from '../_fixtures/requires.js'

const skip = busyboxUnavailable() !== undefined

let shared: { dir: string; cleanup: () => void }
let busybox: string

beforeAll(() => {
  if (skip) return
  requireBuilt()
  shared = tempDir('store-e2e-build-run-')
  busybox = makeBusyboxRoot(join(shared.dir, 'busybox'))
})
afterAll(() => shared?.cleanup())

/** The bridge lib/network/bridge.ts names for a store root other than the default one. */
const bridgeOf = (root: string) => `st-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`

const ok = (r: CliResult): CliResult => {
  expect(r.status, r.stderr).toBe(0)
  return r
}

/** A fresh root with busybox imported; removed after `fn`, whatever happens. */
async function withRoot(fn: (t: ReturnType<typeof rootHelpers>) => Promise<void>): Promise<void> {
  const tmp = tempDir('store-e2e-build-run-root-')
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
    run: async (args: string[]) => ok(await cli(['run', '--rm', ...args])).stdout,
  }
}

describe.skipIf(skip)('store build --runtime', () => {
  for (const rt of ['runc', 'crun'] as const) {
    const real = [`/usr/sbin/${rt}`, `/usr/bin/${rt}`]
    const why = skip ? 'busybox' : unavailable(`store build --runtime ${rt}`, needTool(real, rt))
    test.skipIf(why !== undefined)(`every RUN step runs on ${rt}; without --runtime none does`, async () => {
      await withRoot(async (t) => {
        const bin = join(t.dir, 'bin')
        const log = join(t.dir, 'calls.log')
        mkdirSync(bin)
        writeFileSync(join(bin, rt), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real.find((p) => existsSync(p))}' "$@"\n`, { mode: 0o755 })
        const env = { PATH: `${bin}:${process.env.PATH}` }
        const dir = t.project('rt', {
          Dockerfile: 'FROM busybox\nRUN echo one > /one\nRUN --network=none --mount=type=tmpfs,target=/t echo two > /two\n',
        })
        ok(await t.cli(['build', '--runtime', rt, '-t', 'on-rt', dir], { env }))
        expect(readFileSync(log, 'utf8').split('\n').filter((l) => / run --bundle /.test(l))).toHaveLength(2)
        expect(await t.run(['on-rt', 'cat', '/one', '/two'])).toBe('one\ntwo\n')
        rmSync(log)
        ok(await t.cli(['build', '--no-cache', '-t', 'builtin', dir], { env }))
        expect(existsSync(log)).toBe(false)
      })
    })
  }

  test('an unknown runtime is refused', async () => {
    await withRoot(async (t) => {
      const r = await t.cli(['build', '--runtime', 'kata', t.project('k', { Dockerfile: 'FROM busybox\nRUN true\n' })])
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/Invalid values:[\s\S]*runtime, Given: "kata", Choices: "builtin", "runc", "crun"/)
    })
  })
})

describe.skipIf(skip)('RUN --network', () => {
  let server: Server | undefined
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
    server = undefined
  })

  test('none: only a loopback; host: the host\'s 127.0.0.1; default: a namespace of its own on the default bridge, the host at its gateway', async () => {
    const hits: string[] = []
    server = createServer((req, res) => {
      hits.push(req.url ?? '')
      res.end('hello from the host\n')
    })
    // Every address of the host: the bridge's gateway (made by the build) is one of them.
    await new Promise<void>((r) => server!.listen(0, '0.0.0.0', r))
    const port = (server.address() as AddressInfo).port
    await withRoot(async (t) => {
      // Each step records wget's status and what it got; the request path names the step.
      const get = (name: string, host = '127.0.0.1') => `wget -q -O /${name}.body http://${host}:$PORT/${name} 2>/dev/null; echo $? > /${name}.rc`
      const gateway = '$(ip route | awk \'/^default/ {print $3}\')'
      const dir = t.project('net', {
        Dockerfile:
          'FROM busybox\nARG PORT\n' +
          `RUN --network=none tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > /none.ifaces; ${get('none')}\n` +
          `RUN --network=host ${get('host')}\n` +
          `RUN --network=default ${get('default-lo')}; ${get('default', gateway)}\n` +
          `RUN ls /sys/class/net > /unset.ifaces; ${get('unset', gateway)}\n`,
      })
      ok(await t.cli(['build', '--build-arg', `PORT=${port}`, '-t', 'net', dir]))
      const cat = (f: string) => t.run(['net', 'cat', f])
      expect(await cat('/none.ifaces')).toBe('lo\n')
      expect(await cat('/none.rc')).not.toBe('0\n')
      // On the bridge, 127.0.0.1 is the step's own loopback, as in Docker.
      expect(await cat('/default-lo.rc')).not.toBe('0\n')
      expect(await cat('/unset.ifaces')).toBe('eth0\nlo\n')
      for (const n of ['host', 'default', 'unset']) {
        expect(await cat(`/${n}.rc`)).toBe('0\n')
        expect(await cat(`/${n}.body`)).toBe('hello from the host\n')
      }
      expect(hits.sort()).toEqual(['/default', '/host', '/unset'])
      // The bridge went with the build's last step.
      expect(spawnSync('ip', ['-o', 'link', 'show', 'dev', bridgeOf(t.root)], { encoding: 'utf8' }).stdout).toBe('')
      // `build --network host`: every RUN without its own flag on the host's network.
      const all = t.project('all', { Dockerfile: `FROM busybox\nARG PORT\nRUN ${get('flag')}\n` })
      ok(await t.cli(['build', '--network', 'host', '--build-arg', `PORT=${port}`, '-t', 'flag', all]))
      expect(await t.run(['flag', 'cat', '/flag.body'])).toBe('hello from the host\n')
    })
  })

  test('a network mode is part of the step: none, host and default are three cache entries', async () => {
    await withRoot(async (t) => {
      const a = t.project('a', { Dockerfile: 'FROM busybox\nRUN --network=none echo x > /x\n' })
      const b = t.project('b', { Dockerfile: 'FROM busybox\nRUN --network=host echo x > /x\n' })
      const c = t.project('c', { Dockerfile: 'FROM busybox\nRUN echo x > /x\n' })
      const d = t.project('d', { Dockerfile: 'FROM busybox\nRUN --network=default echo x > /x\n' })
      ok(await t.cli(['build', a]))
      const statusOf = async (dir: string, flags: string[] = []) => progressSteps(ok(await t.cli(['build', ...flags, '--progress', 'plain', dir])).stderr).find((s) => s.title.includes('RUN'))?.status
      expect(await statusOf(b)).toBe('DONE')
      expect(await statusOf(c)).toBe('DONE')
      expect(await statusOf(d)).toBe('CACHED') // --network=default is the unset mode
      expect(await statusOf(c, ['--network', 'host'])).toBe('CACHED') // the flag: as RUN --network=host
      expect(await statusOf(a)).toBe('CACHED')
    })
  })
})

describe.skipIf(skip)('flags store does not implement are refused, with the line, before any step runs', () => {
  test.each([
    ['COPY --link a /a', 'COPY --link is not supported'],
    ['COPY --exclude=*.md . /a', 'COPY --exclude is not supported'],
    ['COPY --parents a /a', 'COPY --parents is not supported'],
    ['ADD --link a /a', 'ADD --link is not supported'],
    ['ADD --exclude=*.md a /a', 'ADD --exclude is not supported'],
    ['ADD --keep-git-dir https://example.invalid/r.git /r', 'ADD --keep-git-dir is not supported'],
    ['RUN --security=insecure true', 'RUN --security=insecure: security.insecure is not allowed'],
    ['RUN --device=/dev/fuse true', 'unknown flag: --device'],
    ['RUN --mount=type=ssh true', 'RUN --mount=type=ssh is not supported: store does not forward an SSH agent'],
    ['RUN --mount=type=secret,id=t,env=T true', 'RUN --mount=type=secret,env=… is not supported: store mounts secrets as files only'],
  ])('%s', async (line, what) => {
    await withRoot(async (t) => {
      const dir = t.project('refused', { a: 'a\n', Dockerfile: `FROM busybox\nRUN echo ran > /ran\n${line}\n` })
      const r = await t.cli(['build', '--progress', 'plain', '-t', 'refused', dir])
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(`Error: dockerfile parse error on line 3: ${what}\n`)
      expect(r.stderr).not.toContain('RUN echo ran') // no step started
      expect((await t.cli(['inspect', 'refused'])).status).not.toBe(0)
    })
  })

  test('a mount type from a variable is refused at its step, before its container', async () => {
    await withRoot(async (t) => {
      const dir = t.project('var', { Dockerfile: 'FROM busybox\nARG T=ssh\nRUN --mount=type=$T echo ran > /ran\n' })
      const r = await t.cli(['build', '--progress', 'plain', dir])
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('Error: dockerfile parse error on line 3: RUN --mount=type=ssh is not supported')
      expect(progressSteps(r.stderr).some((s) => s.status === 'DONE' && s.title.includes('RUN'))).toBe(false)
    })
  })

  test('FROM --platform must name the host; the automatic platform ARGs name it', async () => {
    await withRoot(async (t) => {
      const bad = t.project('bad', { Dockerfile: 'FROM busybox\nRUN true\nFROM --platform=windows/amd64 busybox\nRUN true\n' })
      const r = await t.cli(['build', bad])
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/Error: dockerfile parse error on line 3: FROM --platform=windows\/amd64 is not supported: store builds for the host platform \(linux\/\w+\) only/)
      const good = t.project('good', {
        Dockerfile: 'FROM --platform=$BUILDPLATFORM busybox AS b\nARG TARGETARCH\nRUN echo "$TARGETARCH" > /arch\nFROM --platform=$TARGETPLATFORM b\n',
      })
      ok(await t.cli(['build', '-t', 'plat', good]))
      expect(await t.run(['plat', 'cat', '/arch'])).toMatch(/^(amd64|arm64|arm|386|ppc64le|s390x|riscv64)\n$/)
    })
  })
})
