// Helpers for `store build` specs: a project folder from a name -> text map, and the build's
// progress (BuildKit's plain format on stderr) read back as steps.

import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Write `files` (relative path -> content) under `dir` (created). Returns `dir`. */
export function writeProject(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

export interface ProgressStep {
  /** What follows `#N `: `[2/5] RUN echo hi`, `exporting to image`, … */
  title: string
  status: 'CACHED' | 'DONE' | 'ERROR' | 'OPEN'
  /** The step's own output lines (the command's stdout/stderr), without the timestamps. */
  output: string[]
}

/** Steps of a build's plain progress, in order of first appearance. */
export function progressSteps(stderr: string): ProgressStep[] {
  const steps = new Map<string, ProgressStep>()
  for (const line of stderr.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line)
    if (!m) continue
    const [, id, rest] = m
    const s = steps.get(id)
    if (!s) steps.set(id, { title: rest, status: 'OPEN', output: [] })
    else if (rest === 'CACHED') s.status = 'CACHED'
    else if (/^DONE \d/.test(rest)) s.status = 'DONE'
    else if (rest.startsWith('ERROR')) s.status = 'ERROR'
    else s.output.push(rest.replace(/^\d+\.\d+ /, ''))
  }
  return [...steps.values()]
}

/** The status of the first step whose instruction (after `[i/n] `) starts with `prefix`. */
export function stepStatus(stderr: string, prefix: string): ProgressStep['status'] | undefined {
  return progressSteps(stderr).find((s) => s.title.replace(/^\[[^\]]*\] /, '').startsWith(prefix))?.status
}

/** Paths in the newest layer of an image saved by `store save -o archive` (what it really holds). */
export function newestLayerEntries(archive: string): string[] {
  const layer = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }))[0].Layers.at(-1)
  return execFileSync('sh', ['-c', 'tar -xOf "$1" "$2" | tar -t', 'sh', archive, layer], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
}
