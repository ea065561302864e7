// Errors of the Dockerfile front end. Helpers throw Fail with BuildKit's words; the caller
// that knows the line turns it into the one public shape:
//   StoreError(DOCKERFILE_PARSE, "dockerfile parse error on line N: <what>", { data: { line: N } })

import { Codes, StoreError, isStoreError } from '../../errors.js'

export class Fail extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message)
  }
}

export function parseError(line: number, what: string, hint?: string): StoreError {
  return new StoreError(Codes.DOCKERFILE_PARSE, `dockerfile parse error on line ${line}: ${what}`, {
    data: { line },
    hint,
  })
}

/** Re-throw `e` as a parse error at `line` (a StoreError from expand() keeps its text). */
export function atLine(line: number, e: unknown): never {
  if (e instanceof Fail) throw parseError(line, e.message, e.hint)
  if (isStoreError(e, Codes.DOCKERFILE_PARSE) && typeof e.data.line !== 'number') {
    throw parseError(line, e.message, e.hint)
  }
  throw e
}
