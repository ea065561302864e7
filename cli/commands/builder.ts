import type { CommandModule } from 'yargs'
import { groupCommand } from '../_group.js'
import { getStore, type GlobalArgs } from '../_context.js'

const prune: CommandModule<object, GlobalArgs & { force?: boolean; all?: boolean }> = {
  command: 'prune',
  describe: 'Remove build cache',
  builder: (y) =>
    y.option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' }).option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused build cache' }),
  handler: async (argv) => {
    const { confirm } = await import('../_prompt.js')
    if (!argv.force && !(await confirm('WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] '))) return
    const store = await getStore(argv)
    const { cacheClear } = await import('../../lib/build/cache.js')
    const { collectGarbage } = await import('../../lib/system/gc.js')
    const { humanSize } = await import('../../lib/index.js')
    const n = await cacheClear(store)
    const r = await collectGarbage(store, { keepImages: true, cacheMounts: true })
    process.stdout.write(`Deleted build cache objects: ${n + r.cacheMountsDropped}\nTotal reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
}

export const builderCommand = groupCommand('builder', 'Manage builds: prune', [prune])
