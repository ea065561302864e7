// One build as a user runs it (`store build --progress plain`, `docker build` with the legacy
// builder), timed from outside: the process's wall time, and every line of its output stamped
// with when it arrived. From those stamps, its steps: how long each took, whether it was
// cached, and for a step with output (a RUN) the time to its first line, the span of its
// output and the time after its last line (the command's silent end, then the layer being
// made). The bench process does nothing else while a build runs, so a stamp is within a
// millisecond or two of the write.

import { spawn } from 'node:child_process'

export interface Line {
  /** Milliseconds since the build process started. */
  at: number
  text: string
}

export interface Step {
  title: string
  cached: boolean
  ms: number
  /** For a step that printed output: to its first line, first to last line, after the last line. */
  output?: { toFirst: number; span: number; after: number }
}

export interface Build {
  ms: number
  lines: Line[]
  steps: Step[]
}

/** Runs `argv`, stamping each line of stdout and stderr; throws with the output's tail on failure. */
export async function stampedRun(argv: string[], env: Record<string, string> = {}): Promise<{ ms: number; lines: Line[] }> {
  const t0 = performance.now()
  const lines: Line[] = []
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const reader = () => {
    let partial = ''
    return (b: Buffer) => {
      const at = performance.now() - t0
      const parts = (partial + b.toString()).split('\n')
      partial = parts.pop()!
      for (const text of parts) lines.push({ at, text })
    }
  }
  child.stdout.on('data', reader())
  child.stderr.on('data', reader())
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  const ms = performance.now() - t0
  if (status !== 0) throw new Error(`${argv.join(' ')} exited ${status}:\n${lines.slice(-30).map((l) => l.text).join('\n')}`)
  return { ms, lines }
}

const span = (first: number, last: number, open: number, end: number) => ({ toFirst: first - open, span: last - first, after: end - last })

/** Steps of BuildKit's plain progress (`#3 [2/5] RUN …`, `#3 0.412 out`, `#3 DONE 1.2s`, `#3 CACHED`). */
export function plainSteps(lines: Line[]): Step[] {
  const open = new Map<number, { title: string; at: number; first?: number; last?: number }>()
  const steps: Step[] = []
  for (const { at, text } of lines) {
    const m = /^#(\d+) (.*)$/s.exec(text) // s: output lines may hold \r (dpkg, apt progress)
    if (!m) continue
    const id = Number(m[1])
    const s = open.get(id)
    if (!s) {
      open.set(id, { title: m[2], at })
      continue
    }
    if (/^\d+\.\d+ /.test(m[2])) {
      s.first ??= at
      s.last = at
    } else if (m[2] === 'CACHED' || m[2].startsWith('DONE ')) {
      const output = s.first !== undefined ? span(s.first, s.last!, s.at, at) : undefined
      steps.push({ title: s.title, cached: m[2] === 'CACHED', ms: at - s.at, output })
    }
  }
  return steps
}

/** Steps of the legacy builder (`Step 2/5 : RUN …`, ` ---> Running in …`, output, ` ---> <id>`). */
export function legacySteps(lines: Line[], end: number): Step[] {
  const steps: Step[] = []
  let cur: { title: string; at: number; cached: boolean; first?: number; last?: number } | undefined
  const close = (at: number) => {
    if (!cur) return
    const output = cur.first !== undefined ? span(cur.first, cur.last!, cur.at, at) : undefined
    steps.push({ title: cur.title.replace(/^Step \d+\/\d+ : /, ''), cached: cur.cached, ms: at - cur.at, output })
    cur = undefined
  }
  for (const { at, text } of lines) {
    if (/^Step \d+\/\d+ : /.test(text)) {
      close(at)
      cur = { title: text, at, cached: false }
    } else if (/^Successfully built /.test(text)) close(at)
    else if (!cur) continue
    else if (text === ' ---> Using cache') cur.cached = true
    else if (!/^ ---> |^Removing intermediate container /.test(text)) {
      cur.first ??= at
      cur.last = at
    }
  }
  close(end)
  return steps
}
