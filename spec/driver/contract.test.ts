// The storage driver contract, run against every driver this machine has.

import { existsSync } from 'node:fs'
import { contractSuite } from './_contract.js'
import { copyDriver, fuseOverlayDriver, overlayDriver } from '../../lib/driver/index.js'

const needRoot = () => (process.getuid?.() === 0 ? undefined : 'needs root')

contractSuite({ name: 'overlay', make: () => overlayDriver(), unavailable: needRoot, reportsOpaque: true, sharesLowers: true })
contractSuite({ name: 'copy', make: () => copyDriver(), unavailable: needRoot, reportsOpaque: false, sharesLowers: false })
contractSuite({
  name: 'fuse-overlayfs',
  make: () => fuseOverlayDriver(),
  unavailable: () => {
    if (existsSync('/usr/bin/fuse-overlayfs')) return needRoot()
    if (process.env.CI) throw new Error('fuse-overlayfs is missing under CI (apt-get install fuse-overlayfs)')
    return 'fuse-overlayfs is not installed'
  },
  reportsOpaque: true,
  sharesLowers: true,
})
