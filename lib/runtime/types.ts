// Containers run through an OCI runtime bundle: the store writes config.json (OCI runtime spec
// subset below) next to the container, then a launcher runs it: the built-in one (util-linux
// unshare + mount + chroot) or runc/crun. One description, several launchers.

import type { MountStep } from '../driver/types.js'

export type LauncherName = 'builtin' | 'runc' | 'crun'

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
  }
  root: { path: string; readonly: boolean }
  hostname: string
  mounts: { destination: string; type: string; source: string; options: string[] }[]
  linux: {
    namespaces: { type: 'pid' | 'mount' | 'ipc' | 'uts' | 'network' | 'user' | 'cgroup' }[]
    maskedPaths?: string[]
    readonlyPaths?: string[]
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
  /** Called with the launcher process' pid as soon as it is spawned (recorded for stop/kill). */
  onSpawn?: (pid: number) => void
}

export interface LaunchResult {
  /** Docker convention: the process's exit code, or 128+N when killed by signal N. */
  exitCode: number
}
