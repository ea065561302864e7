// Step numbering as BuildKit's dockerfile2llb does it: per stage, only FROM an image and
// RUN/COPY/ADD/WORKDIR, the stage's name only in a multi-stage Dockerfile, padded numbers.

import { describe, expect, test } from 'vitest'
import { stageStepTotal, stepTitles } from '../../lib/build/stepTitles.js'

const kinds = (...k: string[]) => k.map((kind) => ({ kind }) as { kind: 'RUN' })

describe('stageStepTotal', () => {
  test('counts FROM an image and the instructions that change the file system, nothing else', () => {
    expect(stageStepTotal(true, kinds('ENV', 'RUN', 'LABEL', 'COPY', 'ADD', 'WORKDIR', 'CMD', 'USER', 'ARG'))).toBe(5)
    expect(stageStepTotal(false, kinds('ENV', 'RUN'))).toBe(1)
    expect(stageStepTotal(false, kinds('ENV', 'CMD'))).toBe(0)
  })
})

describe('stepTitles', () => {
  test('numbers without gaps in the order asked, the label first when there is one', () => {
    const t = stepTitles(undefined, 3)
    expect([t('FROM busybox'), t('RUN a'), t('COPY x /x')]).toEqual(['[1/3] FROM busybox', '[2/3] RUN a', '[3/3] COPY x /x'])
    const s = stepTitles('builder', 2)
    expect([s('FROM busybox'), s('RUN make')]).toEqual(['[builder 1/2] FROM busybox', '[builder 2/2] RUN make'])
  })

  test('pads the number to the width of the total, as BuildKit\'s %*d', () => {
    const t = stepTitles('stage-1', 10)
    expect(t('FROM busybox')).toBe('[stage-1  1/10] FROM busybox')
    for (let i = 2; i < 10; i++) t('RUN x')
    expect(t('RUN last')).toBe('[stage-1 10/10] RUN last')
  })

  test('an ONBUILD trigger says so; a stage with no numbered step gets bare titles', () => {
    expect(stepTitles(undefined, 2)('RUN echo hi', true)).toBe('[1/2] ONBUILD RUN echo hi')
    expect(stepTitles(undefined, 0)('RUN x')).toBe('RUN x')
  })
})
