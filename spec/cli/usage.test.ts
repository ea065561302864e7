// Command-line mistakes in Docker CLI 28's words (taken from `docker` itself on this machine):
// the first line, the usage line, where help is, and the exit status.

import { describe, expect, test } from 'vitest'
import { usageError, usageLine } from '../../cli/_usage.js'

const at = (commands: string[], full: string[] = commands) => ({ commands, full })

describe('usageLine', () => {
  test("a command's positionals as Docker writes them", () => {
    expect(usageLine(at(['logs'], ['logs <container>']))).toBe('store logs [OPTIONS] CONTAINER')
    expect(usageLine(at(['rm'], ['rm <containers..>']))).toBe('store rm [OPTIONS] CONTAINER [CONTAINER...]')
    expect(usageLine(at(['images'], ['images [repository]']))).toBe('store images [OPTIONS] [REPOSITORY]')
    expect(usageLine(at(['system', 'df']))).toBe('store system df [OPTIONS]')
    expect(usageLine(at(['image']))).toBe('store image')
  })
})

describe('usageError', () => {
  test('an unknown flag, long or short, is 125 with the usage line', () => {
    expect(usageError('Unknown argument: bogus', at(['ps']), ['ps', '--bogus'])).toEqual({
      text: "unknown flag: --bogus\n\nUsage:  store ps [OPTIONS]\n\nRun 'store ps --help' for more information",
      exit: 125,
    })
    expect(usageError('Unknown argument: z', at(['ps']), ['ps', '-az']).text.split('\n')[0]).toBe("unknown shorthand flag: 'z' in -az")
    expect(usageError('Unknown argument: bogus', at(['system', 'df']), ['system', 'df', '--bogus=1']).exit).toBe(125)
  })

  test('an unknown command, at the top or in a group, is 1', () => {
    expect(usageError('Unknown arguments: frobnicate, db', at([]), ['frobnicate', 'db'])).toEqual({
      text: "store: unknown command: store frobnicate\n\nRun 'store --help' for more information",
      exit: 1,
    })
    expect(usageError('Unknown argument: lss', at(['image']), ['image', 'lss']).text).toBe(
      "store: unknown command: store image lss\n\nUsage:  store image\n\nRun 'store image --help' for more information",
    )
  })

  test('arguments missing or too many: exactly, at least, none', () => {
    expect(usageError('Not enough non-option arguments: got 0, need at least 1', at(['logs'], ['logs <container>']), ['logs']).text.split('\n')[0]).toBe("store: 'store logs' requires 1 argument")
    const rm = usageError('Not enough non-option arguments: got 0, need at least 1', at(['rm'], ['rm <containers..>']), ['rm'])
    expect(rm.text).toBe("store: 'store rm' requires at least 1 argument\n\nUsage:  store rm [OPTIONS] CONTAINER [CONTAINER...]\n\nSee 'store rm --help' for more information")
    expect(usageError('Not enough non-option arguments: got 1, need at least 2', at(['tag'], ['tag <source> <target>']), ['tag', 'x']).text.split('\n')[0]).toBe("store: 'store tag' requires 2 arguments")
    expect(usageError('Unknown argument: extra', at(['ps']), ['ps', 'extra'])).toMatchObject({ exit: 1 })
    expect(usageError('Unknown argument: extra', at(['ps']), ['ps', 'extra']).text.split('\n')[0]).toBe("store: 'store ps' accepts no arguments")
  })

  test('a flag found unknown before yargs (run, create, exec) gets the same tail', () => {
    expect(usageError('unknown flag: --bogus', at(['run'], ['run <image> [command..]']), [])).toEqual({
      text: "unknown flag: --bogus\n\nUsage:  store run [OPTIONS] IMAGE [COMMAND...]\n\nRun 'store run --help' for more information",
      exit: 125,
    })
  })
})
