// End-to-end: restart policies (issue 15) through the built binary: on-failure:N restarts a
// failing container N times and then leaves it exited; on-failure leaves a clean exit alone;
// always keeps restarting until `stop`, after which it stays stopped; a foreground run hands
// its restart to a monitor; while it waits to be started again it is `restarting`, as in
// Docker; Docker's messages for bad policies. Every wait is for a state the
// policy must reach (bounded), never for a duration.

import { describe, expect, test } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { store, storeIn } from '../_fixtures/cli.js'
import { running, storeOk, busyboxStore } from '../_fixtures/containers.js'

// Root, busybox: a printed reason to skip on a developer's machine, a failure under CI.
const bx = busyboxStore('store-e2e-restart-')
const why = bx.why

const run = (args: string[]) => storeIn(bx.root, args)
const ok = (args: string[]) => storeOk(bx.root, args)
const state = async (name: string) => {
  const id = (await ok(['inspect', '--format', '{{.Id}}', name])).trim()
  return JSON.parse(readFileSync(join(bx.root, 'containers', id, 'state.json'), 'utf8'))
}
/** Polls until `done` holds for the container's state (bounded: 30 s of polling). */
async function until(name: string, done: (s: any) => boolean): Promise<any> {
  let s = await state(name)
  for (let i = 0; i < 600 && !done(s); i++) {
    await new Promise((r) => setTimeout(r, 50))
    s = await state(name)
  }
  expect(done(s), JSON.stringify(s)).toBe(true)
  return s
}
/** The policy is over: the exit is recorded and the process that ran it is gone. */
const over = (s: any) => s.status === 'exited' && !running(s.pid)

describe.skipIf(why !== undefined)('restart policies', () => {
  test('on-failure:2 restarts a failing container twice, then leaves it exited', async () => {
    await ok(['run', '-d', '--name', 'flaky', '--network', 'none', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo ran; exit 3'])
    const s = await until('flaky', (x) => x.restartCount === 2 && over(x))
    expect(s.exitCode).toBe(3)
    expect(await ok(['logs', 'flaky'])).toBe('ran\nran\nran\n')
    expect((await ok(['inspect', '--format', '{{.RestartCount}} {{json .HostConfig.RestartPolicy}}', 'flaky'])).trim()).toBe('2 {"Name":"on-failure","MaximumRetryCount":2}')
  })

  test('on-failure leaves a clean exit alone', async () => {
    await ok(['run', '-d', '--name', 'clean', '--network', 'none', '--restart', 'on-failure', 'busybox', 'sh', '-c', 'echo once'])
    const s = await until('clean', over)
    expect(s.restartCount ?? 0).toBe(0)
    expect(await ok(['logs', 'clean'])).toBe('once\n')
  })

  test('always restarts whatever the status, until stop; then it stays stopped, and start resumes the policy', async () => {
    await ok(['run', '-d', '--name', 'forever', '--network', 'none', '--restart', 'always', 'busybox', 'sh', '-c', 'echo up; sleep 0.2'])
    await until('forever', (x) => (x.restartCount ?? 0) >= 2)
    await ok(['stop', '-t', '1', 'forever'])
    const s = await until('forever', over)
    const logs = await ok(['logs', 'forever'])
    expect((await state('forever')).restartCount).toBe(s.restartCount)
    expect(await ok(['logs', 'forever'])).toBe(logs)
    await ok(['start', 'forever'])
    await until('forever', (x) => (x.restartCount ?? 0) >= 1)
    await ok(['stop', '-t', '1', 'forever'])
    await until('forever', over)
  })

  test('waiting for its restart, a container is Restarting: ps without -a, the status filter, inspect; rm refuses it, stop ends it at once', async () => {
    // A first back-off of a minute holds it in that state for the test (Docker's is 100 ms).
    const started = await storeIn(bx.root, ['run', '-d', '--name', 'backoff', '--network', 'none', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 3'], { env: { STORE_RESTART_DELAY_MS: '60000' } })
    expect(started.status, started.stderr).toBe(0)
    const id = started.stdout.trim()
    await until('backoff', (x) => x.restarting === true)
    expect(await ok(['ps', '--format', '{{.Names}}|{{.Status}}|{{.State}}'])).toMatch(/^backoff\|Restarting \(3\) .+ ago\|restarting$/m)
    expect(await ok(['ps', '-q', '--no-trunc', '--filter', 'status=restarting'])).toBe(`${id}\n`)
    expect(await ok(['ps', '-q', '--filter', 'status=exited', '--filter', 'name=backoff'])).toBe('')
    expect((await ok(['inspect', '--format', '{{.State.Status}} {{.State.Restarting}} {{.State.Running}}', 'backoff'])).trim()).toBe('restarting true true')
    const rm = await run(['rm', 'backoff'])
    expect(rm.status).toBe(1)
    expect(rm.stderr).toBe('Error: cannot remove container "/backoff": container is restarting: stop the container before removing or force remove\n')
    await ok(['stop', 'backoff'])
    expect((await ok(['inspect', '--format', '{{.State.Status}} {{.State.Restarting}} {{.State.ExitCode}}', 'backoff'])).trim()).toBe('exited false 3')
    expect(await ok(['ps', '-a', '--filter', 'name=backoff', '--format', '{{.Status}}'])).toMatch(/^Exited \(3\) /)
    await ok(['rm', 'backoff'])
  })

  test('a foreground run exits with its status and its restart goes on detached', async () => {
    const r = await run(['run', '--name', 'fg', '--network', 'none', '--restart', 'on-failure:1', 'busybox', 'sh', '-c', 'echo fg; exit 5'])
    expect(r.status).toBe(5)
    expect(r.stdout).toBe('fg\n')
    await until('fg', (x) => x.restartCount === 1 && over(x))
    expect(await ok(['logs', 'fg'])).toBe('fg\nfg\n')
  })

  test.each([
    ['bogus', "invalid restart policy 'bogus'"],
    ['always:3', "maximum retry count cannot be used with restart policy 'always'"],
    ['on-failure:x', 'invalid restart policy format: maximum retry count must be an integer'],
  ])('--restart %s is refused: %s', async (policy, message) => {
    const r = await run(['run', '-d', '--restart', policy, 'busybox', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toContain(message)
  })

  test('--restart with --rm conflicts, as Docker says', async () => {
    const r = await run(['run', '--rm', '--restart', 'always', 'busybox', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toContain('conflicting options: cannot specify both --restart and --rm')
  })
})
