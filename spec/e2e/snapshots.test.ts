// End-to-end: snapshots that share content through the file pool, as a user drives them. Each
// test gets its own root. Every sharing method a store can be made with (STORE_SNAPSHOT_SHARING,
// kept by the new store) gives the same diff, the same committed layer and the same export; a
// pruned snapshot is rebuilt and the image runs the same; a budget drops the least recently
// used snapshot no container uses; fsck --snapshots finds a damaged pool file and a bad stub.
// A RUN's writable layer becomes its snapshot (no later step extracts it; its files are the
// container's own inodes), and `store commit` makes the new image's snapshot from a stopped
// container, which it leaves byte for byte as it was.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, sh, store, tempDir, type CliResult } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { progressSteps, writeProject } from '../_fixtures/build.js'

const skip = busyboxUnavailable() !== undefined

let shared: { dir: string; cleanup: () => void }
let busybox: string
let roots: { dir: string; cleanup: () => void }[] = []

beforeAll(() => {
  if (skip) return
  requireBuilt()
  shared = tempDir('store-e2e-snapshots-')
  busybox = makeBusyboxRoot(join(shared.dir, 'busybox'))
  writeProject(join(shared.dir, 'ctx'), { Dockerfile: 'FROM busybox\nRUN mkdir /app && echo hi > /app/hi && cp /bin/busybox /app/bb && rm /etc/group\n' })
})
afterEach(() => {
  for (const r of roots) r.cleanup()
  roots = []
})
afterAll(() => shared?.cleanup())

