import { test, expect } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { makeBusyboxRoot } from '../_fixtures/busybox.js'
import { run } from './_run.js'
test('smoke', async () => {
  const tmp = mkdtempSync('/tmp/rt-')
  const root = makeBusyboxRoot(tmp + '/root')
  for (const l of ['builtin', 'runc', 'crun'] as const) {
    const t0 = Date.now()
    const r = await run(tmp, root, ['sh', '-c', 'echo hi; id; hostname; ps; cat /proc/net/dev; ls -la /dev; mount | head -30; exit 3'], { launcher: l })
    console.log(l, Date.now() - t0, r)
  }
})
