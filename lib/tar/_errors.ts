// Tar errors carry where they happened: the byte offset of the block or entry at fault, and
// the entry's name once it is known. A bad archive is the user's input, so the exit is 1.

import { Codes, StoreError } from '../errors.js'

export interface Where {
  offset: number
  name?: string
}

function at(w: Where): string {
  return `at byte ${w.offset}${w.name === undefined ? '' : ` (entry "${w.name}")`}`
}

export function invalid(msg: string, w: Where): StoreError {
  return new StoreError(Codes.TAR_INVALID, `invalid tar archive: ${msg} ${at(w)}`, { data: { ...w } })
}

export function truncated(msg: string, w: Where): StoreError {
  return new StoreError(Codes.TAR_TRUNCATED, `truncated tar archive: ${msg} ${at(w)}`, { data: { ...w } })
}
