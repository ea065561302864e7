// `store events [--since T] [--until T] [--filter k=v] [--format F]`: what commands did, from the
// store's event log (lib/events.ts), in Docker's line format or a template; follows new events
// until --until (or Ctrl-C).

import type { CommandModule } from 'yargs'
import { getStore, type GlobalArgs } from '../_context.js'

interface Args extends GlobalArgs {
  since?: string
  until?: string
  filter?: string[]
  format?: string
}

export const eventsCommand: CommandModule<object, Args> = {
  command: 'events',
  describe: 'Get real time events from the store',
  builder: (y) =>
    y
      .option('since', { type: 'string', describe: 'Show all events created since timestamp' })
      .option('until', { type: 'string', describe: 'Stream events until this timestamp' })
      .option('filter', { alias: 'f', type: 'string', array: true, nargs: 1, describe: 'Filter output based on conditions provided (type, event, container, image, network, volume)' })
      .option('format', { type: 'string', describe: "Format output using a custom template: 'json' or a Go template" }),
  handler: async (argv) => {
    const { parseFilters, untilTime } = await import('../../lib/filters.js')
    const f = parseFilters(argv.filter, ['type', 'event', 'container', 'image', 'network', 'volume'])
    const store = await getStore(argv)
    const { readEvents, eventLine } = await import('../../lib/events.js')
    const { renderTemplate } = await import('../_output.js')
    const now = new Date()
    const since = argv.since === undefined ? now.getTime() : untilTime(argv.since, now)
    const until = argv.until === undefined ? undefined : untilTime(argv.until, now)
    const has = (k: string, ...vals: (string | undefined)[]) => !f.has(k) || f.get(k)!.some((v) => vals.some((x) => x !== undefined && (x === v || (k !== 'type' && k !== 'event' && x.startsWith(v) && v.length >= 12))))
    for await (const ev of readEvents(store.layout, since, until, until === undefined || until > now.getTime())) {
      const a = ev.Actor.Attributes
      if (!has('type', ev.Type) || !has('event', ev.Action)) continue
      if (f.has('container') && (ev.Type !== 'container' || !has('container', ev.Actor.ID, a.name))) continue
      if (f.has('image') && !has('image', a.image, ev.Type === 'image' ? ev.Actor.ID : undefined, ev.Type === 'image' ? a.name : undefined)) continue
      if (f.has('network') && (ev.Type !== 'network' || !has('network', ev.Actor.ID, a.name))) continue
      if (f.has('volume') && (ev.Type !== 'volume' || !has('volume', ev.Actor.ID))) continue
      // Docker's older top-level fields too (status, id, from), for templates written for them.
      const obj = { ...ev, status: ev.Action, id: ev.Actor.ID, from: a.image ?? '', Status: ev.Action, ID: ev.Actor.ID, From: a.image ?? '' }
      if (argv.format === 'json' || argv.format === '{{json .}}') process.stdout.write(JSON.stringify(obj) + '\n')
      else if (argv.format) process.stdout.write(renderTemplate(argv.format, obj) + '\n')
      else process.stdout.write(eventLine(ev) + '\n')
    }
  },
}
