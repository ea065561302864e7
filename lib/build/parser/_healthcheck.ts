// HEALTHCHECK [--interval=… --timeout=… --start-period=… --start-interval=… --retries=…] CMD …
// and HEALTHCHECK NONE. Durations become nanoseconds, as the OCI/Docker config stores them.

import { Fail } from './_fail.js'
import { parseFlags } from './_flags.js'
import { parseGoDuration } from './_duration.js'
import { goQuote, isSpaceCode } from './_text.js'
import { maybeJson } from './_words.js'
import type { BuildCtx } from './_commands.js'
import type { HealthcheckInstruction } from './types.js'

const MIN_DURATION = 1e6 // container.MinimumDuration: 1ms

function interval(name: string, value: string | undefined): number {
  if (value === undefined || value === '') return 0
  const d = parseGoDuration(value)
  if (d === 0) return 0
  if (d < MIN_DURATION) throw new Fail(`Interval ${goQuote(name)} cannot be less than 1ms`)
  return d
}

function retries(value: string | undefined): number {
  if (value === undefined || value === '') return 0
  if (!/^[+-]?\d+$/.test(value)) throw new Fail(`strconv.ParseInt: parsing ${goQuote(value)}: invalid syntax`)
  const n = Number(value)
  if (n > 2147483647 || n < -2147483648) throw new Fail(`strconv.ParseInt: parsing ${goQuote(value)}: value out of range`)
  if (n < 0) throw new Fail(`--retries cannot be negative (${n})`)
  return n
}

export function buildHealthcheck({ split, base }: BuildCtx): HealthcheckInstruction {
  const rest = split.args
  let sep = 0
  while (sep < rest.length && !isSpaceCode(rest.charCodeAt(sep))) sep++
  if (sep === 0) throw new Fail('HEALTHCHECK requires at least one argument')
  let next = sep
  while (next < rest.length && isSpaceCode(rest.charCodeAt(next))) next++
  const typ = rest.slice(0, sep).toUpperCase()
  const { json, args } = maybeJson(rest.slice(next))
  const none: HealthcheckInstruction = {
    ...base, kind: 'HEALTHCHECK', test: ['NONE'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0,
  }
  if (typ === 'NONE') {
    // BuildKit does not look at the flags of HEALTHCHECK NONE.
    if (args.length !== 0) throw new Fail('HEALTHCHECK NONE takes no arguments')
    return none
  }
  const f = parseFlags(base.flags, {
    interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string',
  })
  if (typ !== 'CMD') throw new Fail(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`)
  const cmd = json ? args : [args.join(' ')]
  if (cmd.length === 0) throw new Fail('Missing command after HEALTHCHECK CMD')
  return {
    ...none,
    test: [json ? 'CMD' : 'CMD-SHELL', ...cmd],
    interval: interval('interval', f.string.interval),
    timeout: interval('timeout', f.string.timeout),
    startPeriod: interval('start-period', f.string['start-period']),
    startInterval: interval('start-interval', f.string['start-interval']),
    retries: retries(f.string.retries),
  }
}
