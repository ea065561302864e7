// `-p` as Docker parses it (go-connections nat.ParsePortSpec, checked against Docker CLI 28's
// messages), the PORTS column, the resolv.conf a bridged container gets, and the port proxy
// itself over real loopback sockets (TCP with a half-closed request, UDP both ways).

import { describe, expect, test } from 'vitest'
import { createServer, connect } from 'node:net'
import { createSocket } from 'node:dgram'
import { displayPorts, exposedKeys, parsePublish, publishAll, publishPorts } from '../../lib/network/index.js'
import { bridgeResolvConf } from '../../lib/runtime/bundle.js'

describe('-p', () => {
  test.each([
    ['80', [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: '' }]],
    ['8080:80', [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: '8080' }]],
    ['127.0.0.1:8080:80/udp', [{ containerPort: 80, proto: 'udp', hostIp: '127.0.0.1', hostPort: '8080' }]],
    ['127.0.0.1::80', [{ containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPort: '' }]],
    ['[::1]:8080:80', [{ containerPort: 80, proto: 'tcp', hostIp: '::1', hostPort: '8080' }]],
    ['8000-8001:80-81/TCP', [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: '8000' }, { containerPort: 81, proto: 'tcp', hostIp: '', hostPort: '8001' }]],
    ['8000-8010:80', [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: '8000-8010' }]],
  ])('%s', (spec, want) => {
    expect(parsePublish([spec])).toEqual(want)
  })

  test.each([
    ['bad', 'invalid containerPort: bad'],
    ['80:', 'no port specified: 80:<empty>'],
    ['x:80', 'invalid hostPort: x'],
    ['70000:80', 'invalid hostPort: 70000'],
    ['80/sctpx', 'invalid proto: sctpx'],
    ['1.2.3:80:80', 'invalid IP address: 1.2.3'],
    ['8000-8002:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 8000-8002'],
    ['90-80', 'invalid containerPort: 90-80'],
  ])('%s is refused: %s', (spec, message) => {
    expect(() => parsePublish([spec])).toThrow(message)
  })

  test('-P takes every exposed port not already published; --expose adds ranges', () => {
    const exposed = exposedKeys(['8080-8081', '53/udp'], { '80/tcp': {} })
    expect(exposed).toEqual(['53/udp', '80/tcp', '8080/tcp', '8081/tcp'])
    expect(publishAll(exposed, parsePublish(['9000:80']))).toEqual([
      { containerPort: 53, proto: 'udp', hostIp: '', hostPort: '' },
      { containerPort: 8080, proto: 'tcp', hostIp: '', hostPort: '' },
      { containerPort: 8081, proto: 'tcp', hostIp: '', hostPort: '' },
    ])
  })

  test('the PORTS column folds consecutive ports, as Docker', () => {
    const p = (containerPort: number, hostPort: number, hostIp = '0.0.0.0') => ({ containerPort, hostPort, hostIp, proto: 'tcp' as const })
    expect(displayPorts([p(80, 8080), p(81, 8081), p(80, 8080, '::')], ['80/tcp', '81/tcp', '443/tcp'])).toBe('0.0.0.0:8080-8081->80-81/tcp, [::]:8080->80/tcp, 443/tcp')
    expect(displayPorts([], [])).toBe('')
  })
})

test('a bridged container gets the host’s resolv.conf without loopback nameservers', () => {
  expect(bridgeResolvConf('search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n')).toBe('search lan\nnameserver 10.0.0.1\n')
  expect(bridgeResolvConf('nameserver 127.0.0.53\noptions edns0\n')).toBe('options edns0\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n')
})

describe('the port proxy (loopback only)', () => {
  test('TCP: each connection is forwarded both ways, a half-close included', async () => {
    // The "container": a server that answers once the request's end arrives.
    const upstream = createServer({ allowHalfOpen: true }, (s) => {
      const parts: Buffer[] = []
      s.on('data', (b) => parts.push(b)).on('end', () => s.end(`got ${Buffer.concat(parts).toString()}`))
    })
    await new Promise<void>((r) => upstream.listen({ host: '127.0.0.1', port: 0 }, () => r()))
    const target = (upstream.address() as { port: number }).port
    const pub = await publishPorts([{ containerPort: target, proto: 'tcp', hostIp: '127.0.0.1', hostPort: '' }], '127.0.0.1', 'spec')
    try {
      expect(pub.ports).toHaveLength(1)
      const reply = await new Promise<string>((res, rej) => {
        const c = connect({ host: '127.0.0.1', port: pub.ports[0].hostPort, allowHalfOpen: true }, () => c.end('hello'))
        const parts: Buffer[] = []
        c.on('data', (b) => parts.push(b)).on('end', () => res(Buffer.concat(parts).toString())).on('error', rej)
      })
      expect(reply).toBe('got hello')
    } finally {
      await pub.close()
      upstream.close()
    }
  })

  test('UDP: datagrams go to the container and its replies come back to the sender', async () => {
    const echo = createSocket('udp4')
    echo.on('message', (m, from) => echo.send(Buffer.concat([Buffer.from('echo '), m]), from.port, from.address))
    await new Promise<void>((r) => echo.bind({ address: '127.0.0.1', port: 0 }, () => r()))
    const pub = await publishPorts([{ containerPort: echo.address().port, proto: 'udp', hostIp: '127.0.0.1', hostPort: '' }], '127.0.0.1', 'spec')
    const client = createSocket('udp4')
    try {
      const reply = await new Promise<string>((res) => {
        client.on('message', (m) => res(m.toString()))
        client.send('ping', pub.ports[0].hostPort, '127.0.0.1')
      })
      expect(reply).toBe('echo ping')
    } finally {
      client.close()
      await pub.close()
      echo.close()
    }
  })

  test('a taken port: Docker’s message, and nothing left listening', async () => {
    const holder = createServer()
    await new Promise<void>((r) => holder.listen({ host: '127.0.0.1', port: 0 }, () => r()))
    const port = (holder.address() as { port: number }).port
    try {
      await expect(publishPorts([{ containerPort: 1, proto: 'tcp', hostIp: '127.0.0.1', hostPort: String(port) }], '127.0.0.1', 'web (abc)')).rejects.toThrow(
        `driver failed programming external connectivity on endpoint web (abc): Bind for 127.0.0.1:${port} failed: port is already allocated`,
      )
    } finally {
      holder.close()
    }
  })
})
