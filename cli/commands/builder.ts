import { defineCommand } from '../_command.js'
import { groupCommand } from '../_group.js'
import { getStore } from '../_context.js'

const prune = defineCommand({
  command: 'prune',
  describe: 'Remove build cache',
  flags: {
    force: { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' },
    all: { alias: 'a', type: 'boolean', describe: 'Remove all unused build cache' },
    filter: { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'until=24h')" },
  },
  handler: async (argv) => {
    // The filters are checked before the prompt, as Docker does.
    const { parseFilters } = await import('../../lib/index.js')
    parseFilters(argv.filter, ['until'])
    const { confirm } = await import('../_prompt.js')
    if (!argv.force && !(await confirm('WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] '))) return
    const store = await getStore(argv)
    const { humanSize, pruneBuildCache } = await import('../../lib/index.js')
    const r = await pruneBuildCache(store, { filters: argv.filter })
    process.stdout.write(`Deleted build cache objects: ${r.objects}\nTotal reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
})

export const builderCommand = groupCommand('builder', 'Manage builds: prune', [prune])
