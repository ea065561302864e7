// The tools the peers scenario compares, each as a recipe of commands: `init` a repository in
// `repo` (everything under it is what the tool stores, and is measured), then `ingest` one
// version after another into it. `aux` is the tool's own scratch (restic's and borg's caches
// and security files), per round and not measured: a cache is not the repository.
// Each tool is run as a user would, with defaults except where the bench's brief fixes them.

import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import type { Command } from './_peersRun.js'
import { versionOf } from './_peersRun.js'

export interface Tool {
  name: string
  /** Its version line; undefined when it is not installed (the tool is then skipped). */
  version: string | undefined
  init(repo: string, aux: string): Command[]
  ingest(repo: string, aux: string, dir: string, tag: string): Command
}

/** The built CLI: this file runs from dist/bench/. */
export const STORE_CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url))

export function storeCommand(root: string, args: string[], env?: Record<string, string>): Command {
  return { argv: [process.execPath, STORE_CLI, '--root', root, ...args], env }
}

const store: Tool = {
  name: 'store',
  version: versionOf([process.execPath, STORE_CLI, '--version']),
  init: () => [],
  ingest: (repo, _aux, dir, tag) => storeCommand(repo, ['import', dir, `peers:${tag}`]),
}

const resticEnv = (repo: string, aux: string) => ({ RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: join(aux, 'cache') })
const restic: Tool = {
  name: 'restic',
  version: versionOf(['restic', 'version']),
  init: (repo, aux) => [{ argv: ['restic', 'init', '-q'], env: resticEnv(repo, aux) }],
  // From inside the folder, like the others (restic records the absolute path all the same).
  ingest: (repo, aux, dir) => ({ argv: ['restic', 'backup', '-q', '.'], cwd: dir, env: resticEnv(repo, aux) }),
}

const borgEnv = (aux: string) => ({ BORG_BASE_DIR: aux, BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes', BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' })
const borg: Tool = {
  name: 'borg zstd,3',
  version: versionOf(['borg', '--version']),
  init: (repo, aux) => [{ argv: ['borg', 'init', '-e', 'none', repo], env: borgEnv(aux) }],
  ingest: (repo, aux, dir, tag) => ({ argv: ['borg', 'create', '--compression', 'zstd,3', `${repo}::${tag}`, '.'], cwd: dir, env: borgEnv(aux) }),
}

const casync: Tool = {
  name: 'casync',
  version: versionOf(['casync', '--version']),
  init: () => [],
  ingest: (repo, _aux, dir, tag) => ({ argv: ['casync', 'make', `--store=${join(repo, 'store')}`, join(repo, `${tag}.caidx`), dir] }),
}

const both = (a?: string, b?: string) => (a && b ? `${a}; ${b}` : undefined)

// No dedup across versions: one compressed archive per version, the plain baseline.
const tarZstd: Tool = {
  name: 'tar | zstd -3',
  version: both(versionOf(['tar', '--version']), versionOf(['zstd', '--version'])),
  init: () => [],
  ingest: (repo, _aux, dir, tag) => ({
    argv: ['/bin/bash', '-o', 'pipefail', '-c', 'tar -C "$1" -cf - . | zstd -3 -T1 -q > "$2"', 'tar-zstd', dir, join(repo, `${tag}.tar.zst`)],
  }),
}

/** All tools, store first; the scenario skips those whose version is undefined. */
export const TOOLS: Tool[] = [store, restic, borg, casync, tarZstd]
