// Published ports are served by the container's supervisor (`store run`, or the monitor of a
// detached container): a userland proxy, as Docker's docker-proxy, listening on the host address
// and forwarding each TCP connection or UDP flow to the container's address on the bridge. It
// lives exactly as long as the container's supervisor: nothing to clean up after a crash, and
// no firewall rule per port. It reaches the container from 127.0.0.1 and from the host's own
// addresses alike (DNAT alone does not see locally made connections). The container sees the
// bridge's gateway as the client's address.

import { createServer, connect, type Server, type Socket } from 'node:net'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { Codes, StoreError } from '../errors.js'
import { portRange, type PortBinding, type PublishedPort } from './ports.js'

/** A UDP flow with no traffic for this long is forgotten (Docker's proxy: 90 s). */
const UDP_IDLE_MS = 90_000

export interface Publisher {
  ports: PublishedPort[]
  close(): Promise<void>
}

/**
 * Listen on every binding (all at once: one that cannot bind fails the start, with Docker's
 * message, and closes the others); each forwards to `containerIp`.
 */
export async function publishPorts(bindings: PortBinding[], containerIp: string, endpoint: string): Promise<Publisher> {
  const closers: (() => Promise<void>)[] = []
  const ports: PublishedPort[] = []
  const close = async () => {
    await Promise.all(closers.map((c) => c().catch(() => {})))
  }
  try {
    for (const b of bindings) {
      if (b.proto === 'sctp') throw new StoreError(Codes.UNSUPPORTED, `publishing ${b.containerPort}/sctp is not supported: the port proxy speaks TCP and UDP`)
      // No address: every IPv4 and IPv6 address, one port for both (the kernel's pick for the first).
      const addrs = b.hostIp ? [b.hostIp] : ['0.0.0.0', '::']
      const range = b.hostPort === '' ? [0, 0] : portRange(b.hostPort)!
      let port = 0
      for (const addr of addrs) {
        const candidates = port ? [port] : rangeOf(range)
        let bound: { port: number; close: () => Promise<void> } | undefined
        let lastError: NodeJS.ErrnoException | undefined
        for (const p of candidates) {
          try {
            bound = await listen(b, addr, p, containerIp)
            break
          } catch (e) {
            lastError = e as NodeJS.ErrnoException
          }
        }
        if (!bound) {
          // No IPv6 on this host: IPv4 alone, as Docker.
          if (addr === '::' && ['EAFNOSUPPORT', 'EADDRNOTAVAIL'].includes(lastError?.code ?? '')) continue
          const shown = addr.includes(':') ? `[${addr}]` : addr
          const what = lastError?.code === 'EADDRINUSE' ? 'port is already allocated' : (lastError?.message ?? 'no free port')
          throw new StoreError(Codes.LAUNCH_FAILED, `driver failed programming external connectivity on endpoint ${endpoint}: Bind for ${shown}:${candidates.length === 1 ? candidates[0] : b.hostPort} failed: ${what}`)
        }
        port = bound.port
        closers.push(bound.close)
        ports.push({ containerPort: b.containerPort, proto: b.proto, hostIp: addr, hostPort: bound.port })
      }
    }
  } catch (e) {
    await close()
    throw e
  }
  return { ports, close }
}

const rangeOf = ([a, b]: number[]): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i)

function listen(b: PortBinding, addr: string, port: number, target: string): Promise<{ port: number; close: () => Promise<void> }> {
  return b.proto === 'udp' ? listenUdp(addr, port, target, b.containerPort) : listenTcp(addr, port, target, b.containerPort)
}

function listenTcp(addr: string, port: number, target: string, targetPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const open = new Set<Socket>()
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const up = connect({ host: target, port: targetPort, allowHalfOpen: true })
    open.add(client).add(up)
    const done = () => {
      client.destroy()
      up.destroy()
      open.delete(client)
      open.delete(up)
    }
    client.on('error', done).on('close', done)
    up.on('error', done).on('close', done)
    up.once('connect', () => {
      // Each side's end is passed on (a half-closed request still gets its reply).
      client.pipe(up)
      up.pipe(client)
      client.resume()
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: addr, port, ipv6Only: addr.includes(':'), exclusive: true }, () => {
      server.off('error', reject)
      const close = () =>
        new Promise<void>((r) => {
          for (const s of open) s.destroy()
          server.close(() => r())
        })
      resolve({ port: (server.address() as { port: number }).port, close })
    })
  })
}

function listenUdp(addr: string, port: number, target: string, targetPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const v6 = addr.includes(':')
  const server: UdpSocket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 })
  // One socket towards the container per client address, so its replies find their way back.
  const flows = new Map<string, { sock: UdpSocket; timer: NodeJS.Timeout }>()
  const forget = (key: string) => {
    const f = flows.get(key)
    if (!f) return
    clearTimeout(f.timer)
    f.sock.close()
    flows.delete(key)
  }
  server.on('message', (msg, from) => {
    const key = `${from.address}\0${from.port}`
    let f = flows.get(key)
    if (!f) {
      const sock = createSocket('udp4')
      sock.on('message', (reply) => {
        server.send(reply, from.port, from.address)
        flows.get(key)?.timer.refresh()
      })
      sock.on('error', () => forget(key))
      f = { sock, timer: setTimeout(() => forget(key), UDP_IDLE_MS).unref() }
      flows.set(key, f)
    }
    f.timer.refresh()
    f.sock.send(msg, targetPort, target)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.bind({ address: addr, port, exclusive: true }, () => {
      server.off('error', reject)
      const close = () =>
        new Promise<void>((r) => {
          for (const k of [...flows.keys()]) forget(k)
          server.close(() => r())
        })
      resolve({ port: server.address().port, close })
    })
  })
}
