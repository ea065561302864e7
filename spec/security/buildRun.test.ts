// Build steps are containers too: a RUN runs as PID 1 of its own root with Docker's capabilities
// and seccomp profile, so the review's `RUN cat /proc/1/root/etc/shadow` reads the image's own
// file (here: the canary path, which the image does not have), never the host's.

import { describe, expect, test } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expectCanaryUntouched, ok, securityEnv, store, why, type Env } from './_harness.js'

const env: Env = securityEnv('store-security-run-')

describe.skipIf(why !== undefined)('RUN in a build', () => {
  test('is PID 1 in its own root: /proc/1/root is the image, capabilities and seccomp as run', async () => {
    const c = env.canary.dir
    const ctx = join(env.tmp, 'run-probe')
    mkdirSync(ctx, { recursive: true })
    writeFileSync(join(ctx, 'Dockerfile'), [
      'FROM busybox',
      // Every probe's answer goes into the layer, so the test reads it from the image.
      `RUN { echo "pid $$"; readlink /proc/1/root; cat /proc/1/root${c}/canary.txt 2>/dev/null || echo "no host file"; ` +
        'grep -E "^CapEff|^Seccomp:" /proc/self/status; mount -t tmpfs none /tmp 2>/dev/null && echo "mount allowed" || echo "mount denied"; } > /probe',
      '',
    ].join('\n'))
    ok(await store(env, ['build', '--progress', 'plain', '-t', 'run/probe', ctx]))
    const r = ok(await store(env, ['run', '--rm', 'run/probe', 'cat', '/probe']))
    expect(r.stdout).toBe('pid 1\n/\nno host file\nCapEff:\t00000000a80425fb\nSeccomp:\t2\nmount denied\n')
    expectCanaryUntouched(env)
  })
})
