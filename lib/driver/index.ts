// Storage drivers: a chain of snapshots -> a container root file system, and back to changes.
export type { DriverName, DriverProbe, LayerChange, MountStep, RootfsPlan, StorageDriver } from './types.js'
export { overlayDriver, fuseOverlayDriver, type OverlayOptions } from './overlay.js'
export { copyDriver } from './copy.js'
export { DRIVER_ORDER, backingFilesystem, getDriver, probeDriver, probeDrivers, selectDriver } from './probe.js'
export { mountStepCommand, mountStepsScript } from './steps.js'
export { shQuote } from './_exec.js'
export { mergedView, type MergedView } from './view.js'
export { treeSize } from './_size.js'
