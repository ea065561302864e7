// `store events [--since T] [--until T] [--filter k=v] [--format F]`: what commands did, from the
// store's event log (lib/events.ts), in Docker's line format or a template; follows new events
// until --until (or Ctrl-C).

import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const eventsCommand = defineCommand({
  command: 'events',
  describe: 'Get real time events from the store',
  flags: {
    since: { type: 'string', describe: 'Show all events created since timestamp' },
    until: { type: 'string', describe: 'Stream events until this timestamp' },
    filter: { alias: 'f', type: 'string', array: true, nargs: 1, describe: 'Filter output based on conditions provided (type, event, container, image, network, volume)' },
    format: { type: 'string', describe: "Format output using a custom template: 'json' or a Go template" },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { events, eventLine } = await import('../../lib/index.js')
    const { renderTemplate } = await import('../_output.js')
    for await (const ev of events(store, { since: argv.since, until: argv.until, filters: argv.filter })) {
      const a = ev.Actor.Attributes
      // Docker's older top-level fields too (status, id, from), for templates written for them.
      const obj = { ...ev, status: ev.Action, id: ev.Actor.ID, from: a.image ?? '', Status: ev.Action, ID: ev.Actor.ID, From: a.image ?? '' }
      if (argv.format === 'json' || argv.format === '{{json .}}') process.stdout.write(JSON.stringify(obj) + '\n')
      else if (argv.format) process.stdout.write(renderTemplate(argv.format, obj) + '\n')
      else process.stdout.write(eventLine(ev) + '\n')
    }
  },
})
