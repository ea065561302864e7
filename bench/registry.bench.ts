// store against Docker (and skopeo) moving images through a registry: issue 16's goals. A
// `docker-registry` on 127.0.0.1 (its own config and storage in the temp folder) sits behind a
// TCP proxy of this process that counts the bytes each way, per step.
//
// Patch releases: for each pair of consecutive releases of an npm package (`npm pack`, cached as
// the peers scenario caches them), two images `FROM busybox` + `COPY package /app`, built by
// store; Docker gets the same images with `store save | docker load` (the same image IDs).
//   push: each tool pushes the first release, then the second; the second push is counted.
//   pull: a fresh store and a fresh engine pull the first release, then the second, counted.
// Cold pull: one large tree (STORE_BENCH_REGISTRY_TREE, default /usr/lib/x86_64-linux-gnu) as a
// one-layer image pushed by store, then pulled into an empty store, copied by `skopeo copy
// docker://… dir:…` (download and digest check, no unpacking), and pulled by Docker into an
// engine without it; wall time of each, one run.
// Engine: DOCKER_HOST's, or dockerd started here (TOOLS.md) and stopped after; none: the Docker
// columns say why. STORE_BENCH_REGISTRY_SERIES=name@v1,v2;name@v1,v2 picks the releases.
// Run: npm run build && npm run bench registry   (needs root, docker-registry, skopeo, npm's registry)

import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { busyboxRoot } from './_busybox.js'
import { NoEngine, openEngine, type Engine } from './_dockerEngine.js'
import { killUnder } from './_leftovers.js'
import { markdown } from './_markdown.js'
import { STORE_CLI } from './_peersTools.js'
import { fetchRelease } from './_versions.js'

const SERIES = process.env.STORE_BENCH_REGISTRY_SERIES ?? '@angular/core@17.3.0,17.3.1;eslint@8.57.0,8.57.1'
const TREE = process.env.STORE_BENCH_REGISTRY_TREE ?? '/usr/lib/x86_64-linux-gnu'

const kB = (n: number) => `${(n / 1e3).toFixed(0)} kB`
const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`

interface Result {
  status: number | null
  stdout: string
  stderr: string
  ms: number
}

/** A command, asynchronously (the proxy lives in this process's event loop). */
function run(argv: string[], env: Record<string, string> = {}): Promise<Result> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const p = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (b) => (stdout += b))
    p.stderr.on('data', (b) => (stderr += b))
    p.on('error', (e) => resolve({ status: -1, stdout, stderr: stderr + e.message, ms: performance.now() - t0 }))
    p.on('close', (status) => resolve({ status, stdout, stderr, ms: performance.now() - t0 }))
  })
}

async function ok(argv: string[], env?: Record<string, string>): Promise<Result> {
  const r = await run(argv, env)
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.trim().slice(-2000)}`)
  return r
}

/** A TCP proxy counting the bytes it carries each way. */
async function countingProxy(target: { host: string; port: number }): Promise<{ port: number; up: number; down: number; reset(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const c = { up: 0, down: 0 }
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    sockets.add(client).add(upstream)
    client.on('data', (b: Buffer) => {
      c.up += b.length
      upstream.write(b)
    })
    upstream.on('data', (b: Buffer) => {
      c.down += b.length
      client.write(b)
    })
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy())
      a.on('close', () => {
        b.end()
        sockets.delete(a)
      })
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as { port: number }).port,
    get up() {
      return c.up
    },
    get down() {
      return c.down
    },
    reset() {
      c.up = c.down = 0
    },
    close: async () => {
      for (const x of sockets) x.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}

/** docker-registry on a free loopback port, storage in `dir`. */
async function startRegistry(dir: string): Promise<{ host: string; port: number; stop(): void }> {
  mkdirSync(dir, { recursive: true })
  const config = join(dir, 'config.yml')
  writeFileSync(config, `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:0\n`)
  const p = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  const port = await new Promise<number>((resolve, reject) => {
    const look = (b: Buffer) => {
      log += b
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log)
      if (m) resolve(Number(m[1]))
    }
    p.stdout.on('data', look)
    p.stderr.on('data', look)
    p.on('exit', () => reject(new Error(`docker-registry exited: ${log.slice(-2000)}`)))
    setTimeout(() => reject(new Error(`docker-registry did not start: ${log.slice(-2000)}`)), 30_000).unref()
  })
  return { host: '127.0.0.1', port, stop: () => void p.kill('SIGTERM') }
}

