// Build progress: the Progress reporter with the plain view (BuildKit's --progress=plain), the
// live view's pure renderer (renderFrame), and TtyProgress driven with a fake terminal and clock.

import { describe, expect, test } from 'vitest'
import { Progress, plainView, progressView } from '../../lib/build/progress.js'
import { TtyProgress, failedOutput, printable, renderFrame, type BuildState } from '../../lib/build/progressTty.js'

const enc = (s: string) => new TextEncoder().encode(s)
const strip = (s: string) => s.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')

describe('Progress with the plain view', () => {
  test('numbers steps, times output lines, joins partial writes and prints CACHED/DONE/ERROR', () => {
    let t = 1000
    const lines: string[] = []
    const p = new Progress(plainView((l) => lines.push(l)), () => t)
    const a = p.step('[1/3] FROM busybox')
    a.cached()
    const b = p.step('[2/3] RUN make')
    t = 1412
    b.output(enc('hel'))
    b.output(enc('lo\nwor'))
    t = 2200
    b.done()
    const c = p.step('exporting to image')
    c.note('naming to x:latest done')
    c.done()
    expect(lines).toEqual([
      '#1 [1/3] FROM busybox', '#1 CACHED\n',
      '#2 [2/3] RUN make', '#2 0.412 hello', '#2 1.200 wor', '#2 DONE 1.2s\n',
      '#3 exporting to image', '#3 naming to x:latest done', '#3 DONE 0.0s\n',
    ])
  })

  test('a UTF-8 character split across two writes arrives whole', () => {
    const lines: string[] = []
    const p = new Progress(plainView((l) => lines.push(l)), () => 0)
    const s = p.step('x')
    const bytes = enc('é\n')
    s.output(bytes.subarray(0, 1))
    s.output(bytes.subarray(1))
    expect(lines[1]).toBe('#1 0.000 é')
  })

  test('end(error) marks the step still open as the failed one, once', () => {
    const lines: string[] = []
    const p = new Progress(plainView((l) => lines.push(l)), () => 0)
    p.step('[1/2] FROM busybox').done()
    p.step('[2/2] COPY missing /m')
    p.end(new Error('"/missing": not found'))
    expect(lines.slice(-1)).toEqual(['#2 ERROR: "/missing": not found\n'])
  })

  test('--progress auto is plain on a stream that is not a terminal', () => {
    const out = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream
    expect(progressView('auto', out)).not.toBeInstanceOf(TtyProgress)
    expect(progressView('tty', out)).toBeInstanceOf(TtyProgress)
    expect(progressView('auto', { ...out, isTTY: true } as unknown as NodeJS.WriteStream)).toBeInstanceOf(TtyProgress)
  })
})

