// EXPOSE port specs → `port/proto` keys of the image config's ExposedPorts, as BuildKit's
// convert_expose.go does: `[ip:][hostPort:]port[-end][/proto]`, proto tcp (default), udp
// or sctp; a range exposes every port in it.

import { Fail, atLine } from './_fail.js'
import type { ExposeInstruction } from './types.js'

function portNumber(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined
  const n = Number(s)
  return n <= 65535 ? n : undefined
}

function portRange(s: string): [number, number] | undefined {
  if (s === '') return undefined
  if (!s.includes('-')) {
    const n = portNumber(s)
    return n === undefined ? undefined : [n, n]
  }
  const parts = s.split('-')
  if (parts.length !== 2) return undefined
  const a = portNumber(parts[0])
  const b = portNumber(parts[1])
  if (a === undefined || b === undefined || b < a) return undefined
  return [a, b]
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const IPV6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/

function portSpec(raw: string): string[] {
  const parts = raw.split(':')
  const n = parts.length
  const containerPart = parts[n - 1]
  const hostPort = n >= 2 ? parts[n - 2] : ''
  let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : ''
  const slash = containerPart.indexOf('/')
  const port = slash < 0 ? containerPart : containerPart.slice(0, slash)
  let proto = slash < 0 ? '' : containerPart.slice(slash + 1)
  if (port === '') proto = ''
  else if (proto === '') proto = 'tcp'
  proto = proto.toLowerCase()
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new Fail(`invalid proto: ${proto}`)
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1)
  if (ip !== '' && !IPV4.test(ip) && !IPV6.test(ip)) throw new Fail(`invalid IP address: ${ip}`)
  if (port === '') throw new Fail(`no port specified: ${raw}<empty>`)
  const range = portRange(port)
  if (!range) throw new Fail(`invalid containerPort: ${port}`)
  if (hostPort !== '') {
    const h = portRange(hostPort)
    if (!h) throw new Fail(`invalid hostPort: ${hostPort}`)
    if (range[1] - range[0] !== h[1] - h[0] && range[1] !== range[0]) {
      throw new Fail(`invalid ranges specified for container and host Ports: ${port} and ${hostPort}`)
    }
  }
  const out: string[] = []
  for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${proto}`)
  return out
}

/**
 * The `port/proto` keys of an (expanded) EXPOSE, in order, duplicates kept as BuildKit
 * keeps them (its history line prints this list). Throws at the instruction's line.
 */
export function exposedPorts(instr: ExposeInstruction): string[] {
  try {
    return instr.ports.flatMap(portSpec)
  } catch (e) {
    return atLine(instr.startLine, e)
  }
}
