// Build progress in BuildKit's plain format (stderr), one numbered vertex per step:
//   #3 [2/5] RUN apk add x
//   #3 0.412 output line
//   #3 DONE 1.2s          (or: #3 CACHED, #3 ERROR: …)

export type ProgressSink = (line: string) => void

export class Progress {
  private n = 0
  private readonly started = Date.now()

  constructor(private readonly sink: ProgressSink) {}

  step(title: string) {
    const id = ++this.n
    const t0 = Date.now()
    let partial = ''
    this.sink(`#${id} ${title}`)
    return {
      output: (b: Uint8Array) => {
        const text = partial + new TextDecoder().decode(b)
        const lines = text.split('\n')
        partial = lines.pop() ?? ''
        const at = ((Date.now() - t0) / 1000).toFixed(3)
        for (const l of lines) this.sink(`#${id} ${at} ${l}`)
      },
      cached: () => this.sink(`#${id} CACHED\n`),
      done: () => {
        if (partial) this.sink(`#${id} ${((Date.now() - t0) / 1000).toFixed(3)} ${partial}`)
        this.sink(`#${id} DONE ${((Date.now() - t0) / 1000).toFixed(1)}s\n`)
      },
      error: (msg: string) => this.sink(`#${id} ERROR: ${msg}\n`),
    }
  }

  elapsed(): number {
    return (Date.now() - this.started) / 1000
  }
}
