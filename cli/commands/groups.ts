// Docker's management groups: `store image ls|rm|inspect|history|prune|…` and `store container
// ls|rm|inspect|prune|run|…` are the top-level commands under Docker's group names (one
// definition each: the group reuses the command's module with its group name and aliases).
// `inspect` in a group looks for that kind of object only; the prunes are Docker's: `image
// prune` removes dangling images (every unused one with -a), `container prune` every stopped
// container, each under the gc lock as `system prune`.

import { pullCommand, pushCommand } from './registry.js'
import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'
import { groupCommand } from '../_group.js'
import { imagesCommand } from './images.js'
import { rmiCommand } from './rmi.js'
import { inspectCommandOf } from './inspect.js'
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

/** `m` under another name (its positionals kept) and Docker's aliases for it. */
function as<M extends { command?: unknown }>(m: M, name: string, aliases: string[] = []) {
  const rest = String(m.command).replace(/^\S+/, '')
  return { ...m, command: `${name}${rest}`, aliases }
}

const filterOption = { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'until=<timestamp>', 'label=<key>=<value>')" } as const

const force = { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' } as const

const imagePrune = defineCommand({
  command: 'prune',
  describe: 'Remove unused images',
  flags: {
    all: { alias: 'a', type: 'boolean', describe: 'Remove all unused images, not just dangling ones' },
    filter: filterOption,
    force,
  },
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
})

const containerPrune = defineCommand({
  command: 'prune',
  describe: 'Remove all stopped containers',
  flags: { filter: filterOption, force },
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
})

const IMAGE = [
  as(imagesCommand, 'ls', ['list']), as(rmiCommand, 'rm', ['remove']), inspectCommandOf('image'), historyCommand, imagePrune,
  tagCommand, saveCommand, loadCommand, importCommand, buildCommand, pullCommand, pushCommand,
]

const CONTAINER = [
  as(psCommand, 'ls', ['list', 'ps']), as(rmCommand, 'rm', ['remove']), inspectCommandOf('container'), containerPrune,
  runCommand, createCommand, startCommand, stopCommand, killCommand, logsCommand, execCommand, diffCommand, commitCommand, exportCommand,
  waitCommand, renameCommand, restartCommand, topCommand, portCommand, cpCommand, pauseCmd, unpauseCmd, statsCommand, updateCommand,
]

export const imageGroup = groupCommand('image', 'Manage images', IMAGE)
export const containerGroup = groupCommand('container', 'Manage containers', CONTAINER)
