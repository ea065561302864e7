// End-to-end: `store events` (issue 15) from the store's event log: what the commands did, in
// order, in Docker's line format and through --filter and --format; --since/--until bound it
// (an --until in the past prints and ends, as Docker).

import { expect, test } from 'vitest'
import { store, storeIn } from '../_fixtures/cli.js'
import { storeOk, busyboxStore } from '../_fixtures/containers.js'

// Root, busybox: a printed reason to skip on a developer's machine, a failure under CI.
const bx = busyboxStore('store-e2e-events-')
const why = bx.why

const ok = (args: string[]) => storeOk(bx.root, args)

test.skipIf(why !== undefined)('events: the container lifecycle, images, volumes and networks, in order; filters and formats', async () => {
  const id = (await ok(['run', '-d', '--name', 'ev', '--network', 'none', 'busybox', 'sleep', '300'])).trim()
  await ok(['pause', 'ev'])
  await ok(['unpause', 'ev'])
  await ok(['rename', 'ev', 'ev2'])
  await ok(['kill', 'ev2'])
  await ok(['wait', 'ev2'])
  await ok(['rm', 'ev2'])
  await ok(['volume', 'create', 'evvol'])
  await ok(['volume', 'rm', 'evvol'])
  const net = (await ok(['network', 'create', 'evnet'])).trim()
  await ok(['network', 'rm', 'evnet'])
  await ok(['tag', 'busybox', 'evtag:1'])
  await ok(['rmi', 'evtag:1'])
  const until = String(Date.now() / 1000 + 1)
  const all = await ok(['events', '--since', '0', '--until', until, '--format', '{{.Type}} {{.Action}}'])
  expect(all).toBe(
    [
      'container create', 'container start', 'container pause', 'container unpause', 'container rename', 'container kill', 'container die', 'container destroy',
      'volume create', 'volume destroy', 'network create', 'network destroy', 'image tag', 'image untag', '',
    ].join('\n'),
  )
  const line = (await ok(['events', '--since', '0', '--until', until, '--filter', 'event=die'])).trim()
  expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container die ${id} \\(exitCode=137, image=busybox, name=ev2\\)$`))
  expect(await ok(['events', '--since', '0', '--until', until, '--filter', 'container=ev', '--filter', 'event=create', '--format', '{{.Actor.ID}}'])).toBe(`${id}\n`)
  expect(await ok(['events', '--since', '0', '--until', until, '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.ID}}'])).toBe(`create evnet ${net}\ndestroy evnet ${net}\n`)
  const json = JSON.parse((await ok(['events', '--since', '0', '--until', until, '--filter', 'event=kill', '--format', 'json'])).trim())
  expect(json).toMatchObject({ Type: 'container', Action: 'kill', status: 'kill', id, from: 'busybox', Actor: { ID: id, Attributes: { signal: '9', name: 'ev2' } } })
  const bad = await storeIn(bx.root, ['events', '--filter', 'bogus=1'])
  expect(bad.status).toBe(1)
  expect(bad.stderr).toBe("Error: invalid filter 'bogus'\n")
})
