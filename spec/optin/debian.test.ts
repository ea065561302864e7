// Opt-in (`npm run test:debian`; not part of `npm test`): the README's scenario on a real distribution. A Debian base made
// by debootstrap is imported, then two Dockerfiles share their apt-get and pip-like steps:
// the second build reuses them from the cache and runs only its own COPY and ENTRYPOINT.
// Heavy (network to Debian's mirror, ~200 MB base): off in the default run.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { requireBuilt, store, storeIn, tempDir } from '../_fixtures/cli.js'

describe('Debian scenario (opt-in: npm run test:debian)', () => {
  let tmp: { dir: string; cleanup: () => void }
  let root: string
  const timings: Record<string, number> = {}
  // Long steps run asynchronously: a synchronous spawn would starve the test runner's RPC.
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now()
    try {
      return await fn()
    } finally {
      timings[name] = (Date.now() - t0) / 1000
    }
  }
  const run = (cmd: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] })
      p.on('error', reject)
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))))
    })

  beforeAll(async () => {
    requireBuilt()
    tmp = tempDir('store-debian-')
    root = join(tmp.dir, 'root')
    const base = join(tmp.dir, 'bookworm')
    await timed('debootstrap', () => run('debootstrap', ['--variant=minbase', 'bookworm', base, 'http://deb.debian.org/debian']))
    const imp = await timed('import', () => storeIn(root, ['import', base, 'debian:bookworm']))
    expect(imp.status, imp.stderr).toBe(0)
  }, 900_000)

  afterAll(() => {
    console.log('Debian scenario timings (s):', JSON.stringify(timings))
    tmp?.cleanup()
  })

  test('two Dockerfiles share apt-get steps through the cache', async () => {
    const ctx = join(tmp.dir, 'ctx')
    mkdirSync(ctx)
    writeFileSync(join(ctx, 'app.py'), 'from flask import Flask\napp = Flask(__name__)\n')
    writeFileSync(join(ctx, 'app2.py'), 'from flask import Flask\napp = Flask("two")\n')
    const common = [
      'FROM debian:bookworm',
      'RUN apt-get update && apt-get -y install --no-install-recommends python3 python3-flask',
      'RUN python3 -c "import flask; print(flask.__name__)" > /flask-ok',
    ]
    writeFileSync(join(ctx, 'Dockerfile'), [...common, 'COPY . /opt/source-code', 'ENTRYPOINT FLASK_APP=/opt/source-code/app.py flask run', ''].join('\n'))
    writeFileSync(join(ctx, 'Dockerfile2'), [...common, 'COPY app2.py /opt/source-code/', 'ENTRYPOINT FLASK_APP=/opt/source-code/app2.py flask run', ''].join('\n'))
    const first = await timed('build 1', () => storeIn(root, ['build', join(ctx, 'Dockerfile'), '-t', 'acme/app']))
    expect(first.status, first.stderr).toBe(0)
    const second = await timed('build 2', () => storeIn(root, ['build', join(ctx, 'Dockerfile2'), '-t', 'acme/app2']))
    expect(second.status, second.stderr).toBe(0)
    expect(second.stderr.match(/CACHED/g)?.length).toBe(2)
    const r = store(root, ['run', '--rm', '--entrypoint', 'python3', 'acme/app2', '-c', 'import flask; print("flask", flask.__version__)'])
    expect(r.stdout).toMatch(/^flask \d/)
    const df = store(root, ['system', 'df', '-v'])
    expect(df.stdout).toMatch(/acme\/app2\s+latest/)
    console.log(store(root, ['history', 'acme/app2']).stdout)
    console.log(df.stdout)
  }, 900_000)
})