const ok = (r: CliResult): string => {
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

/** A fresh root (sharing forced when given), busybox imported and `app` built on it. */
function newRoot(sharing?: string) {
  const tmp = tempDir('store-e2e-snapshots-root-')
  roots.push(tmp)
  const root = join(tmp.dir, 'root')
  const env: Record<string, string> = { SOURCE_DATE_EPOCH: '1000000000', ...(sharing ? { STORE_SNAPSHOT_SHARING: sharing } : {}) }
  const cli = (args: string[]) => store(root, args, { env })
  ok(cli(['import', busybox, 'busybox']))
  ok(cli(['build', '-q', '-t', 'app', join(shared.dir, 'ctx')]))
  return { root, cli, snapshots: () => readdirSync(join(root, 'snapshots')).filter((n) => /^[0-9a-f]{64}$/.test(n)) }
}

/** What a container did, as diff, its committed layer's diffID, and the export's entries (no times). */
function changesIn(r: ReturnType<typeof newRoot>) {
  ok(r.cli(['run', '--name', 'ctr', 'app', 'sh', '-c', 'echo x > /new && rm /app/hi && chmod 600 /etc/passwd && echo y >> /app/bb && touch -d @1000000000 / /new /app /app/bb']))
  const diff = ok(r.cli(['diff', 'ctr']))
  ok(r.cli(['commit', 'ctr', 'committed']))
  const layers = JSON.parse(ok(r.cli(['inspect', 'committed'])))[0].RootFS.Layers
  const tar = join(r.root, '..', 'export.tar')
  ok(r.cli(['export', 'ctr', '-o', tar]))
  const entries = sh(`tar -tvf ${tar} | awk '{print $1, $2, $3, $6}' | grep -v ' etc/host\\| etc/resolv'`)
  return { diff, layer: layers[layers.length - 1], entries, sum: sh(`tar -xOf ${tar} app/bb bin/busybox etc/passwd | sha256sum`) }
}

describe.skipIf(skip)('snapshots and the file pool', () => {
  test('every sharing method gives the same diff, committed layer and export', () => {
    const seen = ['data-only', 'hardlink', 'copy'].map((m) => {
      const r = newRoot(m)
      expect(ok(r.cli(['system', 'info']))).toContain(`Snapshot Sharing: ${m}\n`)
      return changesIn(r)
    })
    expect(seen[0].diff).toBe('C /app\nC /app/bb\nD /app/hi\nC /etc\nC /etc/passwd\nA /new\n')
    expect(seen[1]).toEqual(seen[0])
    expect(seen[2]).toEqual(seen[0])
  })

  test('prune drops the snapshots no container uses and their pool files; the image runs the same after', () => {
    const r = newRoot()
    const before = ok(r.cli(['run', '--rm', 'app', 'sh', '-c', 'cat /app/hi; md5sum /app/bb /bin/busybox; ls /etc']))
    ok(r.cli(['run', '-d', '--name', 'keep', 'busybox', 'sleep', '600']))
    expect(r.snapshots()).toHaveLength(2) // busybox's (the build's RUN made it) and app's
    try {
      const out = ok(r.cli(['system', 'prune', '-f']))
      expect(out).toMatch(/^Deleted snapshots no container uses: 1 /m)
      expect(r.snapshots()).toHaveLength(1) // busybox's stays: the running `keep` uses it
    } finally {
      ok(r.cli(['rm', '-f', 'keep']))
    }
    expect(ok(r.cli(['run', '--rm', 'app', 'sh', '-c', 'cat /app/hi; md5sum /app/bb /bin/busybox; ls /etc']))).toBe(before)
    expect(ok(r.cli(['fsck', '--snapshots']))).toMatch(/ 2 snapshots checked: no problems\n$/)
  })

  test('a budget keeps snapshots under it, least recently used first, never one a container uses', () => {
    const r = newRoot()
    ok(r.cli(['run', '--rm', 'busybox', 'true']))
    ok(r.cli(['run', '--rm', 'app', 'true']))
    expect(r.snapshots()).toHaveLength(2)
    ok(r.cli(['--snapshot-budget', '1', 'create', '--name', 'held', 'app', 'true'])) // kept by the store from now on
    expect(ok(r.cli(['system', 'info']))).toContain('Snapshot Budget: 1B\n')
    const held = r.snapshots()
    expect(held).toHaveLength(1) // busybox's went; app's is held's
    expect(ok(r.cli(['run', '--rm', 'busybox', 'cat', '/etc/group']))).toContain('root:x:0:')
    expect(r.snapshots()).toContain(held[0])
    ok(r.cli(['--snapshot-budget', 'none', 'rm', 'held']))
    expect(ok(r.cli(['system', 'info']))).toContain('Snapshot Budget: none\n')
  })

  test('a RUN commits its writable layer as its snapshot: no later step extracts it, its files are the container\'s own', () => {
    const ctx = writeProject(join(shared.dir, 'ctx-commit'), {
      Dockerfile: 'FROM busybox\nRUN head -c 300000 /bin/busybox > /big && stat -c %i /big && echo hi > /small\nRUN md5sum /small /big\nCOPY f /f\nRUN cat /f\n',
      f: 'copied\n',
    })
    for (const m of ['data-only', 'hardlink', 'copy']) {
      const tmp = tempDir('store-e2e-snapshots-root-')
      roots.push(tmp)
      const root = join(tmp.dir, 'root')
      const cli = (args: string[]) => store(root, args, { env: { STORE_SNAPSHOT_SHARING: m } })
      const snapshots = () => readdirSync(join(root, 'snapshots')).filter((n) => /^[0-9a-f]{64}$/.test(n)).sort()
      ok(cli(['import', busybox, 'busybox']))
      const b = cli(['build', '--progress', 'plain', '-t', 'one', ctx])
      expect(b.status, b.stderr).toBe(0)
      const [base, , , copied] = JSON.parse(ok(cli(['inspect', 'one'])))[0].RootFS.Layers as string[]
      const steps = progressSteps(b.stderr)
      const step = (title: string) => steps.find((s) => s.title.includes(title))!
      const extracted = (title: string) => step(title).output.filter((l) => l.startsWith('extracting ')).map((l) => l.split(' ')[1])
      // Each step shows what it extracted: the first RUN its base image, the COPY its own layer
      // (a later step stands on it); no step extracts a RUN's layer.
      expect([extracted('RUN head'), extracted('RUN md5sum'), extracted('COPY f'), extracted('RUN cat')], m).toEqual([[base], [], [copied], []])
      // The pool's file (the copy form: the snapshot's) of /big is the inode the RUN wrote; its
      // names are the pool's and (hard-link form, copy form) the snapshot's, nothing else's.
      const ino = step('RUN head').output.find((l) => /^\d+$/.test(l))
      const names = sh(`find ${root} -inum ${ino}`).trim().split('\n').map((n) => n.slice(root.length + 1).split('/')[0])
      expect(names.includes(m === 'copy' ? 'snapshots' : 'pool'), `${m}: ${names}`).toBe(true)
      expect(names.filter((n) => n !== 'pool' && n !== 'snapshots'), m).toEqual([])
      // The image runs without extracting anything: its snapshots are all there.
      const before = snapshots()
      expect(ok(cli(['run', '--rm', 'one', 'cat', '/f', '/small']))).toBe('copied\nhi\n')
      expect(snapshots()).toEqual(before)
      expect(ok(cli(['fsck', '--snapshots']))).toMatch(/no problems\n$/)
    }
  })

  test('commit makes the new image\'s snapshot from a stopped container and leaves the container as it was', () => {
    for (const m of ['data-only', 'hardlink', 'copy']) {
      const r = newRoot(m)
      ok(r.cli(['run', '--name', 'ctr', 'app', 'sh', '-c', 'head -c 300000 /bin/busybox > /big && echo x > /new && rm /app/hi && echo y >> /app/bb']))
      const exported = () => {
        ok(r.cli(['export', 'ctr', '-o', join(r.root, '..', 'export.tar')]))
        return sh(`sha256sum < ${join(r.root, '..', 'export.tar')}`)
      }
      const [diff, tar] = [ok(r.cli(['diff', 'ctr'])), exported()]
      const before = r.snapshots()
      ok(r.cli(['commit', 'ctr', 'committed']))
      expect(r.snapshots().length, m).toBe(before.length + 1)
      expect([ok(r.cli(['diff', 'ctr'])), exported()]).toEqual([diff, tar])
      const layers = JSON.parse(ok(r.cli(['inspect', 'committed'])))[0].RootFS.Layers
      ok(r.cli(['commit', 'ctr', 'again']))
      expect(JSON.parse(ok(r.cli(['inspect', 'again'])))[0].RootFS.Layers).toEqual(layers)
      const made = r.snapshots()
      expect(ok(r.cli(['run', '--rm', 'committed', 'sh', '-c', 'cat /new; ls /app; cmp /big /bin/busybox -n 300000 && echo same']))).toBe('x\nbb\nsame\n')
      expect(r.snapshots()).toEqual(made)
      expect(ok(r.cli(['fsck', '--snapshots']))).toMatch(/no problems\n$/)
    }
  })

  test('fsck --snapshots finds a damaged pool file and a stub that redirects nowhere', () => {
    const r = newRoot('data-only')
    ok(r.cli(['create', '--name', 'ctr', 'app', 'true']))
    expect(ok(r.cli(['fsck', '--snapshots']))).toMatch(/no problems\n$/)
    const snap = r.snapshots().find((s) => existsSync(join(r.root, 'snapshots', s, 'app/hi')))!
    const hex = sh(`getfattr --only-values -n trusted.overlay.redirect ${join(r.root, 'snapshots', snap, 'app/hi')}`)
    const pool = sh(`find ${join(r.root, 'pool')} -samefile ${join(r.root, 'pool', hex)} -name '????????????????????????????????????????????????????????????????'`).trim()
    appendFileSync(pool, 'damage')
    sh(`setfattr -x trusted.overlay.redirect ${join(r.root, 'snapshots', snap, 'bin/busybox')}`)
    const f = r.cli(['fsck', '--snapshots'])
    expect(f.status).toBe(1)
    expect(f.stdout).toContain(`snapshot pool/${pool.slice(join(r.root, 'pool').length + 1)}: has content with digest `)
    expect(f.stdout).toContain('/app/hi: its pool file ')
    expect(f.stdout).toContain('/bin/busybox: its stub does not redirect to its pool file')
  })

  test('fsck --snapshots reads the redirects of a snapshot with more stubs than one command line holds', () => {
    const r = newRoot('data-only')
    const big = join(r.root, '..', 'big')
    makeBusyboxRoot(big)
    // 8,000 files with 206-byte names: their paths in the snapshot are ~2.6 MB, past ARG_MAX.
    for (let d = 0; d < 8; d++) {
      mkdirSync(join(big, 'many', `d${d}`), { recursive: true })
      for (let i = 0; i < 1000; i++) writeFileSync(join(big, 'many', `d${d}`, `${'n'.repeat(200)}-${String(i).padStart(5, '0')}`), `${d}/${i}\n`)
    }
    ok(r.cli(['import', big, 'big']))
    ok(r.cli(['create', '--name', 'ctr', 'big', 'true']))
    expect(ok(r.cli(['fsck', '--snapshots']))).toMatch(/no problems\n$/)
  })

  test('snapshots made in two sharing forms are refused, not stacked as layers they are not', () => {
    const r = newRoot('data-only')
    ok(r.cli(['run', '--rm', 'app', 'true'])) // app's chain as one data-only tree
    writeProject(join(r.root, '..', 'ctx2'), { Dockerfile: 'FROM app\nCOPY f /f\nRUN cat /f\n', f: 'x\n' })
    const mixed = store(r.root, ['build', '-q', '-t', 'next', join(r.root, '..', 'ctx2')], { env: { STORE_SNAPSHOT_SHARING: 'copy' } })
    expect(mixed.status).not.toBe(0)
    expect(mixed.stderr).toContain('made in two sharing forms')
    // The store's own form is unharmed.
    expect(ok(r.cli(['run', '--rm', 'app', 'cat', '/app/hi']))).toBe('hi\n')
    ok(r.cli(['build', '-q', '-t', 'next', join(r.root, '..', 'ctx2')]))
    expect(ok(r.cli(['run', '--rm', 'next', 'cat', '/f']))).toBe('x\n')
  })
})
