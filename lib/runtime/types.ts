// Containers run through an OCI runtime bundle: the store writes config.json (OCI runtime spec
// subset below) next to the container, then a launcher runs it: the built-in one (util-linux
// unshare + mount + chroot) or runc/crun. One description, several launchers.
//
// Process tree of a running container, the same for every launcher:
//   launcher (the pid onSpawn reports; host PID namespace, container mount namespace): a small
//     /bin/sh that forwards HUP INT QUIT TERM USR1 USR2 WINCH to ...
//   PID 1 of a new PID namespace (dies with the launcher: pdeathsig KILL): for builtin a host
//     `timeout` acting as init (forwards signals, turns "killed by N" into 128+N), for runc/crun
//     the runtime itself (`runc run` forwards signals too), whose last child is ...
//   the container's process (see containerPid()).
// Killing the launcher with SIGKILL takes the whole PID namespace, and with it every mount.

import type { MountStep } from '../driver/types.js'

export type LauncherName = 'builtin' | 'runc' | 'crun'

export interface OciMount {
  destination: string
  type: string
  source: string
  options: string[]
}

/** The subset of the OCI runtime spec (config.json) we write and honour. */
export interface OciSpec {
  ociVersion: string
  process: {
    terminal: boolean
    user: { uid: number; gid: number; additionalGids?: number[] }
    args: string[]
    env: string[]
    cwd: string
    rlimits?: { type: string; hard: number; soft: number }[]
    noNewPrivileges?: boolean
    /** Honoured by runc/crun; the built-in launcher keeps full root (it is not a sandbox). */
    capabilities?: { bounding: string[]; effective: string[]; permitted: string[]; inheritable?: string[]; ambient?: string[] }
  }
  root: { path: string; readonly: boolean }
  hostname: string
  /** runc/crun only: the launcher's poststart hook marks the container as running. */
  hooks?: { poststart?: { path: string; args: string[] }[]; createRuntime?: { path: string; args: string[] }[] }
  mounts: OciMount[]
  linux: {
    namespaces: { type: 'pid' | 'mount' | 'ipc' | 'uts' | 'network' | 'user' | 'cgroup' }[]
    maskedPaths?: string[]
    readonlyPaths?: string[]
    /** For runc/crun: the device cgroup rules (default: deny all but the standard devices). */
    resources?: { devices?: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[] }
  }
}

export interface LaunchRequest {
  /** containers/<id>/: config.json is written here; the launcher may keep files here. */
  bundleDir: string
  /** Container ID (64 hex). */
  id: string
  spec: OciSpec
  /** Mounts that make the root (from the storage driver), run before spec.mounts. */
  rootfsSteps: MountStep[]
  /** Where stdio goes: inherit the caller's, or files (detached: a log file). */
  stdio: { kind: 'inherit' } | { kind: 'files'; stdin?: string; stdout: string; stderr: string }
  /** Called with the launcher's pid once it runs: signals sent to it reach the container. */
  onSpawn?: (pid: number) => void
}

export interface LaunchResult {
  /** Docker convention: the process's exit code, or 128+N when killed by signal N. */
  exitCode: number
}
