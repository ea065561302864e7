import { expect } from 'vitest'
import { isStoreError, type StoreError } from '../../lib/errors.js'

/** The StoreError fn throws; fails the test when it returns or throws anything else. */
export function errorOf(fn: () => unknown): StoreError {
  try {
    fn()
  } catch (e) {
    if (isStoreError(e)) return e
    throw e
  }
  expect.fail('expected a StoreError, got a result')
}

export const CWD = '/home/user/project'
