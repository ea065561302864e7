// Runtime: OCI bundle (config.json) + launchers (built-in util-linux, runc, crun).
export type { LaunchRequest, LaunchResult, LauncherName, OciMount, OciSpec } from './types.js'
export { DEFAULT_CAPS, DEFAULT_MASKED, DEFAULT_READONLY, bundleFiles, completeSpec, dnsResolvConf, hostsFile, writeBundle } from './bundle.js'
export { LAUNCHERS, availableLaunchers, childPids, containerPid, hostSeccompArch, launch, seccompFilter, toolPath } from './launch.js'
export { prepareInitLayer } from './initLayer.js'
