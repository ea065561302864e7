import type { CommandModule } from 'yargs'
import { groupCommand } from '../_group.js'
import { getStore, type GlobalArgs } from '../_context.js'

const kv = (list: string[] = []) => Object.fromEntries(list.map((s) => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, ''])))

const create: CommandModule<object, GlobalArgs & { name?: string; label?: string[]; opt?: string[]; driver?: string }> = {
  command: 'create [name]',
  describe: 'Create a volume',
  builder: (y) =>
    y
      .positional('name', { type: 'string' })
      // nargs: 1, or the greedy yargs array swallows the positionals that follow (see run.ts)
      .option('label', { type: 'string', array: true, nargs: 1, describe: 'Set metadata for a volume' })
      .option('opt', { alias: 'o', type: 'string', array: true, nargs: 1, describe: 'Set driver specific options' })
      .option('driver', { alias: 'd', type: 'string', default: 'local', describe: 'Specify volume driver name' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { volumeStore } = await import('../../lib/container/volumes.js')
    const v = await volumeStore(store).create(argv.name, { labels: kv(argv.label), opts: kv(argv.opt), driver: argv.driver })
    const { emit } = await import('../../lib/events.js')
    await emit(store.layout, 'volume', 'create', v.Name, { driver: v.Driver })
    process.stdout.write(`${v.Name}\n`)
  },
}

const ls: CommandModule<object, GlobalArgs & { quiet?: boolean; format?: string; filter?: string[] }> = {
  command: 'ls',
  describe: 'List volumes',
  builder: (y) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only display volume names' })
      .option('format', { type: 'string', describe: "Format output: 'table', 'json', or a Go-style template" })
      .option('filter', { alias: 'f', type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'dangling=true')" }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { volumeStore, volumeUsers } = await import('../../lib/container/volumes.js')
    const { printFormatted } = await import('../_output.js')
    // Docker's volume filters (lib/filters.ts): dangling, name (a regular expression found in
    // the name), label (key or key=value, all must hold), driver.
    const { boolFilter, matchLabels, matches, parseFilters } = await import('../../lib/filters.js')
    const f = parseFilters(argv.filter, ['dangling', 'name', 'label', 'driver'])
    const dangling = boolFilter(f, 'dangling')
    const users = await volumeUsers(store)
    const list = (await volumeStore(store).list()).filter(
      (x) =>
        (dangling === undefined || ((users.get(x.Name)?.length ?? 0) === 0) === dangling) &&
        matches(f, 'name', x.Name) && matchLabels(f, x.Labels) && (!f.has('driver') || f.get('driver')!.includes(x.Driver)),
    )
    if (argv.quiet) {
      for (const v of list) process.stdout.write(v.Name + '\n')
      return
    }
    printFormatted(argv.format, ['DRIVER', 'VOLUME NAME'], list.map((v) => [v.Driver, v.Name]),
      list.map((v) => ({ Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Labels: Object.entries(v.Labels).map(([a, b]) => `${a}=${b}`).join(','), Scope: v.Scope, Links: 'N/A', Size: 'N/A' })), { Name: 'VOLUME NAME' })
  },
}

const inspect: CommandModule<object, GlobalArgs & { names: string[]; format?: string }> = {
  command: 'inspect <names..>',
  describe: 'Display detailed information on one or more volumes',
  builder: (y) => y.positional('names', { type: 'string', array: true, demandOption: true }).option('format', { alias: 'f', type: 'string' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { volumeStore } = await import('../../lib/container/volumes.js')
    const { renderTemplate } = await import('../_output.js')
    const out = []
    for (const n of argv.names) out.push(await volumeStore(store).inspect(n))
    if (argv.format) for (const o of out) process.stdout.write(renderTemplate(argv.format, o) + '\n')
    else process.stdout.write(JSON.stringify(out, null, 4) + '\n')
  },
}

const rm: CommandModule<object, GlobalArgs & { names: string[]; force?: boolean }> = {
  command: 'rm <names..>',
  describe: 'Remove one or more volumes',
  builder: (y) => y.positional('names', { type: 'string', array: true, demandOption: true }).option('force', { alias: 'f', type: 'boolean', describe: 'Force the removal of one or more volumes' }),
  handler: async (argv) => {
    const store = await getStore(argv)
    const { removeVolume } = await import('../../lib/container/volumes.js')
    let failed = false
    for (const n of argv.names) {
      try {
        await removeVolume(store, n, false)
        const { emit } = await import('../../lib/events.js')
        await emit(store.layout, 'volume', 'destroy', n, { driver: 'local' })
        process.stdout.write(`${n}\n`)
      } catch (e: any) {
        if (argv.force && e?.code === 'VOLUME_NOT_FOUND') continue
        failed = true
        process.stderr.write(`Error response from daemon: ${e.message}\n`.replace(/^Error response from daemon: /, 'Error: '))
      }
    }
    if (failed) process.exitCode = 1
  },
}

const prune: CommandModule<object, GlobalArgs & { all?: boolean; force?: boolean; filter?: string[] }> = {
  command: 'prune',
  describe: 'Remove unused local volumes (anonymous ones unless -a)',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused volumes, not just anonymous ones' })
      .option('filter', { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'label=<label>')" })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' }),
  handler: async (argv) => {
    const { parseFilters } = await import('../../lib/filters.js')
    const filters = parseFilters(argv.filter, ['label', 'label!', 'all'])
    if (filters.has('all')) argv.all = ['true', '1'].includes(filters.get('all')!.at(-1)!.toLowerCase())
    filters.delete('all')
    const { confirm } = await import('../_prompt.js')
    if (!argv.force && !(await confirm(`WARNING! This will remove ${argv.all ? 'all' : 'anonymous'} local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] `))) return
    const store = await getStore(argv)
    const { pruneVolumes } = await import('../../lib/container/volumes.js')
    const { humanSize } = await import('../../lib/units.js')
    const r = await pruneVolumes(store, !!argv.all, filters)
    if (r.names.length) process.stdout.write(`Deleted Volumes:\n${r.names.join('\n')}\n\n`)
    process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed, 4)}\n`)
  },
}

export const volumeCommand = groupCommand('volume', 'Manage volumes: create, ls, inspect, rm, prune', [create, ls, inspect, rm, prune])
