// Containers run through an OCI runtime bundle: the store writes config.json (OCI runtime spec
// subset below) next to the container, then a launcher runs it: the built-in one (util-linux
// unshare + mount + chroot) or runc/crun. One description, several launchers.
//
// Process tree of a running container, the same for every launcher:
//   launcher (the pid onSpawn reports: `store-launch run`, native/; host PID namespace, the
//     container's mount namespace): forwards HUP INT QUIT TERM USR1 USR2 WINCH to ...
//   PID 1 of a new PID namespace (dies with the launcher: PDEATHSIG KILL): for builtin the
//     container's command itself, in its root (pivot_root); for runc/crun the runtime (`runc
//     run` forwards signals too), whose child in a nested PID namespace is the command.
// Killing the launcher with SIGKILL takes the whole PID namespace, and with it every mount.

import type { MountStep } from '../driver/types.js'
import type { OciSeccomp } from './seccomp.js'

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
    /** Docker's sets by default (bundle.ts); every launcher applies them. */
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
    /** The OCI seccomp object (runc/crun compile it; the built-in launcher loads it as BPF). */
    seccomp?: OciSeccomp
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
  /**
   * Where stdio goes: inherit the caller's (a terminal: `run -t`); the caller's as well as the
   * container's log (`tee`: attached without a terminal, as Docker logs an attached container
   * too); or the log only (detached). The log is logFile.ts's: bytes, and each line's stream and
   * time. `files`: plain files (the launcher specs).
   */
  stdio: { kind: 'inherit' } | { kind: 'tee'; log: string } | { kind: 'log'; log: string } | { kind: 'files'; stdin?: string; stdout: string; stderr: string }
  /** Where the built-in launcher keeps a compiled seccomp filter (key: profile and arch). */
  seccompFilterPath?: (key: string) => string
  /**
   * A network namespace of its own that these setup-script lines configure first (the bridge
   * network: lib/network/attach.ts). The runtimes' own config.json has no network namespace
   * then: runc and crun run in this one and keep it.
   */
  networkSetup?: string[]
  /**
   * Setup-script lines run first, given how the script names the container's first process
   * (`$PPID` when PID 1 runs the script, `$$` when PID 1 is the script: runc/crun): joining the
   * container's control groups before anything of it runs.
   */
  prelude?: (pidVar: string) => string[]
  /** A network namespace to join (another container's: `--network container:NAME`). */
  joinNetns?: string
  /** `--add-host` lines for /etc/hosts ("1.2.3.4\tname"), after the defaults. */
  extraHosts?: string[]
  /** `--dns`, `--dns-search`, `--dns-option`: resolv.conf is made of these instead of the host's. */
  dns?: { servers: string[]; search: string[]; options: string[] }
  /** The container's address on a bridge network: resolv.conf is Docker's for that; the caller writes /etc/hosts. */
  address?: string
  /** Called with the launcher's pid once it runs: signals sent to it reach the container. */
  onSpawn?: (pid: number) => void
}

export interface LaunchResult {
  /** Docker convention: the process's exit code, or 128+N when killed by signal N. */
  exitCode: number
}
