// Published ports: `-p`/`--publish` specs as Docker reads them (go-connections' nat.ParsePortSpec:
// `[ip:][hostPort:]containerPort[/proto]`, ranges on either side, an IPv6 address in brackets),
// `-P` over the image's EXPOSE, and the texts `store port` and `ps` print. Pure.

import { isIP } from 'node:net'
import { Codes, StoreError } from '../errors.js'

export type Proto = 'tcp' | 'udp' | 'sctp'

/** One container port bound to the host, as typed: hostPort '' is any free port. */
export interface PortBinding {
  containerPort: number
  proto: Proto
  /** '' is every address (0.0.0.0 and [::]). */
  hostIp: string
  /** A port, a range `a-b` (the first free one is taken), or '' (one the kernel picks). */
  hostPort: string
}

/** A binding once made: the host address and port that really listen. */
export interface PublishedPort {
  containerPort: number
  proto: Proto
  hostIp: string
  hostPort: number
}

const bad = (message: string) => new StoreError(Codes.INVALID_ARGUMENT, message)

/** `-p` values to bindings; a container port range with a host range maps one to one. */
export function parsePublish(specs: string[]): PortBinding[] {
  return specs.flatMap(parsePortSpec)
}

function parsePortSpec(raw: string): PortBinding[] {
  const parts = raw.split(':')
  const n = parts.length
  let containerPart = parts[n - 1]
  const hostPort = n >= 2 ? parts[n - 2] : ''
  let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : ''
  const [protoRaw, port] = splitProtoPort(containerPart)
  containerPart = port
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw bad(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`)
    ip = ip.slice(1, -1)
  }
  if (ip !== '' && isIP(ip) === 0) throw bad(`invalid IP address: ${ip}`)
  if (containerPart === '') throw bad(`no port specified: ${raw}<empty>`)
  const c = portRange(containerPart)
  if (!c) throw bad(`invalid containerPort: ${containerPart}`)
  let h: [number, number] | undefined
  if (hostPort !== '') {
    h = portRange(hostPort)
    if (!h) throw bad(`invalid hostPort: ${hostPort}`)
    if (c[1] - c[0] !== h[1] - h[0] && c[1] !== c[0]) {
      throw bad(`invalid ranges specified for container and host Ports: ${containerPart} and ${hostPort}`)
    }
  }
  const proto = protoRaw.toLowerCase()
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw bad(`invalid proto: ${proto}`)
  const out: PortBinding[] = []
  for (let i = 0; i <= c[1] - c[0]; i++) {
    let hp = ''
    if (h) hp = c[0] === c[1] && h[0] !== h[1] ? `${h[0]}-${h[1]}` : String(h[0] + i)
    out.push({ containerPort: c[0] + i, proto, hostIp: ip, hostPort: hp })
  }
  return out
}

/** Docker's SplitProtoPort: `80/udp` -> ['udp', '80']; no protocol is tcp. */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/')
  if (raw === '' || parts[0] === '') return ['', '']
  if (parts.length === 1 || parts[1] === '') return ['tcp', parts[0]]
  return [parts[1], parts[0]]
}

/** `80` or `8000-8010`, each a 16-bit number; undefined when it is not one. */
export function portRange(s: string): [number, number] | undefined {
  const num = (x: string) => (/^\d+$/.test(x) && Number(x) <= 65535 ? Number(x) : undefined)
  if (!s.includes('-')) {
    const p = num(s)
    return p === undefined ? undefined : [p, p]
  }
  const [a, b] = s.split('-', 2).map(num)
  if (a === undefined || b === undefined || b < a) return undefined
  return [a, b]
}

/** `--expose` values and the image's ExposedPorts keys (`80/tcp`) as `port/proto` keys. */
export function exposedKeys(expose: string[], image: Record<string, unknown> | undefined): string[] {
  const keys = new Set(Object.keys(image ?? {}))
  for (const e of expose) {
    const [proto, port] = splitProtoPort(e)
    const r = portRange(port)
    if (!r) throw bad(`invalid range format for --expose: ${e}, error: strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`)
    for (let p = r[0]; p <= r[1]; p++) keys.add(`${p}/${proto.toLowerCase()}`)
  }
  return [...keys].sort(comparePortKeys)
}

/** `-P`: every exposed port not already published, on any free host port of every address. */
export function publishAll(exposed: string[], given: PortBinding[]): PortBinding[] {
  const taken = new Set(given.map((b) => `${b.containerPort}/${b.proto}`))
  return exposed
    .filter((k) => !taken.has(k))
    .map((k) => {
      const [port, proto] = k.split('/')
      return { containerPort: Number(port), proto: proto as Proto, hostIp: '', hostPort: '' }
    })
}

export const portKey = (p: { containerPort: number; proto: string }): string => `${p.containerPort}/${p.proto}`

export function comparePortKeys(a: string, b: string): number {
  const [pa, ra] = a.split('/')
  const [pb, rb] = b.split('/')
  return Number(pa) - Number(pb) || ra.localeCompare(rb)
}

/** `0.0.0.0:8080` or `[::]:8080`, as Docker shows a host address. */
export const hostAddress = (p: PublishedPort): string => (p.hostIp.includes(':') ? `[${p.hostIp}]:${p.hostPort}` : `${p.hostIp}:${p.hostPort}`)

/**
 * The PORTS column of `ps` (Docker's DisplayablePorts): published ports as `0.0.0.0:8080->80/tcp`,
 * exposed ones as `80/tcp`, consecutive ports of one address folded into ranges.
 */
export function displayPorts(published: PublishedPort[], exposed: string[]): string {
  const groups = new Map<string, { host: number; cont: number }[]>()
  const put = (key: string, host: number, cont: number) => {
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key)!.push({ host, cont })
  }
  const publishedKeys = new Set(published.map(portKey))
  for (const p of published) put(`${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}\0${p.proto}`, p.hostPort, p.containerPort)
  for (const k of exposed) if (!publishedKeys.has(k)) put(`\0${k.split('/')[1]}`, 0, Number(k.split('/')[0]))
  const out: string[] = []
  for (const [key, list] of groups) {
    const [addr, proto] = key.split('\0')
    list.sort((a, b) => a.cont - b.cont || a.host - b.host)
    for (let i = 0; i < list.length; ) {
      let j = i
      while (j + 1 < list.length && list[j + 1].cont === list[j].cont + 1 && (addr === '' || list[j + 1].host === list[j].host + 1)) j++
      const cont = j > i ? `${list[i].cont}-${list[j].cont}` : `${list[i].cont}`
      const host = j > i ? `${list[i].host}-${list[j].host}` : `${list[i].host}`
      out.push(addr === '' ? `${cont}/${proto}` : `${addr}:${host}->${cont}/${proto}`)
      i = j + 1
    }
  }
  return out.join(', ')
}
