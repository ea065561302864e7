// The progress line (cli/_progress.ts), on a stand-in terminal and clock: what it says, how
// often it redraws, and that it is silent in a pipe or with -q.

import { expect, test } from 'vitest'
import { dockerProgress, layerLines, progressLine, render } from '../../cli/_progress.js'

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

test("Docker's progress text: four digits, the count right-aligned in eight, a bar past 110 columns", () => {
  // As dockerd 20.10 drew them in a pty here: "Downloading  32.77kB/1.064MB", "Extracting     12MB/12MB".
  expect(dockerProgress(32768, 1_064_338, 80)).toBe(' 32.77kB/1.064MB')
  expect(dockerProgress(12e6, 12e6, 80)).toBe('    12MB/12MB')
  expect(dockerProgress(131072, 12e6, 80)).toBe(' 131.1kB/12MB')
  expect(dockerProgress(6e6, 12e6, 120)).toBe(`[${'='.repeat(25)}>${' '.repeat(25)}]      6MB/12MB`)
  expect(dockerProgress(13e6, 12e6, 80)).toBe('    13MB')
})

test("layer rows: each layer's line redrawn in place (up to it, cleared, back down), ten times a second per layer; other lines start anew", () => {
  const t = terminal()
  let clock = 0
  const view = layerLines(false, t.out, () => clock)
  view.status('1: Pulling from e2e/x')
  view.status('aaa: Pulling fs layer', 'aaa')
  view.status('bbb: Pulling fs layer', 'bbb')
  view.report({ label: 'Downloading', id: 'aaa', done: 0, total: 2000, unit: 'bytes' })
  clock = 50
  view.report({ label: 'Downloading', id: 'aaa', done: 1000, total: 2000, unit: 'bytes' }) // within 100 ms: not drawn
  view.report({ label: 'Downloading', id: 'bbb', done: 0, total: 10, unit: 'bytes' }) // its own clock
  view.report({ label: 'Downloading', id: 'aaa', done: 2000, total: 2000, unit: 'bytes' }) // the last count always
  view.status('aaa: Pull complete', 'aaa')
  view.status('Digest: sha256:x')
  view.status('ccc: Already exists', 'ccc')
  expect(t.written.join('')).toBe(
    '1: Pulling from e2e/x\n' +
      '\n\x1b[1A\x1b[2K\raaa: Pulling fs layer\r\x1b[1B' +
      '\n\x1b[1A\x1b[2K\rbbb: Pulling fs layer\r\x1b[1B' +
      '\x1b[2A\x1b[2K\raaa: Downloading       0B/2kB\r\x1b[2B' +
      '\x1b[1A\x1b[2K\rbbb: Downloading       0B/10B\r\x1b[1B' +
      '\x1b[2A\x1b[2K\raaa: Downloading      2kB/2kB\r\x1b[2B' +
      '\x1b[2A\x1b[2K\raaa: Pull complete\r\x1b[2B' +
      'Digest: sha256:x\n' +
      '\n\x1b[1A\x1b[2K\rccc: Already exists\r\x1b[1B',
  )
})

test('layer rows in a pipe: each status line once, no counts; with -q nothing', () => {
  const t = terminal(false)
  const view = layerLines(false, t.out, () => 0)
  view.status('aaa: Pulling fs layer', 'aaa')
  view.report({ label: 'Downloading', id: 'aaa', done: 1, total: 2, unit: 'bytes' })
  view.status('Digest: sha256:x')
  expect(t.written).toEqual(['aaa: Pulling fs layer\n', 'Digest: sha256:x\n'])
  const q = terminal()
  const quiet = layerLines(true, q.out, () => 0)
  quiet.status('aaa: Pulling fs layer', 'aaa')
  quiet.report({ label: 'Downloading', id: 'aaa', done: 1, total: 2, unit: 'bytes' })
  expect(q.written).toEqual([])
})
