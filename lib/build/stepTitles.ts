// Step titles as BuildKit numbers them (dockerfile2llb's prefixCommand): `[stage-1 2/5] RUN make`.
// Only the steps that change the file system are numbered — FROM an image (not scratch, not an
// earlier stage), RUN, COPY, ADD and WORKDIR — counted per stage, so the numbers have no gaps
// where ENV or LABEL stood. The stage's name (or `stage-<i>`) shows when the Dockerfile has more
// than one stage; the number is padded to the width of the total. Pure.

import type { Instruction } from './parser/index.js'

const NUMBERED = new Set<Instruction['kind']>(['RUN', 'COPY', 'ADD', 'WORKDIR'])

/** How many numbered steps a stage has: its FROM (`fromCounts`) and its RUN/COPY/ADD/WORKDIR. */
export function stageStepTotal(fromCounts: boolean, instructions: readonly Pick<Instruction, 'kind'>[]): number {
  return (fromCounts ? 1 : 0) + instructions.filter((i) => NUMBERED.has(i.kind)).length
}

/**
 * Titles for one stage's steps, numbered in the order they are asked for. `label`: the stage's
 * name, or undefined in a single-stage Dockerfile. A stage with no numbered step (FROM scratch
 * and only config) gets bare titles. A base image's ONBUILD trigger is numbered like any step
 * and says `ONBUILD` (it is not in the total, as in BuildKit).
 */
export function stepTitles(label: string | undefined, total: number): (text: string, onbuild?: boolean) => string {
  let n = 0
  const width = String(total).length
  return (text, onbuild = false) => {
    if (total === 0) return text
    const no = String(++n).padStart(width)
    return `[${label !== undefined ? `${label} ` : ''}${no}/${total}] ${onbuild ? 'ONBUILD ' : ''}${text}`
  }
}