describe('renderFrame', () => {
  const state = (): BuildState => ({
    started: 0,
    steps: [
      { id: 1, title: '[1/3] FROM busybox', status: 'cached', started: 0, ended: 0, lines: [], notes: [] },
      { id: 2, title: '[2/3] RUN make', status: 'running', started: 100, lines: ['l1', 'l2', 'l3', 'l4'], notes: [] },
    ],
  })

  test('a header with time and done/known steps, a line per step with its time flush right, the tail of the running one', () => {
    const f = renderFrame(state(), { now: 1300, width: 40, tail: 2, color: false })
    expect(f).toEqual([
      '[+] Building 1.3s (1/2)',
      ' => CACHED [1/3] FROM busybox       0.0s',
      ' => [2/3] RUN make                  1.2s',
      ' => => # l3',
      ' => => # l4',
    ])
    expect(f.every((l) => l.length <= 40)).toBe(true)
  })

  test('the header counts the steps the build said it will show, not only those begun', () => {
    const s = { ...state(), total: 5 }
    expect(renderFrame(s, { now: 1300, width: 40, tail: 0, color: false })[0]).toBe('[+] Building 1.3s (1/5)')
    s.total = 1 // fewer planned than shown (ONBUILD triggers): never less than shown
    expect(renderFrame(s, { now: 1300, width: 40, tail: 0, color: false })[0]).toBe('[+] Building 1.3s (1/2)')
  })

  test('a finished build: FINISHED, ERROR marks, notes as sub-lines, no output tails', () => {
    const s = state()
    s.steps[1].status = 'done'
    s.steps[1].ended = 600
    s.steps.push({ id: 3, title: 'exporting to image', status: 'done', started: 600, ended: 700, lines: [], notes: ['naming to x:latest'] })
    s.ended = 700
    expect(renderFrame(s, { now: 99_999, width: 40, tail: 6, color: false })).toEqual([
      '[+] Building 0.7s (3/3) FINISHED',
      ' => CACHED [1/3] FROM busybox       0.0s',
      ' => [2/3] RUN make                  0.5s',
      ' => exporting to image              0.1s',
      ' => => naming to x:latest',
    ])
    s.steps[1].status = 'error'
    s.failed = true
    const f = renderFrame(s, { now: 0, width: 40, tail: 6, color: true })
    expect(f[0]).toBe('[+] Building 0.7s (3/3)')
    expect(f[2]).toBe('\x1b[31m => ERROR [2/3] RUN make            0.5s\x1b[0m')
  })

  test('long titles and output are cut to the width; escapes and carriage returns never reach the terminal', () => {
    const s = state()
    s.steps[1].title = `[2/3] RUN ${'x'.repeat(100)}`
    s.steps[1].lines = ['10%\r50%\r\x1b[1mbold\x1b[0m\tdone\x07']
    const f = renderFrame(s, { now: 200, width: 30, tail: 6, color: false })
    expect(f.map((l) => [...l].length).every((n) => n <= 30)).toBe(true)
    expect(f[2]).toMatch(/^ => \[2\/3\] RUN x+… 0\.1s$/)
    expect(f[3]).toBe(' => => # bold  done')
    expect(printable('a\x1b[2Kb')).toBe('ab')
    // dpkg's lines end in "\r\n": the line shows, not the nothing after its last \r.
    expect(printable('Unpacking libssl3:amd64 (3.0.20) ...\r')).toBe('Unpacking libssl3:amd64 (3.0.20) ...')
    expect(printable('(Reading database ... \r(Reading database ... 5%\r\r')).toBe('(Reading database ... 5%')
  })

  test('a live frame taller than the terminal keeps the header and the newest lines', () => {
    const s = state()
    for (let i = 3; i < 30; i++) s.steps.push({ id: i, title: `[${i}/30] RUN s${i}`, status: 'done', started: 0, ended: 1, lines: [], notes: [] })
    const f = renderFrame(s, { now: 0, width: 40, tail: 6, color: false, height: 10 })
    expect(f).toHaveLength(9)
    expect(f[0]).toMatch(/^\[\+\] Building/)
    expect(f[8]).toMatch(/RUN s29/)
  })

  test('failedOutput prints every line of each failed step in a box', () => {
    const s = state()
    s.steps[1].status = 'error'
    s.steps[1].lines = Array.from({ length: 20 }, (_, i) => `out ${i}`)
    expect(failedOutput(s)).toEqual(['------', ' > [2/3] RUN make:', ...s.steps[1].lines, '------'])
  })
})

describe('TtyProgress', () => {
  const terminal = () => {
    const writes: string[] = []
    return { writes, columns: 50, rows: 24, write: (s: string) => (writes.push(s), true) }
  }

  test('redraws in place, then leaves the final frame and a failed step\'s whole output', async () => {
    let t = 0
    const term = terminal()
    const p = new Progress(new TtyProgress(term, { color: false, intervalMs: 5, clock: () => t }), () => t)
    p.step('[1/2] FROM busybox').cached()
    const run = p.step('[2/2] RUN make')
    for (let i = 0; i < 10; i++) run.output(enc(`line ${i}\n`))
    t = 500
    await new Promise((r) => setTimeout(r, 30))
    const live = strip(term.writes.at(-1)!)
    expect(live).toContain(' => => # line 9')
    expect(live).not.toContain('line 3') // only the last 6
    run.error("The command 'make' returned a non-zero code: 2")
    p.end(new Error('failed'))
    const all = term.writes.join('')
    // Every frame after the first moves up over the previous one and erases below.
    expect(all).toMatch(/\x1b\[\d+A/)
    const final = strip(all.slice(all.lastIndexOf('[+] Building')))
    expect(final).toMatch(/^\[\+\] Building 0\.5s \(2\/2\)\n/)
    expect(final).toContain(' => CACHED [1/2] FROM busybox')
    expect(final).toContain(' => ERROR [2/2] RUN make')
    expect(final).toContain(['------', ' > [2/2] RUN make:', ...Array.from({ length: 10 }, (_, i) => `line ${i}`), '------'].join('\n'))
  })

  test('nothing is drawn for a build that ends before its first step', () => {
    const term = terminal()
    new Progress(new TtyProgress(term)).end(new Error('dockerfile parse error'))
    expect(term.writes).toEqual([])
  })
})
