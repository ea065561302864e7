import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'
import { containerCommand } from '../_split.js'
import { checkTty } from '../_tty.js'

/** The flags `run`, `create` and `update` share: resource limits and the restart policy. */
export interface LimitArgs {
  memory?: string
  'memory-swap'?: string
  cpus?: string
  'cpu-shares'?: string
  'pids-limit'?: string
  restart?: string
}

export function limitOptions(y: any) {
  return y
    .option('memory', { alias: 'm', type: 'string', describe: 'Memory limit' })
    .option('memory-swap', { type: 'string', describe: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" })
    .option('cpus', { type: 'string', describe: 'Number of CPUs' })
    .option('cpu-shares', { alias: 'c', type: 'string', describe: 'CPU shares (relative weight)' })
    .option('pids-limit', { type: 'string', describe: 'Tune container pids limit (set -1 for unlimited)' })
    .option('restart', { type: 'string', describe: 'Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:max-retries])' })
}

export interface RunArgs extends GlobalArgs, LimitArgs {
  image: string
  rm?: boolean
  name?: string
  env?: string[]
  'env-file'?: string[]
  workdir?: string
  user?: string
  entrypoint?: string
  volume?: string[]
  mount?: string[]
  tmpfs?: string[]
  'read-only'?: boolean
  network?: string
  publish?: string[]
  'publish-all'?: boolean
  'add-host'?: string[]
  dns?: string[]
  'dns-search'?: string[]
  'dns-option'?: string[]
  expose?: string[]
  hostname?: string
  interactive?: boolean
  tty?: boolean
  detach?: boolean
  label?: string[]
  runtime?: string
  init?: boolean
  privileged?: boolean
  'cap-add'?: string[]
  'cap-drop'?: string[]
  'security-opt'?: string[]
}

// Repeatable options take one value each (nargs: 1): a yargs array is greedy otherwise, and
// `-e A=1 busybox` would swallow the image name.
export function containerOptions(y: any, withRun: boolean) {
  y = y
    .positional('image', { type: 'string', demandOption: true, describe: 'IMAGE' })
    .option('name', { type: 'string', describe: 'Assign a name to the container' })
    .option('env', { alias: 'e', type: 'string', array: true, nargs: 1, describe: 'Set environment variables' })
    .option('env-file', { type: 'string', array: true, nargs: 1, describe: 'Read in a file of environment variables' })
    .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory inside the container' })
    .option('user', { alias: 'u', type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' })
    .option('entrypoint', { type: 'string', describe: 'Overwrite the default ENTRYPOINT of the image' })
    .option('volume', { alias: 'v', type: 'string', array: true, nargs: 1, describe: 'Bind mount a volume' })
    .option('mount', { type: 'string', array: true, nargs: 1, describe: 'Attach a filesystem mount to the container' })
    .option('tmpfs', { type: 'string', array: true, nargs: 1, describe: 'Mount a tmpfs directory' })
    .option('read-only', { type: 'boolean', describe: "Mount the container's root filesystem as read only" })
    .option('network', { alias: 'net', type: 'string', describe: 'Connect a container to a network (bridge, host, none, or a network of `store network create`)' })
    .option('publish', { alias: 'p', type: 'string', array: true, nargs: 1, describe: "Publish a container's port(s) to the host" })
    .option('publish-all', { alias: 'P', type: 'boolean', describe: 'Publish all exposed ports to random ports' })
    .option('expose', { type: 'string', array: true, nargs: 1, describe: 'Expose a port or a range of ports' })
    .option('add-host', { type: 'string', array: true, nargs: 1, describe: 'Add a custom host-to-IP mapping (host:ip)' })
    .option('dns', { type: 'string', array: true, nargs: 1, describe: 'Set custom DNS servers' })
    .option('dns-search', { type: 'string', array: true, nargs: 1, describe: 'Set custom DNS search domains' })
    .option('dns-option', { type: 'string', array: true, nargs: 1, describe: 'Set DNS options' })
    .option('hostname', { type: 'string', describe: 'Container host name' })
    .option('interactive', { alias: 'i', type: 'boolean', describe: 'Keep STDIN open even if not attached' })
    .option('tty', { alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' })
    .option('label', { alias: 'l', type: 'string', array: true, nargs: 1, describe: 'Set meta data on a container' })
    .option('runtime', { type: 'string', choices: ['builtin', 'runc', 'crun'], describe: 'Runtime to use for this container' })
    .option('init', { type: 'boolean', describe: 'Run an init inside the container that forwards signals and reaps processes' })
    .option('privileged', { type: 'boolean', describe: 'Give extended privileges to this container' })
    .option('cap-add', { type: 'string', array: true, nargs: 1, describe: 'Add Linux capabilities' })
    .option('cap-drop', { type: 'string', array: true, nargs: 1, describe: 'Drop Linux capabilities' })
    .option('security-opt', { type: 'string', array: true, nargs: 1, describe: 'Security Options' })
  y = limitOptions(y)
  if (withRun) {
    y = y
      .option('rm', { type: 'boolean', describe: 'Automatically remove the container and its associated anonymous volumes when it exits' })
      .option('detach', { alias: 'd', type: 'boolean', describe: 'Run container in background and print container ID' })
  }
  return y
}

/** The resource flags as Docker's CLI parses them (its messages for a bad value). */
export async function limitsFrom(argv: LimitArgs) {
  const { Codes, StoreError } = await import('../../lib/errors.js')
  const { ramInBytes } = await import('../../lib/_sizes.js')
  const bad = (flag: string, v: string, why: string) => new StoreError(Codes.INVALID_ARGUMENT, `invalid argument "${v}" for "${flag}" flag: ${why}`, { exit: 125 })
  const size = (flag: string, v: string | undefined, allowNegative = false) => {
    if (v === undefined) return undefined
    if (allowNegative && v === '-1') return -1
    const n = ramInBytes(v)
    if (n === undefined) throw bad(flag, v, `invalid size: '${v}'`)
    return n
  }
  const int = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined
    if (!/^-?\d+$/.test(v)) throw bad(flag, v, `strconv.ParseInt: parsing "${v}": invalid syntax`)
    return Number(v)
  }
  let nanoCpus: number | undefined
  if (argv.cpus !== undefined) {
    if (!/^\d*\.?\d+$/.test(argv.cpus)) throw bad('--cpus', argv.cpus, `failed to parse ${argv.cpus} as a rational number`)
    nanoCpus = Math.round(Number(argv.cpus) * 1e9)
  }
  return {
    memory: size('-m, --memory', argv.memory), memorySwap: size('--memory-swap', argv['memory-swap'], true), nanoCpus,
    cpuShares: int('-c, --cpu-shares', argv['cpu-shares']), pidsLimit: int('--pids-limit', argv['pids-limit']),
  }
}

export async function createFromArgs(argv: RunArgs) {
  const limits = await limitsFrom(argv)
  const store = await getStore(argv)
  const { createContainer } = await import('../../lib/container/index.js')
  const { resolveMountArgs } = await import('../../lib/container/volumes.js')
  const labels: Record<string, string> = {}
  for (const l of argv.label ?? []) {
    const i = l.indexOf('=')
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1)
  }
  const mounts = await resolveMountArgs(store, { volume: argv.volume ?? [], mount: argv.mount ?? [], tmpfs: argv.tmpfs ?? [], cwd: process.cwd() })
  const rec = await createContainer(store, {
    image: argv.image, cmd: containerCommand, entrypoint: argv.entrypoint, env: argv.env, envFiles: argv['env-file'],
    workdir: argv.workdir, user: argv.user, name: argv.name, hostname: argv.hostname, readOnly: argv['read-only'],
    network: argv.network === 'default' ? 'bridge' : argv.network, tty: argv.tty,
    publish: argv.publish, publishAll: argv['publish-all'], limits, restart: argv.restart,
    addHost: argv['add-host'], dns: argv.dns, dnsSearch: argv['dns-search'], dnsOption: argv['dns-option'], expose: argv.expose, warn: (m) => process.stderr.write(`${m}\n`), interactive: argv.interactive, autoRemove: argv.rm,
    labels, launcher: argv.runtime as any, init: argv.init, privileged: argv.privileged,
    capAdd: argv['cap-add'], capDrop: argv['cap-drop'], securityOpt: argv['security-opt'], mounts: mounts.mounts, prepareMounts: mounts.prepare, imageVolumes: true,
  })
  return { store, rec }
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <image> [command..]',
  describe: 'Create and run a new container from an image',
  builder: (y) => containerOptions(y, true),
  handler: async (argv) => {
    if (!argv.detach) checkTty(argv.interactive, argv.tty)
    const { rec, store } = await createFromArgs(argv)
    const { supervise, startDetached, removeContainer } = await import('../../lib/container/index.js')
    const { removeAnonymousVolume } = await import('../../lib/container/volumes.js')
    if (argv.detach) {
      await startDetached(store, rec)
      process.stdout.write(`${rec.id}\n`)
      return
    }
    const code = await supervise(store, rec, {
      stdio: 'inherit',
      remove: argv.rm ? (r) => removeContainer(store, r, { force: true, volumes: true, removeVolume: (n) => removeAnonymousVolume(store, n) }) : undefined,
    })
    process.exitCode = code
    // A restart policy outlives the attached run: the next start goes to a monitor (as Docker's
    // daemon restarts it while the client that ran it has ended).
    const c = await import('../../lib/container/index.js')
    if (c.shouldRestart(rec.restart, code, 0, c.stoppedByUser(store, rec.id))) {
      await new Promise((r) => setTimeout(r, c.restartDelay(0)))
      if (!c.stoppedByUser(store, rec.id)) await startDetached(store, rec, { restartCount: 1 }).catch(() => {})
    }
  },
}

export const createCommand: CommandModule<object, RunArgs> = {
  command: 'create <image> [command..]',
  describe: 'Create a new container',
  builder: (y) => containerOptions(y, false),
  handler: async (argv) => {
    const { rec } = await createFromArgs(argv)
    process.stdout.write(`${rec.id}\n`)
  },
}
