// Shared helpers for the parser specs.

import { expect } from 'vitest'
import { Codes, isStoreError } from '../../../lib/errors.js'
import { parseDockerfile, type Instruction } from '../../../lib/build/parser/index.js'

/** Parse `body` after a `FROM scratch` line and return its first instruction. */
export function one(body: string): Instruction {
  const df = parseDockerfile(`FROM scratch\n${body}`)
  expect(df.stages[0].instructions.length).toBeGreaterThan(0)
  return df.stages[0].instructions[0]
}

/** The StoreError a function throws; fails the test when it returns. */
export function thrown(fn: () => unknown): { message: string; line: unknown; code: string; hint?: string } {
  try {
    fn()
  } catch (e) {
    if (!isStoreError(e)) throw e
    return { message: e.message, line: e.data.line, code: e.code, hint: e.hint }
  }
  throw new Error('expected an error')
}

/** Expect a Dockerfile parse error with `what` at `line`. */
export function expectParseError(text: string, line: number, what: string): void {
  const e = thrown(() => parseDockerfile(text))
  expect(e.code).toBe(Codes.DOCKERFILE_PARSE)
  expect(e.message).toBe(`dockerfile parse error on line ${line}: ${what}`)
  expect(e.line).toBe(line)
}
