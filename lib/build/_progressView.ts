// What a build progress view is told (progress.ts reports, progressTty.ts draws live).

export type StepStatus = 'running' | 'done' | 'cached' | 'error'

/** What a view is told. Times are milliseconds (Date.now()); `line` gets whole lines only. */
export interface ProgressView {
  /** How many steps the build will show, known before the first (a header's `(3/9)`). */
  plan?(total: number): void
  open(id: number, title: string, at: number): void
  /** A line of the step's command output, or a note of the step itself ("naming to x done"). */
  line(id: number, text: string, at: number, kind: 'output' | 'note'): void
  close(id: number, status: Exclude<StepStatus, 'running'>, at: number, message?: string): void
  /** The build is over (`error`: it failed); the view leaves its final state on screen. */
  end(error?: unknown): void
}
