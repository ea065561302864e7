// End-to-end: `store events` (issue 15) from the store's event log: what the commands did, in
// order, in Docker's line format and through --filter and --format; --since/--until bound it
// (an --until in the past prints and ends, as Docker).

import { expect, test } from 'vitest'
import { join } from 'node:path'
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
      'image tag', 'image import', // beforeAll's import of busybox
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

test.skipIf(why !== undefined)('events: import, load, save, export, commit and build say what Docker says, in order', async () => {
  const since = String(Date.now() / 1000)
  const img = (await ok(['inspect', '--format', '{{.Id}}', 'busybox'])).trim()
  await ok(['save', '-o', join(bx.dir, 'ev.tar'), 'busybox'])
  await ok(['load', '-i', join(bx.dir, 'ev.tar')])
  await ok(['run', '--name', 'ev3', '--network', 'none', 'busybox', 'true'])
  await ok(['export', '-o', join(bx.dir, 'ev3.tar'), 'ev3'])
  const imported = (await ok(['import', join(bx.dir, 'ev3.tar'), 'evi:1'])).trim()
  const committed = (await ok(['commit', '-m', 'note', 'ev3', 'evc:1'])).trim()
  const built = await storeIn(bx.root, ['build', '-q', '-t', 'evb:1', '-'], { input: 'FROM busybox\nLABEL a=b\n' })
  expect(built.status, built.stderr).toBe(0)
  const until = String(Date.now() / 1000 + 1)
  const events = await ok(['events', '--since', since, '--until', until, ...['tag', 'import', 'load', 'save', 'commit', 'export'].flatMap((e) => ['--filter', `event=${e}`]), '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}'])
  const cid = (await ok(['inspect', '--format', '{{.Id}}', 'ev3'])).trim()
  expect(events.split('\n')).toEqual([
    `image save ${img} {"name":"${img}"}`,
    `image load ${img} {"name":"${img}"}`,
    `container export ${cid} {"image":"busybox","name":"ev3"}`,
    `image tag ${imported} {"name":"evi:1"}`,
    `image import ${imported} {"name":"${imported}"}`,
    `image tag ${committed} {"name":"evc:1"}`,
    `container commit ${cid} {"comment":"note","image":"busybox","imageID":"${committed}","imageRef":"evc:1","name":"ev3"}`,
    `image tag ${built.stdout.trim()} {"name":"evb:1"}`,
    '',
  ])
})
