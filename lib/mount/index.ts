// Mounts and volumes: the pure parsers (parse.ts) plus the volume store and the helpers that
// touch the host file system.

export * from './parse.js'
export { createVolumeStore } from './volumes.js'
export { copyImageContentIntoVolume, copyImageDirIntoVolume, type TreeDir } from './copyUp.js'
export { prepareBindSources, resolveBindSources } from './bindSources.js'
