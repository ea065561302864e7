// The storage driver contract, run against every driver this machine has.

import { needRoot, needTool } from '../_fixtures/requires.js'
import { contractSuite } from './_contract.js'
import { copyDriver, fuseOverlayDriver, overlayDriver } from '../../lib/driver/index.js'


contractSuite({ name: 'overlay', make: () => overlayDriver(), unavailable: needRoot, reportsOpaque: true, sharesLowers: true })
contractSuite({ name: 'copy', make: () => copyDriver(), unavailable: needRoot, reportsOpaque: false, sharesLowers: false })
contractSuite({
  name: 'fuse-overlayfs',
  make: () => fuseOverlayDriver(),
  unavailable: () => needTool(['/usr/bin/fuse-overlayfs'], 'fuse-overlayfs') ?? needRoot(),
  reportsOpaque: true,
  sharesLowers: true,
})
