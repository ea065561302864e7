// The snapshot form contract (_forms.ts), run for every form: the data-only form and the
// fallbacks a store picks where the kernel or the file system cannot (reflink is skipped on a
// file system without clones, such as this ext4; the others run everywhere as root).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { needRoot } from '../_fixtures/requires.js'
import { busyboxUnavailable } from '../_fixtures/busybox.js'
import { formSuite } from './_forms.js'
import { probeSharingMethod } from '../../lib/driver/index.js'
import type { SharingMethod } from '../../lib/snapshot/types.js'

/** Why `form` cannot run here: not root, no busybox, or its probe says no. */
const probed = (form: SharingMethod) => async () => {
  const why = busyboxUnavailable() ?? needRoot()
  if (why) return why
  const dir = mkdtempSync(join(tmpdir(), 'store-form-probe-'))
  try {
    const p = await probeSharingMethod(dir, 'overlay', form)
    return p.ok ? undefined : p.reason
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

formSuite({ form: 'data-only', unavailable: probed('data-only'), sharesAnyMetadata: true })
formSuite({ form: 'reflink', unavailable: probed('reflink'), sharesAnyMetadata: true })
formSuite({ form: 'hardlink', unavailable: probed('hardlink'), sharesAnyMetadata: false })
formSuite({ form: 'copy', unavailable: probed('copy'), sharesAnyMetadata: false })