export default async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'store-bench-registry-'))
  const store = (root: string, args: string[]) => ok([process.execPath, STORE_CLI, '--root', join(work, root), ...args])
  let engine: Engine | undefined
  let noEngine = ''
  const reg = await startRegistry(join(work, 'registry'))
  const proxy = await countingProxy(reg)
  const host = `127.0.0.1:${proxy.port}`
  const rows: Record<string, string>[] = []
  const notes: string[] = []
  try {
    try {
      engine = await openEngine(work)
    } catch (e) {
      if (!(e instanceof NoEngine)) throw e
      noEngine = e.message
    }
    const dk = (args: string[]) => ok(['docker', ...args], engine!.env)
    notes.push(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${engine ? engine.version : `no Docker engine: ${noEngine}`}`)
    await store('a', ['import', busyboxRoot(join(work, 'busybox')), 'busybox'])

    for (const spec of SERIES.split(';')) {
      const at = spec.lastIndexOf('@')
      const name = spec.slice(0, at)
      const [v1, v2] = spec.slice(at + 1).split(',')
      const repo = name.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
      const images: string[] = []
      for (const v of [v1, v2]) {
        const ctx = join(work, `ctx-${repo}-${v}`)
        cpSync(fetchRelease(name, v), join(ctx, 'package'), { recursive: true })
        writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY package /app\n')
        images.push(`${host}/store/${repo}:${v}`)
        await store('a', ['build', '-q', '-t', images.at(-1)!, ctx])
      }
      // store: push the first, count the second.
      await store('a', ['push', '-q', images[0]])
      proxy.reset()
      await store('a', ['push', '-q', images[1]])
      const storePush = proxy.up
      // A fresh store pulls the first, then the second (counted).
      await store(`p-${repo}`, ['pull', '-q', images[0]])
      proxy.reset()
      const pulled = await store(`p-${repo}`, ['pull', '-q', images[1]])
      const storePull = proxy.down
      const storeId = (await store(`p-${repo}`, ['inspect', '--format', '{{.Id}}', images[1]])).stdout.trim()
      const layerSize = JSON.parse((await ok(['skopeo', 'inspect', '--raw', '--tls-verify=false', `docker://${images[1]}`])).stdout).layers.at(-1).size as number
      let dockerPush: number | undefined
      let dockerPull: number | undefined
      if (engine) {
        await ok(['sh', '-c', `'${process.execPath}' '${STORE_CLI}' --root '${join(work, 'a')}' save ${images.join(' ')} | docker load -q`], engine.env)
        const theirs = [v1, v2].map((v) => `${host}/docker/${repo}:${v}`)
        for (const [i, t] of theirs.entries()) await dk(['tag', images[i], t])
        await dk(['push', '-q', theirs[0]])
        proxy.reset()
        await dk(['push', '-q', theirs[1]])
        dockerPush = proxy.up
        await dk(['rmi', ...images, ...theirs])
        await dk(['pull', '-q', theirs[0]])
        proxy.reset()
        await dk(['pull', '-q', theirs[1]])
        dockerPull = proxy.down
        const dockerId = (await dk(['inspect', '--format', '{{.Id}}', theirs[1]])).stdout.trim()
        if (dockerId !== storeId) notes.push(`${repo}: image IDs differ (store ${storeId}, Docker ${dockerId})`)
        await dk(['rmi', ...theirs])
      }
      const ratio = (a: number, b?: number) => (b ? (a / b).toFixed(3) : '–')
      rows.push({
        what: `pull of ${name} ${v2}, ${v1} present (bytes from the registry)`,
        store: kB(storePull),
        Docker: dockerPull === undefined ? '–' : kB(dockerPull),
        'store/Docker': ratio(storePull, dockerPull),
        goal: `≤ 0.25: ${dockerPull === undefined ? '?' : storePull / dockerPull <= 0.25 ? '**met**' : 'not met'}`,
      })
      rows.push({
        what: `push of ${name} ${v2} after ${v1} (bytes to the registry; its layer's blob ${kB(layerSize)})`,
        store: kB(storePush),
        Docker: dockerPush === undefined ? '–' : kB(dockerPush),
        'store/Docker': ratio(storePush, dockerPush),
        goal: `≤ 0.25: ${dockerPush === undefined ? '?' : storePush / dockerPush <= 0.25 ? '**met**' : 'not met'}`,
      })
      notes.push(`${repo}: store's pull of ${v2} took ${s(pulled.ms)}`)
    }

    // Cold pull of a large tree.
    const tree = `${host}/store/tree:1`
    await store('a', ['import', TREE, tree])
    const push = await store('a', ['push', '-q', tree])
    notes.push(`store push of the tree: ${s(push.ms)}`)
    proxy.reset()
    const sp = await store('cold', ['pull', '-q', tree])
    const storeBytes = proxy.down
    const sk = await ok(['skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${tree}`, `dir:${join(work, 'skopeo-dir')}`])
    let dp: Result | undefined
    if (engine) dp = await dk(['pull', '-q', tree])
    rows.push({
      what: `cold pull of ${TREE} as one layer (${MB(storeBytes)} from the registry): wall`,
      store: s(sp.ms),
      Docker: dp ? s(dp.ms) : '–',
      'store/Docker': dp ? (sp.ms / dp.ms).toFixed(2) : '–',
      goal: `≤ skopeo copy to a dir (${s(sk.ms)}): ${sp.ms <= sk.ms ? '**met**' : `not met (${(sp.ms / sk.ms).toFixed(2)}×)`}`,
    })
  } finally {
    await proxy.close()
    reg.stop()
    if (engine) notes.push(await engine.stop())
    killUnder(work)
    rmSync(work, { recursive: true, force: true })
  }
  console.log(markdown(rows))
  for (const n of notes) console.log(`- ${n}`)
}
