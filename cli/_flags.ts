// The flags of `run`, `create`, `exec` and `update`, and the global ones, declared once: yargs
// reads these tables (the commands' builders), and _split.ts reads them to know, before yargs
// parses, which words take a value and which flags exist (Docker's `unknown flag`).

import type { Options } from 'yargs'

export const GLOBAL_FLAGS = {
  root: { type: 'string', describe: 'Store root directory (env STORE_ROOT)', global: true },
  'storage-driver': { type: 'string', describe: 'Storage driver: overlay, fuse-overlayfs, copy (env STORE_DRIVER)', global: true },
  'snapshot-budget': {
    type: 'string', global: true,
    describe: 'Keep snapshots and their file pool under SIZE (e.g. 2g), least recently used dropped first; kept by the store, "none" removes it (env STORE_SNAPSHOT_BUDGET)',
  },
} as const satisfies Record<string, Options>

/** Resource limits and the restart policy: run, create and update. */
export const LIMIT_FLAGS = {
  memory: { alias: 'm', type: 'string', describe: 'Memory limit' },
  'memory-swap': { type: 'string', describe: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  cpus: { type: 'string', describe: 'Number of CPUs' },
  'cpu-shares': { alias: 'c', type: 'string', describe: 'CPU shares (relative weight)' },
  'pids-limit': { type: 'string', describe: 'Tune container pids limit (set -1 for unlimited)' },
  restart: { type: 'string', describe: 'Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:max-retries])' },
} as const satisfies Record<string, Options>

// Repeatable options take one value each (nargs: 1): a yargs array is greedy otherwise, and
// `-e A=1 busybox` would swallow the image name.
const many = (describe: string, alias?: string) => ({ ...(alias ? { alias } : {}), type: 'string', array: true, nargs: 1, describe }) as const

/** run and create. */
export const CONTAINER_FLAGS = {
  name: { type: 'string', describe: 'Assign a name to the container' },
  env: many('Set environment variables', 'e'),
  'env-file': many('Read in a file of environment variables'),
  workdir: { alias: 'w', type: 'string', describe: 'Working directory inside the container' },
  user: { alias: 'u', type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  entrypoint: { type: 'string', describe: 'Overwrite the default ENTRYPOINT of the image' },
  volume: many('Bind mount a volume', 'v'),
  mount: many('Attach a filesystem mount to the container'),
  tmpfs: many('Mount a tmpfs directory'),
  'read-only': { type: 'boolean', describe: "Mount the container's root filesystem as read only" },
  network: { alias: 'net', type: 'string', describe: 'Connect a container to a network (bridge, host, none, or a network of `store network create`)' },
  publish: many("Publish a container's port(s) to the host", 'p'),
  'publish-all': { alias: 'P', type: 'boolean', describe: 'Publish all exposed ports to random ports' },
  expose: many('Expose a port or a range of ports'),
  'add-host': many('Add a custom host-to-IP mapping (host:ip)'),
  dns: many('Set custom DNS servers'),
  'dns-search': many('Set custom DNS search domains'),
  'dns-option': many('Set DNS options'),
  hostname: { type: 'string', describe: 'Container host name' },
  interactive: { alias: 'i', type: 'boolean', describe: 'Keep STDIN open even if not attached' },
  tty: { alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' },
  label: many('Set meta data on a container', 'l'),
  runtime: { type: 'string', choices: ['builtin', 'runc', 'crun'], describe: 'Runtime to use for this container' },
  init: { type: 'boolean', describe: 'Run an init inside the container that forwards signals and reaps processes' },
  privileged: { type: 'boolean', describe: 'Give extended privileges to this container' },
  'cap-add': many('Add Linux capabilities'),
  'cap-drop': many('Drop Linux capabilities'),
  'security-opt': many('Security Options'),
  ...LIMIT_FLAGS,
} as const satisfies Record<string, Options>

/** run only. */
export const RUN_FLAGS = {
  ...CONTAINER_FLAGS,
  rm: { type: 'boolean', describe: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  detach: { alias: 'd', type: 'boolean', describe: 'Run container in background and print container ID' },
} as const satisfies Record<string, Options>

export const EXEC_FLAGS = {
  env: many('Set environment variables', 'e'),
  user: { alias: 'u', type: 'string', describe: 'Username or UID' },
  workdir: { alias: 'w', type: 'string', describe: 'Working directory inside the container' },
  interactive: { alias: 'i', type: 'boolean', describe: 'Keep STDIN open even if not attached' },
  tty: { alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' },
} as const satisfies Record<string, Options>

/** A table's flags as typed: `--name` and its aliases (`-e`, `--net`), those that take a value apart. */
export function flagWords(flags: Record<string, Options>): { values: string[]; bools: string[] } {
  const values: string[] = []
  const bools: string[] = []
  for (const [name, o] of Object.entries(flags)) {
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias]
    const words = [`--${name}`, ...aliases.map((a: string) => (a.length === 1 ? `-${a}` : `--${a}`))]
    ;(o.type === 'boolean' ? bools : values).push(...words)
  }
  return { values, bools }
}
