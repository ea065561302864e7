import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const fsckCommand = defineCommand({
  command: 'fsck',
  describe: 'Read every pack and blob once to check its digest, rebuild every layer to check its diffID; exit non-zero on any problem',
  flags: {
    snapshots: { type: 'boolean', describe: 'Also check every snapshot against its layers, and the file pool' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress the progress line (shown on a terminal only)' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { fsck } = await import('../../lib/index.js')
    const { Codes, StoreError } = await import('../../lib/index.js')
    const { progressLine } = await import('../_progress.js')
    const line = progressLine(argv.quiet)
    const r = await fsck(store, { snapshots: argv.snapshots, onProgress: line.note }).finally(line.end)
    for (const p of r.problems) process.stdout.write(`${p.kind} ${p.id}: ${p.message}\n`)
    const snaps = r.snapshots === undefined ? '' : `, ${r.snapshots} snapshots`
    process.stdout.write(`${r.blobs} blobs (${r.packs} packs), ${r.layers} layers, ${r.images} images${snaps} checked: ${r.problems.length === 0 ? 'no problems' : `${r.problems.length} problem(s)`}\n`)
    if (r.problems.length > 0) throw new StoreError(Codes.FSCK_FAILED, `fsck found ${r.problems.length} problem(s)`)
  },
})
