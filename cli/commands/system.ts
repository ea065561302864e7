import { defineCommand } from '../_command.js'
import { groupCommand } from '../_group.js'
import { getStore } from '../_context.js'

const df = defineCommand({
  command: 'df',
  describe: 'Show store disk usage, and what deduplication and compression saved',
  flags: {
    verbose: { alias: 'v', type: 'boolean', describe: 'Show detailed information on space usage' },
    format: { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { diskUsage } = await import('../../lib/index.js')
    const { printDf } = await import('../_df.js')
    const { progressLine } = await import('../_progress.js')
    // On a terminal, a line while the layer indexes are read (nothing in a pipe).
    const line = progressLine()
    printDf(await diskUsage(store, { onProgress: line.report }).finally(line.end), argv, store.now())
  },
})

const prune = defineCommand({
  command: 'prune',
  describe: 'Remove stopped containers, dangling images (all unused with -a) and the build cache',
  flags: {
    all: { alias: 'a', type: 'boolean', describe: 'Remove all unused images not just dangling ones' },
    force: { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' },
    volumes: { type: 'boolean', describe: 'Prune anonymous volumes' },
    filter: { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'label=<key>=<value>')" },
  },
  handler: async (argv) => {
    // The filters are checked before the prompt, as Docker does.
    const { parseFilters, PRUNE_FILTERS } = await import('../../lib/index.js')
    parseFilters(argv.filter, PRUNE_FILTERS)
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
    const { prune } = await import('../../lib/index.js')
    const { humanSize } = await import('../../lib/index.js')
    const r = await prune(store, { all: argv.all, volumes: argv.volumes, filters: argv.filter })
    if (r.containers.length) process.stdout.write(`Deleted Containers:\n${r.containers.join('\n')}\n\n`)
    if (r.volumes.length) process.stdout.write(`Deleted Volumes:\n${r.volumes.join('\n')}\n\n`)
    if (r.images.length) process.stdout.write(`Deleted Images:\n${r.images.map((i) => `deleted: ${i}`).join('\n')}\n\n`)
    if (r.buildCache) process.stdout.write(`Deleted build cache objects: ${r.buildCache}\n\n`)
    if (r.leftovers) process.stdout.write(`Deleted leftovers of interrupted operations: ${r.leftovers}\n\n`)
    if (r.snapshots) process.stdout.write(`Deleted snapshots no container uses: ${r.snapshots} (rebuilt from the images when needed)\n\n`)
    process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
})

const info = defineCommand({
  command: 'info',
  describe: 'Display store-wide information: storage driver and why, backing file system, root dir',
  handler: async (argv) => {
    const store = await getStore(argv)
    const { systemInfo } = await import('../../lib/index.js')
    process.stdout.write(await systemInfo(store))
  },
})

export const systemCommand = groupCommand('system', 'Manage the store: df, prune, info', [df, prune, info])

/** `store info`, as `store system info`. */
export const infoCommand = info
