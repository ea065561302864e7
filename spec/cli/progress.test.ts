// The progress line (cli/_progress.ts), on a stand-in terminal and clock: what it says, how
// often it redraws, and that it is silent in a pipe or with -q.

import { expect, test } from 'vitest'
import { progressLine, render } from '../../cli/_progress.js'

function terminal(isTTY = true) {
  const written: string[] = []
  return { out: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written }
}

test('render: size of total, rate and ETA for bytes; a count for items; no rate before it means anything', () => {
  expect(render({ label: 'Loading', done: 50e6, total: 200e6, unit: 'bytes' }, 5)).toBe('Loading: 50MB / 200MB  10MB/s  ETA 15s')
  expect(render({ label: 'Importing', done: 3e6, unit: 'bytes' }, 2)).toBe('Importing: 3MB  1.5MB/s')
  expect(render({ label: 'Importing', done: 0, total: 10, unit: 'bytes' }, 0)).toBe('Importing: 0B / 10B')
  expect(render({ label: 'Checking', done: 40, total: 100, unit: 'items' }, 2)).toBe('Checking: 40 / 100 blobs  20/s  ETA 3s')
  expect(render({ label: 'Reading layer indexes', done: 3, total: 9, unit: 'items', noun: 'layers' }, 1)).toBe('Reading layer indexes: 3 / 9 layers  3/s  ETA 2s')
})

test('a line redrawn in place at most ten times a second, its first and last states always, cleared at the end', () => {
  const t = terminal()
  let clock = 0
  const line = progressLine(false, t.out, () => clock)
  const at = (ms: number, done: number) => {
    clock = ms
    line.report({ label: 'Saving', done, unit: 'bytes' })
  }
  at(0, 0)
  at(50, 1000) // within 100 ms of the last draw: not drawn
  at(300, 2000)
  at(330, 3000) // not drawn
  clock = 400
  line.end()
  expect(t.written).toEqual(['\r\x1b[2KSaving: 0B', '\r\x1b[2KSaving: 2kB  6.67kB/s', '\r\x1b[2KSaving: 3kB  7.5kB/s', '\r\x1b[2K'])
})

test('a new step (label or note) is drawn at once', () => {
  const t = terminal()
  const line = progressLine(false, t.out, () => 0)
  line.note('checking packs: 0 of 2')
  line.report({ label: 'Loading', done: 1, unit: 'bytes' })
  line.report({ label: 'Importing', done: 1, unit: 'bytes' })
  expect(t.written.length).toBe(3)
})

test('nothing in a pipe, nothing with -q, and end() of a line never drawn writes nothing', () => {
  for (const [quiet, tty] of [[false, false], [true, true]]) {
    const t = terminal(tty)
    const line = progressLine(quiet, t.out, () => 0)
    line.report({ label: 'Importing', done: 1, unit: 'bytes' })
    line.note('checked')
    line.end()
    expect(t.written).toEqual([])
  }
  const t = terminal()
  progressLine(false, t.out, () => 0).end()
  expect(t.written).toEqual([])
})
