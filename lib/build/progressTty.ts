// The live build view on a terminal, like BuildKit's tty progress:
//   [+] Building 1.2s (3/5)
//    => CACHED [1/5] FROM busybox                                  0.0s
//    => [2/5] RUN make                                             0.4s
//    => => # the last few lines of the running step's output (dimmed)
// renderFrame() is a pure function from the state to the lines of one frame; TtyProgress keeps
// the state and redraws in place (cursor up, erase) at most every 100 ms. The last frame stays on
// screen; when the build fails, every output line of the failed step is printed under it, so
// nothing the command said is lost to the redraws.

import type { ProgressView, StepStatus } from './_progressView.js'

export interface StepState {
  id: number
  title: string
  status: StepStatus
  started: number
  ended?: number
  /** The command's output (kept while running, and for a failed step). */
  lines: string[]
  /** The step's own sub-lines ("writing image sha256:… done"). */
  notes: string[]
}

export interface BuildState {
  started: number
  /** Set when the build is over; `failed` tells how. */
  ended?: number
  failed?: boolean
  /** How many steps the build will show, when known up front. */
  total?: number
  steps: StepState[]
}

export interface FrameOptions {
  now: number
  /** Terminal columns: every line is cut to fit, so none wraps and breaks the cursor math. */
  width: number
  /** Output lines shown under a running step. */
  tail: number
  color: boolean
  /**
   * Terminal rows: a live frame keeps to rows - 1 lines (the cursor waits on the line below it;
   * a frame that scrolled could not be reached by cursor-up), dropping its oldest step lines.
   */
  height?: number
}

const RED = '\x1b[31m'
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'
/** Output lines keep at most this many lines per step (a failed step prints them all). */
const MAX_LINES = 10_000

const secs = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)}s`

/** What a terminal must not get from a command's output: escapes, carriage returns, controls. */
export function printable(s: string): string {
  // What a terminal would show: the text after the last carriage return that has text after it
  // (dpkg ends its lines with "\r\n": the line, not an empty one).
  const line = s.replace(/\r+$/, '')
  const afterCr = line.slice(line.lastIndexOf('\r') + 1)
  // eslint-disable-next-line no-control-regex
  return afterCr.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '').replace(/\t/g, '  ').replace(/[\x00-\x1f\x7f]/g, '')
}

function clip(s: string, width: number): string {
  const chars = [...s]
  return chars.length <= width ? s : chars.slice(0, Math.max(0, width - 1)).join('') + '…'
}

/** `left` and `right` on one line of `width` columns, `right` flush right. */
function row(left: string, right: string, width: number): string {
  const room = width - right.length - 1
  const l = clip(left, Math.max(room, 10))
  return l + ' '.repeat(Math.max(1, width - [...l].length - right.length)) + right
}

export function renderFrame(s: BuildState, o: FrameOptions): string[] {
  const now = s.ended ?? o.now
  const paint = (text: string, code: string) => (o.color && code ? `${code}${text}${RESET}` : text)
  const completed = s.steps.filter((x) => x.status !== 'running').length
  const total = Math.max(s.total ?? 0, s.steps.length)
  const head = `[+] Building ${secs(now - s.started)} (${completed}/${total})${s.ended !== undefined && !s.failed ? ' FINISHED' : ''}`
  const body: string[] = []
  for (const st of s.steps) {
    const mark = st.status === 'cached' ? 'CACHED ' : st.status === 'error' ? 'ERROR ' : ''
    const time = st.status === 'cached' ? '0.0s' : secs((st.ended ?? now) - st.started)
    body.push(paint(row(` => ${mark}${printable(st.title)}`, time, o.width), st.status === 'error' ? RED : ''))
    for (const n of st.notes) body.push(clip(` => => ${printable(n)}`, o.width))
    if (st.status === 'running' && o.tail > 0) {
      for (const l of st.lines.slice(-o.tail)) body.push(paint(clip(` => => # ${printable(l)}`, o.width), DIM))
    }
  }
  const room = o.height === undefined ? body.length : Math.max(0, o.height - 2)
  return [clip(head, o.width), ...body.slice(Math.max(0, body.length - room))]
}

/** The full output of each failed step, in BuildKit's box, printed once under the last frame. */
export function failedOutput(s: BuildState): string[] {
  const out: string[] = []
  for (const st of s.steps) {
    if (st.status !== 'error' || st.lines.length === 0) continue
    out.push('------', ` > ${st.title}:`, ...st.lines, '------')
  }
  return out
}

interface Terminal {
  write(s: string): boolean
  columns?: number
  rows?: number
}

export class TtyProgress implements ProgressView {
  private readonly state: BuildState
  private readonly byId = new Map<number, StepState>()
  private drawn = 0
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly out: Terminal,
    private readonly o: { color?: boolean; intervalMs?: number; tail?: number; clock?: () => number } = {},
  ) {
    this.state = { started: this.now(), steps: [] }
  }

  private now(): number {
    return (this.o.clock ?? Date.now)()
  }

  plan(total: number): void {
    this.state.total = total
  }

  open(id: number, title: string, at: number): void {
    const st: StepState = { id, title, status: 'running', started: at, lines: [], notes: [] }
    this.byId.set(id, st)
    this.state.steps.push(st)
    // The first step starts the redraws; unref: a pending redraw never keeps the process alive.
    this.timer ??= setInterval(() => this.draw(false), this.o.intervalMs ?? 100)
    this.timer.unref?.()
  }

  line(id: number, text: string, _at: number, kind: 'output' | 'note'): void {
    const st = this.byId.get(id)
    if (!st) return
    if (kind === 'note') st.notes.push(text.replace(/ done$/, ''))
    else if (st.lines.push(text) > MAX_LINES) st.lines.splice(0, st.lines.length - MAX_LINES)
  }

  close(id: number, status: Exclude<StepStatus, 'running'>, at: number): void {
    const st = this.byId.get(id)
    if (!st) return
    st.status = status
    st.ended = at
    if (status !== 'error') st.lines = [] // only a failed step's output is printed again
  }

  end(error?: unknown): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.state.steps.length === 0) return
    this.state.ended = this.now()
    this.state.failed = error !== undefined
    this.draw(true)
    const failed = failedOutput(this.state)
    if (failed.length > 0) this.out.write(failed.join('\n') + '\n')
  }

  private draw(final: boolean): void {
    const lines = renderFrame(this.state, {
      now: this.now(),
      width: Math.max(20, this.out.columns ?? 80),
      tail: this.o.tail ?? 6,
      color: this.o.color ?? true,
      height: final || !this.out.rows ? undefined : this.out.rows,
    })
    // Back to the first line of the previous frame, rewrite each line, erase what is left below.
    let s = '\r' + (this.drawn > 0 ? `\x1b[${this.drawn}A` : '')
    for (const l of lines) s += `\x1b[2K${l}\n`
    this.out.write(s + '\x1b[J')
    this.drawn = lines.length
  }
}
