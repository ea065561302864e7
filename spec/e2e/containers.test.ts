// End-to-end: containers through the built binary (issue 3), on a busybox image imported into a
// temp store root: exit codes, stdio, the run options, the lifecycle (detached, logs, stop,
// create/start, names, rm), a supervisor killed with -9, copy-on-write over shared snapshots,
// diff/commit/export, exec, df, the runc and crun launchers and the copy storage driver.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, sh, store, tempDir, BIN } from '../_fixtures/cli.js'
import { makeBusyboxRoot } from '../_fixtures/busybox.js'
import {
  killPids, launcherPid, mountsUnder, ownMountsUnder, processesMentioning, psStatus, storeAfterDashDash, treeHash,
} from '../_fixtures/containers.js'

let tmp: { dir: string; cleanup: () => void }
let root: string
let copyRoot: string
let bb: string

const ps = (r = root) => psStatus(store(r, ['ps', '-a', '--format', '{{.Names}}|{{.Status}}']))
const ids = (r = root) => store(r, ['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Run and expect success; returns stdout. */
function ok(args: string[], r = root): string {
  const res = store(r, args)
  expect(res.status, `store ${args.join(' ')}: ${res.stderr}`).toBe(0)
  return res.stdout
}

beforeAll(() => {
  requireBuilt()
  tmp = tempDir('store-e2e-containers-')
  root = join(tmp.dir, 'root')
  copyRoot = join(tmp.dir, 'copy-root')
  bb = makeBusyboxRoot(join(tmp.dir, 'busybox'))
  ok(['import', bb, 'busybox'])
  ok(['import', bb, 'acme/ep', '--change', 'ENTRYPOINT ["echo", "ep"]', '--change', 'CMD ["from-cmd"]'])
})

afterAll(() => {
  if (!tmp) return
  try {
    for (const r of [root, copyRoot]) {
      if (!existsSync(join(r, 'containers'))) continue
      // A launcher whose supervisor was killed outlives it (see the kill -9 spec): end it first.
      for (const id of readdirSync(join(r, 'containers'))) {
        const pid = launcherPid(r, id)
        if (pid && processesMentioning(id).includes(pid)) killPids([pid])
      }
      const all = ids(r)
      if (all.length > 0) store(r, ['rm', '-f', ...all])
      expect(ids(r)).toEqual([])
    }
    killPids(processesMentioning(tmp.dir))
    expect(ownMountsUnder(tmp.dir)).toEqual([])
    expect(mountsUnder(tmp.dir)).toEqual([])
  } finally {
    tmp.cleanup()
  }
})

describe('exit status and stdio', () => {
  test('the process status is store run status', () => {
    const r = store(root, ['run', '--rm', 'busybox', 'echo', 'hello', 'world'])
    expect(r).toMatchObject({ status: 0, stdout: 'hello world\n', stderr: '' })
    expect(store(root, ['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']).status).toBe(3)
  })

  test('a missing executable is 127 and names it', () => {
    const r = store(root, ['run', '--rm', 'busybox', 'no-such-tool', 'x'])
    expect(r.status).toBe(127)
    expect(r.stderr).toContain('"no-such-tool"')
    expect(r.stderr).toMatch(/executable file not found/)
  })

  test('a process killed by SIGKILL is 137', () => {
    expect(store(root, ['run', '--rm', 'busybox', 'sh', '-c', 'kill -9 $$']).status).toBe(137)
  })

  test('-i passes stdin through; --rm leaves no container', () => {
    const r = store(root, ['run', '-i', '--rm', 'busybox', 'cat'], { input: 'hi\n' })
    expect(r).toMatchObject({ status: 0, stdout: 'hi\n' })
    expect(ids()).toEqual([])
  })
})

describe('run options', () => {
  test('-e and --env-file, in any order, before the image', () => {
    const envFile = join(tmp.dir, 'vars.env')
    writeFileSync(envFile, '# comment\nA=1\nB=two words\nX=from-file\n')
    const show = ['busybox', 'sh', '-c', 'echo "$A|$B|$X|$Z"']
    expect(ok(['run', '--rm', '-e', 'X=flag', '--env-file', envFile, '-e', 'Z=z', ...show])).toBe('1|two words|flag|z\n')
    expect(ok(['run', '--rm', '--env-file', envFile, '--env', 'Z=z', ...show])).toBe('1|two words|from-file|z\n')
  })

  test('a missing --env-file is an error (125) and creates nothing', () => {
    const r = storeAfterDashDash(root, ['run', '--name', 'envless', '--env-file', join(tmp.dir, 'nope.env'), 'busybox', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toBe(`Error: open ${join(tmp.dir, 'nope.env')}: no such file or directory\n`)
    expect(ps().has('envless')).toBe(false)
  })

  // BUG (not in store's code): Node itself reads a script argument spelled `--env-file` as its
  // own option and exits 9 ("node: <file>: not found") before store runs (nodejs/node#54232).
  // The `store` bin (#!/usr/bin/env node) and spec/_fixtures/cli.ts both hit it. Fix: shebang
  // `#!/usr/bin/env -S node --` in cli/main.ts, and `node -- BIN` in spec/_fixtures/cli.ts.
  test.fails('a missing --env-file is exit 125 when store is started as its bin is', () => {
    const r = store(root, ['run', '--rm', '--env-file', join(tmp.dir, 'nope.env'), 'busybox', 'true'])
    expect(r.stderr).toMatch(/^Error: open .*nope\.env: no such file or directory/)
    expect(r.status).toBe(125)
  })

  test('-w sets the working directory (made if missing); a relative one is an error', () => {
    expect(ok(['run', '--rm', '-w', '/tmp', 'busybox', 'pwd'])).toBe('/tmp\n')
    expect(ok(['run', '--rm', '-w', '/new/dir', 'busybox', 'pwd'])).toBe('/new/dir\n')
    const r = store(root, ['run', '--name', 'relwd', '-w', 'tmp', 'busybox', 'pwd'])
    expect(r.status).toBe(125)
    expect(r.stderr).toBe("Error: the working directory 'tmp' is invalid, it needs to be an absolute path\n")
    expect(ps().has('relwd')).toBe(false)
  })

  test('-u by name, by uid:gid, and an unknown user (an error, nothing created)', () => {
    expect(ok(['run', '--rm', '-u', 'app', 'busybox', 'sh', '-c', 'id; echo $HOME'])).toBe('uid=1000(app) gid=1000(app)\n/home/app\n')
    expect(ok(['run', '--rm', '-u', '1000:1000', 'busybox', 'id'])).toBe('uid=1000(app) gid=1000(app)\n')
    expect(ok(['run', '--rm', 'busybox', 'id', '-u'])).toBe('0\n')
    const r = store(root, ['run', '--name', 'nouser', '-u', 'nosuchuser', 'busybox', 'id'])
    expect(r.status).toBe(125)
    expect(r.stderr).toBe('Error: unable to find user nosuchuser: no matching entries in passwd file\n')
    expect(ps().has('nouser')).toBe(false)
  })

  test("--entrypoint replaces the image's entrypoint and resets its CMD", () => {
    expect(ok(['run', '--rm', 'acme/ep'])).toBe('ep from-cmd\n')
    expect(ok(['run', '--rm', 'acme/ep', 'given'])).toBe('ep given\n')
    expect(ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'a', 'b'])).toBe('a b\n')
    expect(ok(['run', '--rm', '--entrypoint', 'printf', 'acme/ep'])).toBe('')
  })

  test('--hostname is the UTS name and /etc/hostname', () => {
    expect(ok(['run', '--rm', '--hostname', 'box1', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname; echo $HOSTNAME'])).toBe('box1\nbox1\nbox1\n')
  })

  test('--read-only: writing to the root fails', () => {
    const r = store(root, ['run', '--rm', '--read-only', 'busybox', 'touch', '/x'])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/Read-only file system/)
    expect(ok(['run', '--rm', 'busybox', 'touch', '/x'])).toBe('')
  })

  test('--network none leaves only lo; the default shares the host network', () => {
    const ifaces = (text: string) => text.split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort()
    expect(ifaces(ok(['run', '--rm', '--network', 'none', 'busybox', 'cat', '/proc/net/dev']))).toEqual(['lo'])
    expect(ifaces(ok(['run', '--rm', 'busybox', 'cat', '/proc/net/dev']))).toEqual(ifaces(sh('cat /proc/net/dev')))
  })

  test('an image without a command, and none given', () => {
    const before = ids().length
    const r = store(root, ['run', '--rm', 'busybox'])
    expect(r.status).toBe(125)
    expect(r.stderr).toBe('Error: no command specified\n')
    expect(ids().length).toBe(before)
  })
})

describe('lifecycle', () => {
  test('-d, logs, exec, stop: Up, then Exited (143)', async () => {
    const r = store(root, ['run', '-d', '--name', 'web', '--hostname', 'webhost', 'busybox', 'sh', '-c', 'echo started; while true; do sleep 0.1; done'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/)
    expect(ps().get('web')).toMatch(/^Up /)
    let logs = ''
    for (let i = 0; i < 50 && !logs.includes('started'); i++, await sleep(100)) logs = ok(['logs', 'web'])
    expect(logs).toBe('started\n')
    expect(ok(['exec', 'web', 'cat', '/etc/hostname'])).toBe('webhost\n')
    expect(ok(['exec', '-e', 'Q=1', 'web', 'sh', '-c', 'echo $Q $HOSTNAME'])).toBe('1 webhost\n')
    expect(store(root, ['exec', 'web', 'sh', '-c', 'exit 5']).status).toBe(5)
    expect(ok(['stop', '-t', '2', 'web'])).toBe('web\n')
    expect(ps().get('web')).toMatch(/^Exited \((143|137)\) /)
    const ex = store(root, ['exec', 'web', 'true'])
    expect(ex.status).toBe(1)
    expect(ex.stderr).toMatch(/is not running/)
    ok(['rm', 'web'])
  })

  test('create, then start -a: the status is the process status', () => {
    expect(ok(['create', '--name', 'c0', 'busybox', 'sh', '-c', 'echo from c0; exit 4'])).toMatch(/^[0-9a-f]{64}\n$/)
    expect(ps().get('c0')).toBe('Created')
    const r = store(root, ['start', '-a', 'c0'])
    expect(r).toMatchObject({ status: 4, stdout: 'from c0\n' })
    expect(ps().get('c0')).toMatch(/^Exited \(4\) /)
    ok(['rm', 'c0'])
  })

  test('names are unique: the error names the container that has it', () => {
    const id = ok(['create', '--name', 'taken', 'busybox', 'true']).trim()
    const r = store(root, ['run', '--name', 'taken', 'busybox', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toContain(`Error: Conflict. The container name "/taken" is already in use by container "${id}".`)
    expect(ids().filter((x) => x === id)).toEqual([id])
    expect(ids().length).toBe(1)
    ok(['rm', 'taken'])
  })

  test('rm of a running container needs -f; rm -f kills and removes it', () => {
    const id = ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '30']).trim()
    const r = store(root, ['rm', 'busy'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('Error: cannot remove container "/busy": container is running: stop the container before removing or force remove\n')
    expect(ps().get('busy')).toMatch(/^Up /)
    const pid = launcherPid(root, id)
    expect(pid).toBeGreaterThan(0)
    expect(ok(['rm', '-f', 'busy'])).toBe('busy\n')
    expect(ps().has('busy')).toBe(false)
    expect(existsSync(join(root, 'containers', id))).toBe(false)
    expect(processesMentioning(id)).toEqual([])
    expect(mountsUnder(join(root, 'containers', id))).toEqual([])
  })

  // BUG (lib/runtime/launch.ts, launch()): the launcher (`unshare … /bin/sh launch.sh`) is
  // spawned as a plain child of the supervisor, so when `store run` is killed with -9 it is
  // re-parented to init and the container (its processes and its mount namespace with the
  // overlay) runs on, while `store ps` says Exited (137). Fix: spawn it as
  // `setpriv --pdeathsig KILL unshare …` (setpriv execs unshare, which execs sh: same pid, so
  // launcherPid and signal forwarding are unchanged; the init half already dies with the
  // launcher through its own pdeathsig). Checked by hand: with that change this spec passes.
  test.fails('kill -9 of a foreground store run takes the container and its mounts with it', async () => {
    const child = spawn(process.execPath, [BIN, '--root', root, 'run', '--name', 'fg', 'busybox', 'sleep', '20'], { stdio: 'ignore' })
    const exited = new Promise((r) => child.on('exit', r))
    let id = ''
    try {
      for (let i = 0; i < 100 && !ps().get('fg')?.startsWith('Up'); i++) await sleep(50)
      expect(ps().get('fg')).toMatch(/^Up /)
      id = ids()[0]
      const dir = join(root, 'containers', id)
      expect(mountsUnder(dir).length).toBeGreaterThan(0) // the rootfs, in the container's namespace
      child.kill('SIGKILL')
      await exited
      expect(ps().get('fg')).toMatch(/^Exited \(137\) /)
      let left = mountsUnder(dir)
      for (let i = 0; i < 40 && left.length > 0; i++, await sleep(50)) left = mountsUnder(dir)
      expect(ownMountsUnder(dir)).toEqual([])
      expect(left).toEqual([])
      expect(processesMentioning(id)).toEqual([])
    } finally {
      child.kill('SIGKILL')
      if (id) killPids([launcherPid(root, id)].filter((p) => p && processesMentioning(id).includes(p)))
      store(root, ['rm', '-f', 'fg'])
    }
  })
})

describe('copy-on-write, diff, commit, export', () => {
  test('writes, deletes and chmods never reach the shared snapshots', () => {
    const snaps = join(root, 'snapshots')
    const before = treeHash(snaps)
    const script = 'echo changed > /etc/passwd && rm /etc/group && chmod 700 /bin/busybox && chown 1000 /home && echo more >> /bin/busybox && mkdir /tmp/new'
    ok(['run', '--name', 'cow', 'busybox', 'sh', '-c', script])
    expect(treeHash(snaps)).toBe(before)
    const seen = ok(['run', '--rm', 'busybox', 'sh', '-c', 'head -1 /etc/passwd; cat /etc/group | wc -l; stat -c "%a %u" /bin/busybox /home; ls /tmp'])
    expect(seen).toBe('root:x:0:0:root:/root:/bin/sh\n3\n755 0\n755 0\n')
    expect(ok(['diff', 'cow'])).toBe(['C /bin', 'C /bin/busybox', 'C /etc', 'D /etc/group', 'C /etc/passwd', 'C /home', 'C /tmp', 'A /tmp/new', ''].join('\n'))
    ok(['rm', 'cow'])
  })

  test('diff lists A/C/D sorted with parents as C; commit adds one layer; export is a tar', () => {
    ok(['run', '--name', 'c1', 'busybox', 'sh', '-c', 'echo new > /etc/x && rm /bin/ls && mkdir -p /opt/a'])
    expect(ok(['diff', 'c1'])).toBe('C /bin\nD /bin/ls\nC /etc\nA /etc/x\nA /opt\nA /opt/a\n')

    expect(ok(['commit', 'c1', 'acme/c1'])).toMatch(/^sha256:[0-9a-f]{64}\n$/)
    expect(ok(['run', '--rm', 'acme/c1', 'cat', '/etc/x'])).toBe('new\n')
    const gone = store(root, ['run', '--rm', 'acme/c1', 'ls'])
    expect(gone.status).toBe(127)
    const rows = (ref: string) => ok(['history', '-q', ref]).split('\n').filter(Boolean).length
    expect(rows('acme/c1')).toBe(rows('busybox') + 1)
    const layers = (ref: string) => JSON.parse(ok(['inspect', ref]))[0].RootFS.Layers.length
    expect(layers('acme/c1')).toBe(layers('busybox') + 1)

    const out = join(tmp.dir, 'c1.tar')
    ok(['export', 'c1', '-o', out])
    const names = sh(`tar -tf ${out}`).split('\n').map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''))
    expect(names).toContain('etc/x')
    expect(names).toContain('opt/a')
    expect(names).toContain('bin/busybox')
    expect(names).not.toContain('bin/ls')
    expect(sh(`tar -xOf ${out} ${names.includes('etc/x') ? 'etc/x' : './etc/x'}`)).toBe('new\n')
    ok(['rm', 'c1'])
  })

  test('system df counts the containers, and the running ones as active', async () => {
    ok(['create', '--name', 'df1', 'busybox', 'true'])
    ok(['run', '-d', '--name', 'df2', 'busybox', 'sleep', '30'])
    const row = ok(['system', 'df']).split('\n').find((l) => l.startsWith('Containers'))
    expect(row).toMatch(/^Containers\s+2\s+1\s/)
    ok(['rm', '-f', 'df1', 'df2'])
    expect(ok(['system', 'df']).split('\n').find((l) => l.startsWith('Containers'))).toMatch(/^Containers\s+0\s+0\s/)
  })
})

describe('other launchers and the copy driver', () => {
  for (const runtime of ['runc', 'crun']) {
    test(`--runtime ${runtime}: output and exit status`, () => {
      expect(store(root, ['run', '--rm', '--runtime', runtime, 'busybox', 'echo', `hi from ${runtime}`])).toMatchObject({ status: 0, stdout: `hi from ${runtime}\n` })
      expect(store(root, ['run', '--rm', '--runtime', runtime, 'busybox', 'sh', '-c', 'exit 7']).status).toBe(7)
    })
  }

  test('--storage-driver copy: run, diff, and the snapshots stay untouched', () => {
    mkdirSync(copyRoot)
    const cp = (args: string[]) => ok(['--storage-driver', 'copy', ...args], copyRoot)
    cp(['import', bb, 'busybox'])
    expect(cp(['system', 'info'])).toMatch(/Storage Driver: copy\n/)
    const before = treeHash(join(copyRoot, 'snapshots'))
    expect(cp(['run', '--name', 'k1', 'busybox', 'sh', '-c', 'echo hey > /etc/x; echo changed > /etc/passwd; rm /bin/ls; chmod 700 /bin/busybox; mkdir -p /opt/a; echo ran'])).toBe('ran\n')
    expect(treeHash(join(copyRoot, 'snapshots'))).toBe(before)
    expect(cp(['diff', 'k1'])).toBe('C /bin\nC /bin/busybox\nD /bin/ls\nC /etc\nC /etc/passwd\nA /etc/x\nA /opt\nA /opt/a\n')
    expect(cp(['run', '--rm', 'busybox', 'sh', '-c', 'head -1 /etc/passwd; ls /bin/ls; stat -c %a /bin/busybox'])).toBe('root:x:0:0:root:/root:/bin/sh\n/bin/ls\n755\n')
    cp(['rm', 'k1'])
  })
})
