// Exit statuses come from one table (cli/_exit.ts) with Docker's phase rule; the expectations are
// what Docker 28's CLI against dockerd 20.10 exited with on this machine for the same mistakes.

import { expect, test } from 'vitest'
import { commandOf, exitStatus } from '../../cli/_exit.js'
import { Codes, StoreError } from '../../lib/errors.js'

const e = (code: string, data?: Record<string, unknown>) => new StoreError(code, 'x', { data })

test('run and create: 125 for anything before the container runs (docker run --user nosuch, -w relative, a missing image)', () => {
  for (const code of [Codes.INVALID_ARGUMENT, Codes.IMAGE_NOT_FOUND, Codes.CONTAINER_NOT_FOUND, Codes.MOUNT_INVALID, Codes.IO_ERROR]) {
    expect(exitStatus(e(code), 'run')).toBe(125)
    expect(exitStatus(e(code), 'create')).toBe(125)
  }
})

test('other commands: 1 for what was asked and cannot be done (start, exec, rm, logs, stop of a missing container; rename to a bad name)', () => {
  for (const cmd of ['start', 'exec', 'rm', 'logs', 'stop', 'rename', 'network', 'volume', 'build', 'images']) {
    expect(exitStatus(e(Codes.CONTAINER_NOT_FOUND), cmd)).toBe(1)
    expect(exitStatus(e(Codes.INVALID_ARGUMENT), cmd)).toBe(1)
  }
})

test('the store\'s own faults are 125 from any command; a flag that does not parse is 125 (docker update -m bad); Ctrl-C 130', () => {
  for (const code of [Codes.BLOB_CORRUPT, Codes.IO_ERROR, Codes.LOCK_TIMEOUT, Codes.LAYOUT_TOO_NEW, Codes.STORAGE_FULL]) expect(exitStatus(e(code), 'images')).toBe(125)
  expect(exitStatus(e(Codes.INVALID_FLAG), 'update')).toBe(125)
  expect(exitStatus(e(Codes.CANCELED), 'build')).toBe(130)
  expect(exitStatus(e(Codes.EXEC_FAILED), 'exec')).toBe(126)
})

test('a command that could not start exits with its status (run -d of a missing executable: 127), whatever the command', () => {
  expect(exitStatus(e(Codes.COMMAND_FAILED, { status: 127 }), 'run')).toBe(127)
  expect(exitStatus(e(Codes.COMMAND_FAILED, { status: 126 }), 'start')).toBe(126)
})

test('commandOf: the command word after global flags and a management group', () => {
  expect(commandOf(['--root', '/r', 'run', '-d', 'busybox'])).toBe('run')
  expect(commandOf(['container', 'create', 'busybox'])).toBe('create')
  expect(commandOf(['--storage-driver=copy', 'image', 'rm', 'x'])).toBe('rm')
  expect(commandOf(['--root', '/r', 'volume', 'create', 'v'])).toBe('volume')
})
