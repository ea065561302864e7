import type { InferredOptionTypes } from 'yargs'
import { defineCommand, type ArgsOf } from '../_command.js'
import { getStore } from '../_context.js'
import { containerCommand } from '../_split.js'
import { checkTty } from '../_tty.js'
import { CONTAINER_FLAGS, LIMIT_FLAGS, RUN_FLAGS } from '../_flags.js'

const IMAGE = { image: { type: 'string', demandOption: true, describe: 'IMAGE' } } as const

/** The flags `run`, `create` and `update` share: resource limits and the restart policy. */
export type LimitArgs = InferredOptionTypes<typeof LIMIT_FLAGS>
export type CreateArgs = ArgsOf<typeof IMAGE, typeof CONTAINER_FLAGS>
export type RunArgs = ArgsOf<typeof IMAGE, typeof RUN_FLAGS>

/** The resource flags as Docker's CLI parses them (its messages for a bad value). */
export async function limitsFrom(argv: LimitArgs) {
  const { Codes, StoreError, ramInBytes } = await import('../../lib/index.js')
  const bad = (flag: string, v: string, why: string) => new StoreError(Codes.INVALID_FLAG, `invalid argument "${v}" for "${flag}" flag: ${why}`)
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

/** `create`'s flags, and `run`'s own (--rm) when `run` calls. */
export async function createFromArgs(argv: CreateArgs & Partial<RunArgs>) {
  const limits = await limitsFrom(argv)
  const store = await getStore(argv)
  const { createContainer } = await import('../../lib/index.js')
  const labels: Record<string, string> = {}
  for (const l of argv.label ?? []) {
    const i = l.indexOf('=')
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1)
  }
  const rec = await createContainer(store, argv.image, containerCommand, {
    volumes: argv.volume, mounts: argv.mount, tmpfs: argv.tmpfs, cwd: process.cwd(), remove: argv.rm,
    entrypoint: argv.entrypoint, env: argv.env, envFiles: argv['env-file'],
    workdir: argv.workdir, user: argv.user, name: argv.name, hostname: argv.hostname, readOnly: argv['read-only'],
    network: argv.network === 'default' ? 'bridge' : argv.network, tty: argv.tty,
    publish: argv.publish, publishAll: argv['publish-all'], limits, restart: argv.restart,
    addHost: argv['add-host'], dns: argv.dns, dnsSearch: argv['dns-search'], dnsOption: argv['dns-option'], expose: argv.expose, warn: (m) => process.stderr.write(`${m}\n`), interactive: argv.interactive,
    labels, launcher: argv.runtime, init: argv.init, privileged: argv.privileged,
    capAdd: argv['cap-add'], capDrop: argv['cap-drop'], securityOpt: argv['security-opt'],
  })
  return { store, rec }
}

export const runCommand = defineCommand({
  command: 'run <image> [command..]',
  describe: 'Create and run a new container from an image',
  positionals: IMAGE,
  flags: RUN_FLAGS,
  handler: async (argv) => {
    if (!argv.detach) checkTty(argv.interactive, argv.tty)
    const { rec, store } = await createFromArgs(argv)
    const { startContainer } = await import('../../lib/index.js')
    if (argv.detach) {
      await startContainer(store, rec)
      process.stdout.write(`${rec.id}\n`)
      return
    }
    process.exitCode = await startContainer(store, rec, { attach: true, remove: argv.rm })
  },
})

export const createCommand = defineCommand({
  command: 'create <image> [command..]',
  describe: 'Create a new container',
  positionals: IMAGE,
  flags: CONTAINER_FLAGS,
  handler: async (argv) => {
    const { rec } = await createFromArgs(argv)
    process.stdout.write(`${rec.id}\n`)
  },
})
