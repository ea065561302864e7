// Build progress. The executor reports numbered steps ("vertices", as BuildKit calls them)
// through `Progress`; a view shows them: BuildKit's plain format (below), or the live terminal
// view of progressTty.ts. Plain, on stderr:
//   #3 [2/5] RUN apk add x
//   #3 0.412 output line
//   #3 DONE 1.2s          (or: #3 CACHED, #3 ERROR: …)

import { TtyProgress } from './progressTty.js'
import type { ProgressView, StepStatus } from './_progressView.js'

export type { ProgressView, StepStatus } from './_progressView.js'

export type ProgressSink = (line: string) => void

export type ProgressMode = 'auto' | 'plain' | 'tty'

export class Progress {
  private n = 0
  private readonly open = new Set<number>()

  constructor(private readonly view: ProgressView, private readonly clock: () => number = Date.now) {}

  /** The number of steps the build expects to show (triggers may add to it). */
  plan(total: number): void {
    this.view.plan?.(total)
  }

  step(title: string) {
    const id = ++this.n
    this.open.add(id)
    this.view.open(id, title, this.clock())
    let partial = ''
    const decoder = new TextDecoder()
    const flush = () => {
      if (partial) this.view.line(id, partial, this.clock(), 'output')
      partial = ''
    }
    const close = (status: Exclude<StepStatus, 'running'>, message?: string) => {
      if (!this.open.delete(id)) return
      flush()
      this.view.close(id, status, this.clock(), message)
    }
    return {
      output: (b: Uint8Array) => {
        const lines = (partial + decoder.decode(b, { stream: true })).split('\n')
        partial = lines.pop() ?? ''
        for (const l of lines) this.view.line(id, l, this.clock(), 'output')
      },
      note: (text: string) => this.view.line(id, text, this.clock(), 'note'),
      cached: () => close('cached'),
      done: () => close('done'),
      error: (msg: string) => close('error', msg),
    }
  }

  /** A note on the newest step still open: the one doing the work now. */
  noteCurrent(text: string): void {
    const id = [...this.open].pop()
    if (id !== undefined) this.view.line(id, text, this.clock(), 'note')
  }

  /** The build ended. On failure the newest step still open is the one that failed. */
  end(error?: unknown): void {
    if (error !== undefined) {
      const last = [...this.open].pop()
      if (last !== undefined) this.view.close(last, 'error', this.clock(), (error as Error)?.message ?? String(error))
    }
    this.open.clear()
    this.view.end(error)
  }
}

/** BuildKit's --progress=plain: one line per event, prefixed with the step's number. */
export function plainView(sink: ProgressSink): ProgressView {
  const started = new Map<number, number>()
  const secs = (id: number, at: number, digits: number) => ((at - (started.get(id) ?? at)) / 1000).toFixed(digits)
  return {
    open: (id, title, at) => {
      started.set(id, at)
      sink(`#${id} ${title}`)
    },
    line: (id, text, at, kind) => sink(kind === 'note' ? `#${id} ${text}` : `#${id} ${secs(id, at, 3)} ${text}`),
    close: (id, status, at, message) => {
      if (status === 'cached') sink(`#${id} CACHED\n`)
      else if (status === 'done') sink(`#${id} DONE ${secs(id, at, 1)}s\n`)
      else sink(`#${id} ERROR: ${message ?? ''}\n`)
    },
    end: () => {},
  }
}

export const silentView: ProgressView = { open: () => {}, line: () => {}, close: () => {}, end: () => {} }

/** `--progress`: auto is the live view when `out` is a terminal, plain otherwise; `color` unless NO_COLOR (the caller's to read). */
export function progressView(mode: ProgressMode, out: NodeJS.WriteStream, color = true): ProgressView {
  if (mode === 'tty' || (mode === 'auto' && out.isTTY)) return new TtyProgress(out, { color })
  return plainView((line) => out.write(line + '\n'))
}
