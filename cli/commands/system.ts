import type { CommandModule } from 'yargs'
import { groupCommand } from '../_group.js'
import { getStore, type GlobalArgs } from '../_context.js'

interface DfArgs extends GlobalArgs {
  verbose?: boolean
  format?: string
}

interface PruneArgs extends GlobalArgs {
  all?: boolean
  force?: boolean
  volumes?: boolean
  filter?: string[]
}

const df: CommandModule<object, DfArgs> = {
  command: 'df',
  describe: 'Show store disk usage, and what deduplication and compression saved',
  builder: (y) =>
    y
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show detailed information on space usage' })
      .option('format', { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" }) as any,
  handler: async (argv) => {
    const store = await getStore(argv)
    const { systemDf } = await import('../../lib/system/df.js')
    const { printDf } = await import('../_df.js')
    const c = await import('../../lib/container/index.js')
    const { volumeUsage } = await import('../../lib/mount/cli.js')
    printDf(await systemDf(store, { containers: c.containerUsage, runningContainers: c.runningCount, volumes: volumeUsage }), argv, store.now())
  },
}

const prune: CommandModule<object, PruneArgs> = {
  command: 'prune',
  describe: 'Remove stopped containers, dangling images (all unused with -a) and the build cache',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused images not just dangling ones' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
      .option('volumes', { type: 'boolean', describe: 'Prune anonymous volumes' })
      .option('filter', { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'label=<key>=<value>')" }) as any,
  handler: async (argv) => {
    const { parseFilters, PRUNE_FILTERS } = await import('../../lib/filters.js')
    const filters = parseFilters(argv.filter, PRUNE_FILTERS)
    const { confirm } = await import('../_prompt.js')
    const warning = [
      'WARNING! This will remove:',
      '  - all stopped containers',
      ...(argv.volumes ? ['  - all anonymous volumes not used by at least one container'] : []),
      argv.all ? '  - all images without at least one container associated to them' : '  - all dangling images',
      '  - unused build cache',
      '',
    ].join('\n')
    if (!argv.force && !(await confirm(warning + '\nAre you sure you want to continue? [y/N] '))) return
    const store = await getStore(argv)
    const { systemPrune } = await import('../../lib/system/prune.js')
    const { humanSize } = await import('../../lib/units.js')
    const c = await import('../../lib/container/index.js')
    const { pruneVolumes } = await import('../../lib/mount/cli.js')
    const { imagePruneFilter } = await import('../../lib/image/list.js')
    // Volumes take `label` only (Docker refuses `until` there): the other keys do not apply to them.
    const volumeFilters = new Map([...filters].filter(([k]) => k !== 'until'))
    const r = await systemPrune(store, { all: !!argv.all, volumes: !!argv.volumes, mayRemove: imagePruneFilter(store, filters) }, {
      containers: (s) => c.pruneContainers(s, filters), volumes: (s) => pruneVolumes(s, false, volumeFilters),
    })
    if (r.containers.length) process.stdout.write(`Deleted Containers:\n${r.containers.join('\n')}\n\n`)
    if (r.volumes.length) process.stdout.write(`Deleted Volumes:\n${r.volumes.join('\n')}\n\n`)
    if (r.images.length) process.stdout.write(`Deleted Images:\n${r.images.map((i) => `deleted: ${i}`).join('\n')}\n\n`)
    if (r.buildCache) process.stdout.write(`Deleted build cache objects: ${r.buildCache}\n\n`)
    if (r.leftovers) process.stdout.write(`Deleted leftovers of interrupted operations: ${r.leftovers}\n\n`)
    if (r.snapshots) process.stdout.write(`Deleted snapshots no container uses: ${r.snapshots} (rebuilt from the images when needed)\n\n`)
    process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
}

const info: CommandModule<object, GlobalArgs> = {
  command: 'info',
  describe: 'Display store-wide information: storage driver and why, backing file system, root dir',
  handler: async (argv) => {
    const store = await getStore(argv)
    const { systemInfo } = await import('../../lib/system/info.js')
    process.stdout.write(await systemInfo(store))
  },
}

export const systemCommand = groupCommand('system', 'Manage the store: df, prune, info', [df, prune, info])

export const infoCommand: CommandModule<object, GlobalArgs> = { ...info, command: 'info' }
