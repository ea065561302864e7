// Docker's management groups: `store image ls|rm|inspect|history|prune|…` and `store container
// ls|rm|inspect|prune|run|…` are the top-level commands under Docker's group names (one
// definition each: the group reuses the command's module with its group name and aliases).
// `inspect` in a group looks for that kind of object only; the prunes are Docker's: `image
// prune` removes dangling images (every unused one with -a), `container prune` every stopped
// container, each under the gc lock as `system prune`.

import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'
import { groupCommand } from '../_group.js'
import { imagesCommand } from './images.js'
import { rmiCommand } from './rmi.js'
import { inspectCommand } from './inspect.js'
import { historyCommand } from './history.js'
import { tagCommand } from './tag.js'
import { saveCommand } from './save.js'
import { loadCommand } from './load.js'
import { importCommand } from './import.js'
import { buildCommand } from './build.js'
import { psCommand } from './ps.js'
import { rmCommand } from './rm.js'
import { runCommand, createCommand } from './run.js'
import { startCommand } from './start.js'
import { stopCommand, killCommand } from './stop.js'
import { logsCommand } from './logs.js'
import { execCommand } from './exec.js'
import { diffCommand } from './diff.js'
import { commitCommand } from './commit.js'
import { exportCommand } from './export.js'
import { waitCommand, renameCommand, restartCommand, topCommand, pauseCmd, unpauseCmd, updateCommand } from './lifecycle.js'
import { statsCommand } from './stats.js'
import { portCommand } from './port.js'
import { cpCommand } from './cp.js'

type Module = CommandModule<any, any>

/** `m` under another name (its positionals kept) and Docker's aliases for it. */
function as(m: Module, name: string, aliases: string[] = []): Module {
  const rest = String(m.command).replace(/^\S+/, '')
  return { ...m, command: `${name}${rest}`, aliases }
}

/** `inspect` that looks for one kind of object only (Docker's `image inspect`, `container inspect`). */
function inspectOnly(type: 'image' | 'container'): Module {
  return {
    ...inspectCommand,
    describe: `Display detailed information on one or more ${type}s`,
    builder: (y) => (inspectCommand.builder as (y: any) => any)(y),
    handler: (argv: any) => inspectCommand.handler({ ...argv, type }),
  }
}

interface PruneArgs extends GlobalArgs {
  all?: boolean
  force?: boolean
  filter?: string[]
}

const filterOption = { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'until=<timestamp>', 'label=<key>=<value>')" } as const

const imagePrune: CommandModule<object, PruneArgs> = {
  command: 'prune',
  describe: 'Remove unused images',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused images, not just dangling ones' })
      .option('filter', filterOption)
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' }),
  handler: async (argv) => {
    // The filters are checked before the prompt, as Docker does.
    const { parseFilters, PRUNE_FILTERS } = await import('../../lib/index.js')
    parseFilters(argv.filter, PRUNE_FILTERS)
    const { confirm } = await import('../_prompt.js')
    const what = argv.all ? 'all images without at least one container associated to them' : 'all dangling images'
    if (!argv.force && !(await confirm(`WARNING! This will remove ${what}.\nAre you sure you want to continue? [y/N] `))) return
    const store = await getStore(argv)
    const { humanSize, pruneImages } = await import('../../lib/index.js')
    const r = await pruneImages(store, { all: argv.all, filters: argv.filter })
    if (r.deleted.length) process.stdout.write(`Deleted Images:\n${r.deleted.map((i) => `deleted: ${i}`).join('\n')}\n\n`)
    process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
}

const containerPrune: CommandModule<object, PruneArgs> = {
  command: 'prune',
  describe: 'Remove all stopped containers',
  builder: (y) => y.option('filter', filterOption).option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' }),
  handler: async (argv) => {
    const { parseFilters, PRUNE_FILTERS } = await import('../../lib/index.js')
    parseFilters(argv.filter, PRUNE_FILTERS)
    const { confirm } = await import('../_prompt.js')
    if (!argv.force && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return
    const store = await getStore(argv)
    const { humanSize, pruneContainers } = await import('../../lib/index.js')
    const r = await pruneContainers(store, { filters: argv.filter })
    if (r.ids.length) process.stdout.write(`Deleted Containers:\n${r.ids.join('\n')}\n\n`)
    process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
}

const IMAGE: Module[] = [
  as(imagesCommand, 'ls', ['list']), as(rmiCommand, 'rm', ['remove']), inspectOnly('image'), historyCommand, imagePrune,
  tagCommand, saveCommand, loadCommand, importCommand, buildCommand,
]

const CONTAINER: Module[] = [
  as(psCommand, 'ls', ['list', 'ps']), as(rmCommand, 'rm', ['remove']), inspectOnly('container'), containerPrune,
  runCommand, createCommand, startCommand, stopCommand, killCommand, logsCommand, execCommand, diffCommand, commitCommand, exportCommand,
  waitCommand, renameCommand, restartCommand, topCommand, portCommand, cpCommand, pauseCmd, unpauseCmd, statsCommand, updateCommand,
]

export const imageGroup = groupCommand('image', 'Manage images', IMAGE)
export const containerGroup = groupCommand('container', 'Manage containers', CONTAINER)
