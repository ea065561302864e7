// The snapshot form contract (_forms.ts), run for every form: the data-only form and the
// fallbacks a store picks where the kernel or the file system cannot. The reflink form runs on
// an XFS (reflink=1) loop-mounted for it (_fixtures/xfs.ts), so it runs on a machine whose own
// file system does not clone, such as this ext4; without mkfs.xfs (xfsprogs) it fails. All of
// them need root.

import { needRoot, unavailable } from '../_fixtures/requires.js'
import { busyboxUnavailable } from '../_fixtures/busybox.js'
import { loopXfs } from '../_fixtures/xfs.js'
import { formSuite } from './_forms.js'

/** Why a form cannot run here: no busybox, or not root (a failure under CI). */
const needs = (form: string) => () => unavailable(`snapshot form ${form}`, busyboxUnavailable() ?? needRoot())

formSuite({ form: 'data-only', unavailable: needs('data-only'), sharesAnyMetadata: true })
// loopXfs() throws without mkfs.xfs, naming the package: the suite fails, it never skips.
formSuite({ form: 'reflink', unavailable: needs('reflink'), fileSystem: () => loopXfs(), sharesAnyMetadata: true })
formSuite({ form: 'hardlink', unavailable: needs('hardlink'), sharesAnyMetadata: false })
formSuite({ form: 'copy', unavailable: needs('copy'), sharesAnyMetadata: false })
