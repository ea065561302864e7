// `store-launch console SOCKET CMD...` (native/console.c, relay.c): the other end of an OCI
// runtime's --console-socket. The runtime here is a stand-in written in Python (Node cannot
// pass fds over a unix socket): it connects, sends what the case says over SCM_RIGHTS, writes
// to the pty's other end and exits with 7. Each case is what a runtime or a process left in a
// container could do; the relay must keep to its contract whatever it is sent.

import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, test } from 'vitest'
import { tempDir } from '../_fixtures/cli.js'
import { needTool, unavailable } from '../_fixtures/requires.js'

const LAUNCH = resolve(new URL('../../dist/native/store-launch', import.meta.url).pathname)
const why = unavailable('the console relay specs', needTool(['/usr/bin/python3'], 'python3') ?? needTool([LAUNCH], '(npm run build)'))

/** The runtime stand-in: RUNTIME SOCKET MODE PIDFILE. */
const RUNTIME = `
import os, pty, socket, sys, time
path, mode, pidfile = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX)
s.connect(path)
m, sl = pty.openpty()
fds = [m]
if mode == 'two':
    fds.append(os.open('/dev/null', os.O_RDONLY))
if mode == 'pipe':
    r, w = os.pipe()
    os.write(w, b'from a pipe\\n')
    fds = [r]
socket.send_fds(s, [b'x'], fds)
s.close()
os.close(m)
if mode == 'linger':
    pid = os.fork()
    if pid == 0:
        os.setsid()
        for i in range(4000):
            os.write(sl, b'left behind %d\\r\\n' % i)
            time.sleep(0.05)
        os._exit(0)
    open(pidfile, 'w').write(str(pid))
    sys.exit(7)
try:
    os.write(sl, b'hello from the container\\r\\n')
except OSError:
    pass  # no one holds the master any more (a terminal refused): what matters is the relay's output
os.close(sl)
sys.exit(7)
`

/** Runs the relay with our stdin a pty and stdout a pipe whose reader is gone; says whether the terminal came back as it was. */
const DRIVER = `
import json, os, pty, subprocess, sys, termios
launch, runtime, sock, pidfile = sys.argv[1:5]
m, s = pty.openpty()
before = termios.tcgetattr(s)
r, w = os.pipe()
os.close(r)
p = subprocess.Popen([launch, 'console', sock, sys.executable, runtime, sock, 'ok', pidfile], stdin=s, stdout=w, stderr=subprocess.DEVNULL)
os.close(w)
p.wait(timeout=60)
print(json.dumps({'status': p.returncode, 'restored': termios.tcgetattr(s) == before}))
`

let tmp: { dir: string; cleanup: () => void }
let runtime: string
let driver: string
const pidFile = () => join(tmp.dir, 'left.pid')

beforeAll(() => {
  if (why) return
  tmp = tempDir('store-spec-console-')
  runtime = join(tmp.dir, 'runtime.py')
  driver = join(tmp.dir, 'driver.py')
  writeFileSync(runtime, RUNTIME)
  writeFileSync(driver, DRIVER)
  return () => tmp.cleanup()
})

afterEach(() => {
  // The process a 'linger' runtime left behind, by the pid it wrote.
  if (!tmp) return
  let pid = 0
  try {
    pid = Number(readFileSync(pidFile(), 'utf8'))
  } catch {
    return
  }
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  writeFileSync(pidFile(), '')
})

/** The relay with the stand-in runtime in `mode`; stdin closed, stdout captured. A hang fails at 60 s. */
function relay(mode: string) {
  const sock = join(tmp.dir, `${mode}.sock`)
  const r = spawnSync(LAUNCH, ['console', sock, '/usr/bin/python3', runtime, sock, mode, pidFile()], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
  return { status: r.status, signal: r.signal, out: r.stdout.toString(), err: r.stderr.toString() }
}

describe.skipIf(why !== undefined)('the console relay', () => {
  test('relays the pty master the runtime sends and exits with the runtime’s status', () => {
    const r = relay('ok')
    expect(r.signal).toBeNull()
    expect(r.status, r.err).toBe(7)
    expect(r.out).toContain('hello from the container')
  })

  test('a process left in the container that keeps writing does not keep it running: the runtime’s status, what came meanwhile', () => {
    const r = relay('linger')
    expect(r.signal).toBeNull() // not the 60 s guard: the drain after the runtime's exit is bounded
    expect(r.status, r.err).toBe(7)
    expect(r.out).toContain('left behind 0')
  })

  test('a message with more than one fd, or an fd that is not a pty master, is no terminal: nothing of it is relayed', () => {
    const two = relay('two')
    expect(two.status, two.err).toBe(7)
    expect(two.out).toBe('')
    const pipe = relay('pipe')
    expect(pipe.status, pipe.err).toBe(7)
    expect(pipe.out).not.toContain('from a pipe')
  })

  test('a reader of its output that went away (SIGPIPE) does not kill it: the terminal is put back, the status is the runtime’s', () => {
    const r = spawnSync('/usr/bin/python3', [driver, LAUNCH, runtime, join(tmp.dir, 'pipe-gone.sock'), pidFile()], { timeout: 90_000 })
    expect(r.status, r.stderr.toString()).toBe(0)
    expect(JSON.parse(r.stdout.toString())).toEqual({ status: 7, restored: true })
  })
})
