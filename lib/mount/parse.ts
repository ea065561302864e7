// The pure half of mounts: flag parsers, checks, formatting, volume names. Nothing here imports
// node:, so it runs unchanged under Deno or in a browser; index.ts adds the file-system half.

export { parseMount } from './parseMount.js'
export { parseVolume } from './parseVolume.js'
export { parseTmpfs } from './parseTmpfs.js'
export { formatMount } from './format.js'
export { checkDuplicates, validateMountSources } from './check.js'
export { isValidVolumeName, validateVolumeName, volumeNameProblem } from './volumeName.js'
export { toContainerMount } from './convert.js'
export * from './types.js'
