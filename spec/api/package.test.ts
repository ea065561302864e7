// store as a package: `npm pack` of this repository, installed into a project outside it,
// used through its typed exports as the README shows (the README's own example, type-checked
// against the installed declarations and run by Node), and the CLI's read-only commands under
// Deno on the store the example made. Also `deno publish --dry-run` (JSR's checks, slow types
// included) on the sources.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { unavailable } from '../_fixtures/requires.js'
import { removeContainersOf } from '../_fixtures/containers.js'

const repo = resolve(import.meta.dirname, '../..')
const deno = join(repo, 'node_modules/.bin/deno')
const tsc = join(repo, 'node_modules/typescript/bin/tsc')
const npm = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, process.env.npm_execpath] : ['npm']

/** The README's example, between its marker and the end of the code block. */
function readmeExample(): string {
  const text = readFileSync(join(repo, 'README.md'), 'utf8')
  const m = text.match(/<!-- api-example -->\n```ts\n([\s\S]*?)```/)
  if (!m) throw new Error('README.md has no <!-- api-example --> block')
  return m[1]
}

function run(cmd: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26, ...opts })
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), error: r.error }
}

// A printed reason to skip on a developer's machine; under CI, a failure.
const noBuild = unavailable('the package specs', existsSync(join(repo, 'dist/lib/index.d.ts')) ? undefined : 'dist/lib/index.d.ts is missing: run `npm run build` first')

describe.skipIf(noBuild)('the package from npm pack, in a project of its own', () => {
  let dir = ''
  let project = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-package-'))
    project = join(dir, 'project')
    const pack = run([...npm, 'pack', '--ignore-scripts', '--pack-destination', dir], { cwd: repo })
    expect(pack.stderr + pack.error).not.toMatch(/ERR!/)
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))
    expect(tarball).toBe('store-oci-store-0.1.0.tgz')
    run(['mkdir', '-p', project])
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-store', private: true, type: 'module' }))
    // Its dependencies come from npm's cache, which `npm ci` of this repository filled.
    const install = run([...npm, 'install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball!)], { cwd: project })
    expect(install.status, install.stderr).toBe(0)
  }, 180_000)
  afterAll(() => {
    if (existsSync(join(project, 'store-root'))) removeContainersOf(join(project, 'store-root'))
    rmSync(dir, { recursive: true, force: true })
  })

  test('it ships the built library, its declarations, the CLI and the launcher, and no specs or benchmarks', () => {
    const pkg = join(project, 'node_modules/@store-oci/store')
    for (const f of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/formats.d.ts', 'dist/cli/main.js', 'dist/native/store-launch', 'package.json']) {
      expect(existsSync(join(pkg, f)), f).toBe(true)
    }
    for (const f of ['spec', 'bench', 'dist/bench', 'lib']) expect(existsSync(join(pkg, f)), f).toBe(false)
    expect(existsSync(join(project, 'node_modules/.bin/store'))).toBe(true)
  })

  test('the README example type-checks against the installed declarations; a wrong call does not', () => {
    writeFileSync(join(project, 'main.ts'), readmeExample())
    writeFileSync(join(project, 'wrong.ts'), "import { importImage, openStore } from '@store-oci/store'\nconst s = await openStore()\nawait importImage(s, 42)\n")
    const config = (file: string) => JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false,
        types: ['node'], typeRoots: [join(repo, 'node_modules/@types')],
      },
      files: [file],
    })
    writeFileSync(join(project, 'tsconfig.json'), config('main.ts'))
    const ok = run([process.execPath, tsc, '-p', 'tsconfig.json'], { cwd: project })
    expect(ok.stdout + ok.stderr).toBe('')
    expect(ok.status).toBe(0)
    writeFileSync(join(project, 'tsconfig.wrong.json'), config('wrong.ts'))
    const bad = run([process.execPath, tsc, '-p', 'tsconfig.wrong.json'], { cwd: project })
    expect(bad.status).not.toBe(0)
    expect(bad.stdout).toMatch(/wrong\.ts\(3,22\): error TS2345: Argument of type 'number'/)
  }, 120_000)

  const noRun = busyboxUnavailable()
  test.skipIf(noRun)('the README example runs: import, build with a RUN, run, df and fsck through the API', () => {
    makeBusyboxRoot(join(project, 'rootfs'))
    writeFileSync(join(project, 'main.ts'), readmeExample())
    const r = run([process.execPath, 'main.ts'], { cwd: project, env: { ...process.env, STORE_ROOT: '' } })
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('true 0 built 2 0\n')
    // The CLI the package installed sees what the program made.
    const images = run([join(project, 'node_modules/.bin/store'), '--root', join(project, 'store-root'), 'images', '--format', '{{.Repository}}'], { cwd: project })
    expect(images.stdout.split('\n').filter(Boolean).sort()).toEqual(['demo/app', 'demo/base'])
    expect(images.status).toBe(0)
  }, 180_000)

  const noDeno = unavailable('the Deno CLI spec', existsSync(deno) ? undefined : `${deno} is missing (npm ci installs the deno package)`)
  test.skipIf(noRun || noDeno)('under Deno, allowed to read and see the environment only, `store images`, `inspect` and `history` print what Node prints', () => {
    const root = join(project, 'store-root')
    const bin = join(project, 'node_modules/@store-oci/store/dist/cli/main.js')
    // (Formats without relative times: "1 second ago" may turn into "2 seconds ago" between the runs.)
    const commands = [
      ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'],
      ['inspect', '--format', '{{.Id}} {{.RepoTags}} {{json .RootFS}}', 'demo/app'],
      ['history', '--no-trunc', '--format', '{{.ID}} {{.CreatedBy}} {{.Size}}', 'demo/app'],
    ]
    for (const args of commands) {
      const byNode = run([process.execPath, bin, '--root', root, ...args])
      const byDeno = run([deno, 'run', '--allow-read', '--allow-env', bin, '--root', root, ...args], { env: { ...process.env, NO_COLOR: '1' } })
      expect(byNode.status, byNode.stderr).toBe(0)
      expect(byNode.stdout).toMatch(/demo\/app|echo built/)
      expect(byDeno.stderr).toBe('')
      expect(byDeno.status).toBe(0)
      expect(byDeno.stdout).toBe(byNode.stdout)
    }
  }, 120_000)
})

const noDenoPublish = unavailable('deno publish --dry-run', existsSync(deno) ? undefined : `${deno} is missing (npm ci installs the deno package)`)
test.skipIf(noDenoPublish)('deno publish --dry-run passes on the sources (JSR: exports, license, no slow types)', () => {
  const r = run([deno, 'publish', '--dry-run', '--allow-dirty'], { cwd: repo, env: { ...process.env, NO_COLOR: '1' } })
  expect(r.stderr).toMatch(/Success Dry run complete/)
  expect(r.stderr).not.toMatch(/^error|Found \d+ problems?/m)
  // Every file the exports reach is in it, the generated WebAssembly modules (gitignored) too.
  expect(r.stderr).toMatch(/lib\/chunk\/_fastcdc\.wasm\.ts/)
  expect(r.status).toBe(0)
}, 180_000)
