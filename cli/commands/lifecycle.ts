// `store wait`, `rename`, `restart`, `top`, and the per-container loop `rm` shares: Docker's, over the container lifecycle.

import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'
import { LIMIT_FLAGS } from '../_flags.js'

const containers = { containers: { type: 'string', array: true, demandOption: true } } as const

/** Runs `each` for every name; an error is printed and the rest still run (exit 1 at the end), as Docker's CLI. */
export async function eachContainer(names: string[], each: (name: string) => Promise<void>): Promise<void> {
  for (const name of names) {
    try {
      await each(name)
    } catch (e) {
      process.stderr.write(`Error: ${(e as Error).message}\n`)
      process.exitCode = 1
    }
  }
}

export const waitCommand = defineCommand({
  command: 'wait <containers..>',
  describe: 'Block until one or more containers stop, then print their exit codes',
  positionals: containers,
  handler: async (argv) => {
    const store = await getStore(argv)
    const { waitContainer } = await import('../../lib/index.js')
    await eachContainer(argv.containers, async (name) => {
      process.stdout.write(`${await waitContainer(store, name)}\n`)
    })
  },
})

export const renameCommand = defineCommand({
  command: 'rename <container> <name>',
  describe: 'Rename a container',
  positionals: {
    container: { type: 'string', demandOption: true },
    name: { type: 'string', demandOption: true },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { renameContainer } = await import('../../lib/index.js')
    await renameContainer(store, argv.container, argv.name)
  },
})

export const restartCommand = defineCommand({
  command: 'restart <containers..>',
  describe: 'Restart one or more containers',
  positionals: containers,
  flags: {
    time: { alias: 't', type: 'number', describe: 'Seconds to wait before killing the container' },
    signal: { alias: 's', type: 'string', describe: 'Signal to send to the container' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { restartContainer } = await import('../../lib/index.js')
    // Docker's restart: stop (if running), then start detached; the name is printed.
    await eachContainer(argv.containers, async (name) => {
      await restartContainer(store, name, { timeout: argv.time, signal: argv.signal })
      process.stdout.write(`${name}\n`)
    })
  },
})

export const topCommand = defineCommand({
  command: 'top <container> [psArgs..]',
  describe: 'Display the running processes of a container',
  positionals: {
    container: { type: 'string', demandOption: true },
    psArgs: { type: 'string', array: true },
  },
  configure: (y) => y.parserConfiguration({ 'unknown-options-as-args': true }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { topContainer } = await import('../../lib/index.js')
    process.stdout.write(await topContainer(store, argv.container, argv.psArgs?.length ? argv.psArgs.map(String) : undefined))
  },
})

/** `pause`/`unpause`: the container's processes frozen or thawed (cgroup freezer); prints each name. */
function pauseCommand(paused: boolean) {
  return defineCommand({
    command: `${paused ? 'pause' : 'unpause'} <containers..>`,
    describe: paused ? 'Pause all processes within one or more containers' : 'Unpause all processes within one or more containers',
    positionals: containers,
    handler: async (argv) => {
      const store = await getStore(argv)
      const { pauseContainer } = await import('../../lib/index.js')
      await eachContainer(argv.containers, async (name) => {
        await pauseContainer(store, name, paused)
        process.stdout.write(`${name}\n`)
      })
    },
  })
}

export const pauseCmd = pauseCommand(true)
export const unpauseCmd = pauseCommand(false)

/** `update`: limits and restart policy of one or more containers (running ones at once); prints each name. */
export const updateCommand = defineCommand({
  command: 'update <containers..>',
  describe: 'Update configuration of one or more containers',
  positionals: containers,
  flags: LIMIT_FLAGS,
  handler: async (argv) => {
    const { limitsFrom } = await import('./run.js')
    const limits = await limitsFrom(argv)
    const store = await getStore(argv)
    const { updateContainer } = await import('../../lib/index.js')
    await eachContainer(argv.containers, async (name) => {
      await updateContainer(store, name, { limits, restart: argv.restart })
      process.stdout.write(`${name}\n`)
    })
  },
})
