// End-to-end: `store cp` (issue 15) through the built binary, against Docker's rules and
// messages (taken from Docker 28 with the reference engine): a file or folder out of and into a
// running container and a stopped one, `SRC/.`, tar streams on stdin/stdout, -a, the argument
// errors; and hostile links: a container's symlink to a host path is resolved inside the
// container (both directions), so nothing on the host is read or written through it.

import { beforeAll, describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { store, storeIn } from '../_fixtures/cli.js'
import { busyboxStore, storeOk } from '../_fixtures/containers.js'

// Root, busybox: a printed reason to skip on a developer's machine, a failure under CI.
const bx = busyboxStore('store-e2e-cp-', {
  prepare: (bb, dir) => {
    mkdirSync(join(dir, 'host-target'), { recursive: true })
    writeFileSync(join(dir, 'host-target', 'secret'), 'host secret\n')
    mkdirSync(join(bb, 'www/sub'), { recursive: true })
    writeFileSync(join(bb, 'www/index.html'), 'hello\n')
    writeFileSync(join(bb, 'www/sub/deep.txt'), 'deep\n')
  },
})
const why = bx.why

let out: string

const run = (args: string[], input?: string) => storeIn(bx.root, args, input === undefined ? {} : { input })
const ok = (args: string[]) => storeOk(bx.root, args)
/** A fresh, empty host folder for one spec. */
let n = 0
const fresh = () => {
  const d = join(out, `t${n++}`)
  mkdirSync(d, { recursive: true })
  return d
}
const tarList = (bytes: Buffer) => spawnSync('tar', ['-t'], { input: bytes, encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort()

beforeAll(async () => {
  if (why) return
  out = join(bx.dir, 'out')
  // Links a hostile container could plant: to a host folder that exists only on the host.
  const setup = `ln -s ${join(bx.dir, 'host-target')} /esc && ln -s / /rootlink && exec sleep 300`
  await ok(['run', '-d', '--network', 'none', '--name', 'live', 'busybox', 'sh', '-c', setup])
  await ok(['run', '--network', 'none', '--name', 'stopped', 'busybox', 'sh', '-c', 'echo made-inside > /made.txt'])
})

describe.skipIf(why !== undefined).each(['live', 'stopped'])('out of a %s container', (c) => {
  test('a file to a new path, into a folder, and onto a file', async () => {
    const d = fresh()
    await ok(['cp', `${c}:/www/index.html`, join(d, 'a.html')])
    expect(readFileSync(join(d, 'a.html'), 'utf8')).toBe('hello\n')
    await ok(['cp', `${c}:/www/index.html`, d])
    expect(readFileSync(join(d, 'index.html'), 'utf8')).toBe('hello\n')
    writeFileSync(join(d, 'old'), 'old\n')
    await ok(['cp', `${c}:/www/index.html`, join(d, 'old')])
    expect(readFileSync(join(d, 'old'), 'utf8')).toBe('hello\n')
    expect(statSync(join(d, 'a.html')).uid).toBe(process.getuid!())
  })

  test('a folder: to a new path it becomes that path; into a folder it keeps its name; SRC/. copies the contents', async () => {
    const d = fresh()
    await ok(['cp', `${c}:/www`, join(d, 'site')])
    expect(readdirSync(join(d, 'site')).sort()).toEqual(['index.html', 'sub'])
    expect(readFileSync(join(d, 'site/sub/deep.txt'), 'utf8')).toBe('deep\n')
    await ok(['cp', `${c}:/www`, join(d, 'site')])
    expect(readdirSync(join(d, 'site')).sort()).toEqual(['index.html', 'sub', 'www'])
    mkdirSync(join(d, 'flat'))
    await ok(['cp', `${c}:/www/.`, join(d, 'flat')])
    expect(readdirSync(join(d, 'flat')).sort()).toEqual(['index.html', 'sub'])
  })

  test('- streams a tar of the source to stdout', async () => {
    const r = await run(['cp', `${c}:/www`, '-'])
    expect(r.status, r.stderr).toBe(0)
    expect(tarList(r.stdoutBytes)).toEqual(['www/', 'www/index.html', 'www/sub/', 'www/sub/deep.txt'])
  })

  test('what is missing, as Docker says it', async () => {
    const miss = await run(['cp', `${c}:/nope`, fresh()])
    expect(miss.status).toBe(1)
    expect(miss.stderr).toBe(`Error: Could not find the file /nope in container ${c}\n`)
    const parent = await run(['cp', `${c}:/www/index.html`, join(out, 'no/such/dir/x')])
    expect(parent.status).toBe(1)
    expect(parent.stderr).toBe(`Error: invalid output path: directory "${join(out, 'no/such/dir')}" does not exist\n`)
  })
})

describe.skipIf(why !== undefined)('into a container', () => {
  test('a file into a folder and to a new name; a folder; owners are root unless -a', async () => {
    const d = fresh()
    writeFileSync(join(d, 'f.txt'), 'from host\n')
    chownSync(join(d, 'f.txt'), 1234, 1234)
    await ok(['cp', join(d, 'f.txt'), 'live:/tmp/'])
    await ok(['cp', join(d, 'f.txt'), 'live:/tmp/renamed.txt'])
    await ok(['cp', '-a', join(d, 'f.txt'), 'live:/tmp/kept.txt'])
    mkdirSync(join(d, 'tree/inner'), { recursive: true })
    writeFileSync(join(d, 'tree/inner/x'), 'x\n')
    await ok(['cp', join(d, 'tree'), 'live:/tmp/newtree'])
    expect(await ok(['exec', 'live', 'sh', '-c', 'cat /tmp/f.txt /tmp/renamed.txt /tmp/newtree/inner/x; stat -c %u:%g /tmp/f.txt /tmp/kept.txt'])).toBe(
      'from host\nfrom host\nx\n0:0\n1234:1234\n',
    )
  })

  test('- extracts a tar from stdin into a folder, which must exist', async () => {
    const d = fresh()
    writeFileSync(join(d, 'streamed'), 'streamed\n')
    const tarBytes = spawnSync('tar', ['-c', '-C', d, 'streamed']).stdout
    const r = await storeIn(bx.root, ['cp', '-', 'live:/tmp'], { input: tarBytes.toString('latin1') })
    expect(r.status, r.stderr).toBe(0)
    expect(await ok(['exec', 'live', 'cat', '/tmp/streamed'])).toBe('streamed\n')
    const notDir = await run(['cp', '-', 'live:/www/index.html'], '')
    expect(notDir.status).toBe(1)
    expect(notDir.stderr).toBe('Error: destination "live:/www/index.html" must be a directory\n')
  })

  test('a stopped container keeps what was copied in, and start sees it', async () => {
    const d = fresh()
    writeFileSync(join(d, 'note'), 'note\n')
    await ok(['cp', join(d, 'note'), 'stopped:/note'])
    const back = fresh()
    await ok(['cp', 'stopped:/note', back])
    expect(readFileSync(join(back, 'note'), 'utf8')).toBe('note\n')
    await ok(['cp', 'stopped:/made.txt', back])
    expect(readFileSync(join(back, 'made.txt'), 'utf8')).toBe('made-inside\n')
  })

  test('a missing parent, and the argument errors', async () => {
    const d = fresh()
    writeFileSync(join(d, 'f'), 'f\n')
    const parent = await run(['cp', join(d, 'f'), 'live:/nodir/x'])
    expect(parent.status).toBe(1)
    expect(parent.stderr).toBe('Error: Could not find the file /nodir in container live\n')
    const local = await run(['cp', join(d, 'f'), join(d, 'g')])
    expect(local.stderr).toBe('Error: must specify at least one container source\n')
    const both = await run(['cp', 'live:/a', 'stopped:/b'])
    expect(both.stderr).toBe('Error: copying between containers is not supported\n')
    const none = await run(['cp', 'nosuch:/a', d])
    expect(none.status).toBe(1)
    expect(none.stderr).toContain('No such container: nosuch')
  })
})

describe.skipIf(why !== undefined)('hostile links stay inside the container', () => {
  test('a link to a host folder: reading through it finds nothing of the host', async () => {
    const r = await run(['cp', 'live:/esc/secret', fresh()])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('Could not find the file /esc/secret in container live')
    // `/rootlink -> /`: the container's own root, not the host's.
    const d = fresh()
    await ok(['cp', 'live:/rootlink/www/index.html', d])
    expect(readFileSync(join(d, 'index.html'), 'utf8')).toBe('hello\n')
  })

  test('writing through a link to a host folder never reaches the host', async () => {
    const d = fresh()
    const name = `pwned-${process.pid}`
    writeFileSync(join(d, name), 'pwned\n')
    const r = await run(['cp', join(d, name), `live:/esc/${name}`])
    expect(r.status).toBe(1)
    expect(readdirSync(join(bx.dir, 'host-target'))).toEqual(['secret'])
    await ok(['cp', join(d, name), 'live:/rootlink/tmp/'])
    expect(await ok(['exec', 'live', 'cat', `/tmp/${name}`])).toBe('pwned\n')
    expect(existsSync(`/tmp/${name}`)).toBe(false)
  })
})
