import { defineCommand } from '../_command.js'
import { groupCommand } from '../_group.js'
import { getStore } from '../_context.js'

const prune = defineCommand({
  command: 'prune',
  describe: 'Remove build cache',
  flags: {
    force: { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' },
    all: { alias: 'a', type: 'boolean', describe: 'Remove all unused build cache' },
  },
  handler: async (argv) => {
    const { confirm } = await import('../_prompt.js')
    if (!argv.force && !(await confirm('WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] '))) return
    const store = await getStore(argv)
    const { humanSize, pruneBuildCache } = await import('../../lib/index.js')
    const r = await pruneBuildCache(store)
    process.stdout.write(`Deleted build cache objects: ${r.objects}\nTotal reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
})

export const builderCommand = groupCommand('builder', 'Manage builds: prune', [prune])
