import { defineCommand } from '../_command.js'
import { groupCommand } from '../_group.js'
import { getStore } from '../_context.js'

const kv = (list: string[] = []) => Object.fromEntries(list.map((s) => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, ''])))

const create = defineCommand({
  command: 'create [name]',
  describe: 'Create a volume',
  positionals: { name: { type: 'string' } },
  flags: {
    // nargs: 1, or the greedy yargs array swallows the positionals that follow (see run.ts)
    label: { type: 'string', array: true, nargs: 1, describe: 'Set metadata for a volume' },
    opt: { alias: 'o', type: 'string', array: true, nargs: 1, describe: 'Set driver specific options' },
    driver: { alias: 'd', type: 'string', default: 'local', describe: 'Specify volume driver name' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { createVolume } = await import('../../lib/index.js')
    const v = await createVolume(store, argv.name, { labels: kv(argv.label), opts: kv(argv.opt), driver: argv.driver })
    process.stdout.write(`${v.Name}\n`)
  },
})

const ls = defineCommand({
  command: 'ls',
  describe: 'List volumes',
  flags: {
    quiet: { alias: 'q', type: 'boolean', describe: 'Only display volume names' },
    format: { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" },
    filter: { alias: 'f', type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'dangling=true')" },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { listVolumes } = await import('../../lib/index.js')
    const { printFormatted } = await import('../_output.js')
    const list = await listVolumes(store, { filters: argv.filter })
    if (argv.quiet) {
      for (const v of list) process.stdout.write(v.Name + '\n')
      return
    }
    printFormatted(argv.format, ['DRIVER', 'VOLUME NAME'], list.map((v) => [v.Driver, v.Name]),
      list.map((v) => ({ Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Labels: Object.entries(v.Labels).map(([a, b]) => `${a}=${b}`).join(','), Scope: v.Scope, Links: 'N/A', Size: 'N/A' })), { Name: 'VOLUME NAME' })
  },
})

const names = { names: { type: 'string', array: true, demandOption: true } } as const

const inspect = defineCommand({
  command: 'inspect <names..>',
  describe: 'Display detailed information on one or more volumes',
  positionals: names,
  flags: { format: { alias: 'f', type: 'string' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { inspectVolume } = await import('../../lib/index.js')
    const { renderTemplate } = await import('../_output.js')
    const out = []
    for (const n of argv.names) out.push(await inspectVolume(store, n))
    if (argv.format) for (const o of out) process.stdout.write(renderTemplate(argv.format, o) + '\n')
    else process.stdout.write(JSON.stringify(out, null, 4) + '\n')
  },
})

const rm = defineCommand({
  command: 'rm <names..>',
  describe: 'Remove one or more volumes',
  positionals: names,
  flags: { force: { alias: 'f', type: 'boolean', describe: 'Force the removal of one or more volumes' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { removeVolume } = await import('../../lib/index.js')
    let failed = false
    for (const n of argv.names) {
      try {
        await removeVolume(store, n)
        process.stdout.write(`${n}\n`)
      } catch (e: any) {
        if (argv.force && e?.code === 'VOLUME_NOT_FOUND') continue
        failed = true
        process.stderr.write(`Error response from daemon: ${e.message}\n`.replace(/^Error response from daemon: /, 'Error: '))
      }
    }
    if (failed) process.exitCode = 1
  },
})

const prune = defineCommand({
  command: 'prune',
  describe: 'Remove unused local volumes (anonymous ones unless -a)',
  flags: {
    all: { alias: 'a', type: 'boolean', describe: 'Remove all unused volumes, not just anonymous ones' },
    filter: { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'label=<label>')" },
    force: { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' },
  },
  handler: async (argv) => {
    // The filters are checked before the prompt, which names what `all` (flag or filter) removes.
    const { parseFilters } = await import('../../lib/index.js')
    const filters = parseFilters(argv.filter, ['label', 'label!', 'all'])
    const all = filters.has('all') ? ['true', '1'].includes(filters.get('all')!.at(-1)!.toLowerCase()) : !!argv.all
    const { confirm } = await import('../_prompt.js')
    if (!argv.force && !(await confirm(`WARNING! This will remove ${all ? 'all' : 'anonymous'} local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] `))) return
    const store = await getStore(argv)
    const { pruneVolumes } = await import('../../lib/index.js')
    const { humanSize } = await import('../../lib/index.js')
    const r = await pruneVolumes(store, { all: argv.all, filters: argv.filter })
    if (r.names.length) process.stdout.write(`Deleted Volumes:\n${r.names.join('\n')}\n\n`)
    process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
})

export const volumeCommand = groupCommand('volume', 'Manage volumes: create, ls, inspect, rm, prune', [create, ls, inspect, rm, prune])
