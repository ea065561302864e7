// End-to-end: the bridge network (issue 15), as root, through the built binary. Each container
// gets its own network namespace on the root's bridge with an address, a default route and
// Docker's /etc/hosts; `-p` publishes a port on the host through the supervisor's proxy, so two
// containers both listen on port 80 and both serve the host, on 127.0.0.1; containers reach each
// other by address; a taken host port fails the start with Docker's message; -P with EXPOSE; the
// runc and crun launchers and exec join the same namespace; the bridge, its NAT rules and every
// veth are gone once no container uses them, also after a supervisor was killed with -9.
// Traffic goes only to 127.0.0.1 and to the containers this file makes.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { get } from 'node:http'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { requireBuilt, store, tempDir, storeIn } from '../_fixtures/cli.js'
import { busyboxUnavailable, makeBusyboxRoot } from '../_fixtures/busybox.js'
import { killPids, processesMentioning, removeContainersOf, storeOk } from '../_fixtures/containers.js'

// Root, busybox: a printed reason to skip on a developer's machine, a failure under CI.
const why = busyboxUnavailable()

let tmp: { dir: string; cleanup: () => void }
let root: string
/** The root's bridge (the name lib/network/bridge.ts gives a non-default root). */
let bridge: string

const run = (args: string[]) => storeIn(root, args)
const ok = (args: string[]) => storeOk(root, args)

/** GET http://host:port/ from the host; retried while the container's server is not up yet (bounded). */
async function fetchText(host: string, port: number): Promise<string> {
  let last: unknown
  for (let i = 0; i < 200; i++) {
    try {
      return await new Promise<string>((res, rej) => {
        const req = get({ host, port, path: '/', timeout: 5000 }, (r) => {
          const parts: Buffer[] = []
          r.on('data', (b) => parts.push(b)).on('end', () => res(Buffer.concat(parts).toString())).on('error', rej)
        })
        req.on('error', rej).on('timeout', () => req.destroy(new Error('timeout')))
      })
    } catch (e) {
      last = e
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  throw new Error(`no answer from ${host}:${port}: ${String(last)}`)
}

const ip = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8' }).stdout
const bridgeExists = () => ip(['-o', 'link', 'show', 'dev', bridge]).includes(bridge)
const attached = () => ip(['-o', 'link', 'show', 'master', bridge]).split('\n').filter(Boolean)
const natRules = () => spawnSync('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(bridge))
const forwardRules = () => spawnSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(bridge))
/** A web server in a container that answers `text` on port 80. */
const web = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`]

beforeAll(() => {
  if (why) return
  requireBuilt()
  tmp = tempDir('store-e2e-network-')
  root = join(tmp.dir, 'root')
  bridge = `st-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`
  const bb = makeBusyboxRoot(join(tmp.dir, 'busybox'))
  const r = store(root, ['import', bb, 'busybox', '--change', 'EXPOSE 80'])
  expect(r.status, r.stderr).toBe(0)
})

afterAll(() => {
  if (!tmp) return
  try {
    removeContainersOf(root)
    // Whatever a failed spec left: the bridge and its rules go with the test.
    if (bridgeExists()) {
      for (const l of natRules()) spawnSync('iptables', ['-w', '-t', 'nat', ...l.replace(/^-A/, '-D').split(' ')])
      for (const l of forwardRules()) spawnSync('iptables', ['-w', ...l.replace(/^-A/, '-D').split(' ')])
      spawnSync('ip', ['link', 'del', bridge])
    }
    killPids(processesMentioning(tmp.dir))
  } finally {
    tmp.cleanup()
  }
})

describe.skipIf(why !== undefined)('the bridge network', () => {
  test('a container has its own interface on the bridge, a default route, and Docker’s /etc/hosts', async () => {
    const out = await ok(['run', '--rm', '--name', 'n1', '--hostname', 'box', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; ip route; tail -n 1 /etc/hosts; ls /sys/class/net'])
    const addr = /inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(out)
    expect(addr, out).not.toBeNull()
    expect(out).toMatch(/^default via \d+\.\d+\.\d+\.1 dev eth0/m)
    expect(out).toContain(`${addr![1]}\tbox\n`)
    expect(out).toMatch(/^eth0\nlo\n$/m)
    // The last container gone: its bridge and rules too.
    expect(bridgeExists()).toBe(false)
    expect(natRules()).toEqual([])
    expect(forwardRules()).toEqual([])
  })

  test('two containers listen on port 80 each and both serve the host through -p; they reach each other by address', async () => {
    await ok(['run', '-d', '--name', 'web-a', '-p', '127.0.0.1::80', 'busybox', ...web('from-a')])
    await ok(['run', '-d', '--name', 'web-b', '-p', '127.0.0.1::80/tcp', 'busybox', ...web('from-b')])
    const pa = Number((await ok(['port', 'web-a', '80'])).trim().split(':').pop())
    const pb = Number((await ok(['port', 'web-b', '80/tcp'])).trim().split(':').pop())
    expect(pa).toBeGreaterThan(0)
    expect(pb).not.toBe(pa)
    expect(await fetchText('127.0.0.1', pa)).toBe('from-a\n')
    expect(await fetchText('127.0.0.1', pb)).toBe('from-b\n')
    expect(await ok(['port', 'web-a'])).toBe(`80/tcp -> 127.0.0.1:${pa}\n`)
    const ps = await ok(['ps', '--format', '{{.Names}} {{.Ports}}'])
    expect(ps).toContain(`web-a 127.0.0.1:${pa}->80/tcp\n`)
    const ipA = (await ok(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', 'web-a'])).trim()
    expect(ipA).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    expect(attached()).toHaveLength(2)
    // b fetches from a on the bridge.
    expect(await ok(['exec', 'web-b', 'wget', '-qO-', `http://${ipA}/`])).toBe('from-a\n')
    const ports = JSON.parse(await ok(['inspect', '--format', '{{json .NetworkSettings.Ports}}', 'web-a']))
    expect(ports).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(pa) }] })
    expect((await run(['port', 'web-a', '81'])).stderr).toBe("Error: No public port '81/tcp' published for web-a\n")
    await ok(['rm', '-f', 'web-a', 'web-b'])
    expect(bridgeExists()).toBe(false)
  })

  test('a host port already taken fails the start with Docker’s message and status, and no ID', async () => {
    const holder: Server = createServer()
    await new Promise<void>((r) => holder.listen({ host: '127.0.0.1', port: 0 }, () => r()))
    const port = (holder.address() as { port: number }).port
    try {
      const r = await run(['run', '-d', '--name', 'taken', '-p', `127.0.0.1:${port}:80`, 'busybox', 'sleep', '30'])
      expect(r.status).toBe(125)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain(`Bind for 127.0.0.1:${port} failed: port is already allocated`)
      const f = await run(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true'])
      expect(f.status).toBe(125)
      expect(f.stderr).toContain('driver failed programming external connectivity on endpoint')
    } finally {
      holder.close()
    }
    await ok(['rm', '-f', 'taken'])
    expect(bridgeExists()).toBe(false)
  })

  test('-P publishes every EXPOSEd port on a free host port', async () => {
    await ok(['run', '-d', '--name', 'pall', '-P', '--expose', '8080', 'busybox', ...web('all')])
    const lines = (await ok(['port', 'pall'])).trim().split('\n')
    expect(lines.some((l) => /^80\/tcp -> 0\.0\.0\.0:\d+$/.test(l))).toBe(true)
    expect(lines.some((l) => /^8080\/tcp -> 0\.0\.0\.0:\d+$/.test(l))).toBe(true)
    const p80 = Number(lines.find((l) => l.startsWith('80/tcp -> 0.0.0.0:'))!.split(':').pop())
    expect(await fetchText('127.0.0.1', p80)).toBe('all\n')
    const cfg = JSON.parse(await ok(['inspect', '--format', '{{json .Config.ExposedPorts}}', 'pall']))
    expect(Object.keys(cfg)).toEqual(['80/tcp', '8080/tcp'])
    await ok(['rm', '-f', 'pall'])
  })

  test.each(['runc', 'crun'])('%s containers join the bridge too', async (runtime) => {
    if (!spawnSync('sh', ['-c', `command -v ${runtime}`]).stdout.length) throw new Error(`${runtime} is not installed (README's test line installs it)`)
    await ok(['run', '-d', '--name', `srv-${runtime}`, '--runtime', runtime, '-p', '127.0.0.1::80', 'busybox', ...web(runtime)])
    const port = Number((await ok(['port', `srv-${runtime}`, '80'])).trim().split(':').pop())
    expect(await fetchText('127.0.0.1', port)).toBe(`${runtime}\n`)
    expect(await ok(['exec', `srv-${runtime}`, 'sh', '-c', 'ls /sys/class/net'])).toBe('eth0\nlo\n')
    await ok(['rm', '-f', `srv-${runtime}`])
  })

  test('a supervisor killed with -9: the container and its veth die with it, and rm removes the bridge', async () => {
    await ok(['run', '-d', '--name', 'k9', '-p', '127.0.0.1::80', 'busybox', 'sleep', '300'])
    expect(attached()).toHaveLength(1)
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'k9'])).trim()
    const monitor = JSON.parse(readFileSync(join(root, 'containers', id, 'state.json'), 'utf8')).pid
    killPids([monitor])
    let status = ''
    for (let i = 0; i < 200 && !status.startsWith('Exited'); i++) {
      status = (await ok(['ps', '-a', '--filter', 'name=k9', '--format', '{{.Status}}'])).trim()
      if (!status.startsWith('Exited')) await new Promise((r) => setTimeout(r, 25))
    }
    expect(status).toMatch(/^Exited \(137\)/)
    for (let i = 0; i < 200 && attached().length > 0; i++) await new Promise((r) => setTimeout(r, 25))
    expect(attached()).toEqual([])
    await ok(['rm', 'k9'])
    expect(bridgeExists()).toBe(false)
    expect(natRules()).toEqual([])
  })

  test('network modes: none and host; -p with them as Docker says', async () => {
    expect(await ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net'])).toBe('lo\n')
    const none = await run(['run', '--rm', '--network', 'none', '-p', '80:80', 'busybox', 'true'])
    expect(none.status).toBe(125)
    expect(none.stderr).toContain('conflicting options: port publishing and the container type network mode')
    const host = await run(['run', '--rm', '--network', 'host', '-p', '80:80', 'busybox', 'true'])
    expect(host.status).toBe(0)
    expect(host.stderr).toContain('WARNING: Published ports are discarded when using host network mode')
    expect((await ok(['inspect', '--format', '{{.HostConfig.NetworkMode}}', (await ok(['create', 'busybox', 'true'])).trim()])).trim()).toBe('bridge')
  })

  test.each([
    ['bad', 'invalid containerPort: bad'],
    ['70000:80', 'invalid hostPort: 70000'],
    ['80:80/sctpx', 'invalid proto: sctpx'],
    ['1.2.3:80:80', 'invalid IP address: 1.2.3'],
    ['8000-8002:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 8000-8002'],
  ])('-p %s is refused: %s', async (spec, message) => {
    const r = await run(['run', '--rm', '-p', spec, 'busybox', 'true'])
    expect(r.status).toBe(125)
    expect(r.stderr).toContain(message)
  })

  test('containers on one user network reach each other by name; network ls/inspect/rm as Docker', async () => {
    const id = (await ok(['network', 'create', 'appnet'])).trim()
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    const dup = await run(['network', 'create', 'appnet'])
    expect(dup.status).toBe(1)
    expect(dup.stderr).toContain('network with name appnet already exists')
    const ls = await ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'])
    expect(ls).toBe('appnet bridge local\nbridge bridge local\nhost host local\nnone null local\n')
    const userBridge = `br-${id.slice(0, 12)}`
    await ok(['run', '-d', '--name', 'db', '--network', 'appnet', 'busybox', ...web('from-db')])
    // A later container finds the earlier by name, and the earlier the later.
    expect(await ok(['run', '--rm', '--name', 'client', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://db/'])).toBe('from-db\n')
    await ok(['run', '-d', '--name', 'late', '--network', 'appnet', 'busybox', ...web('from-late')])
    expect(await ok(['exec', 'db', 'wget', '-qO-', 'http://late/'])).toBe('from-late\n')
    // The default bridge is another segment: no names there (as Docker's default bridge).
    expect((await run(['run', '--rm', 'busybox', 'wget', '-qO-', '-T', '2', 'http://db/'])).status).not.toBe(0)
    const net = JSON.parse(await ok(['network', 'inspect', 'appnet']))[0]
    expect(net.Name).toBe('appnet')
    expect(Object.values(net.Containers).map((c: any) => c.Name).sort()).toEqual(['db', 'late'])
    const subnet = net.IPAM.Config[0].Subnet
    const dbIp = (await ok(['inspect', '--format', '{{.NetworkSettings.Networks.appnet.IPAddress}}', 'db'])).trim()
    expect(subnet.split('.').slice(0, 2)).toEqual(dbIp.split('.').slice(0, 2))
    expect(ip(['-o', 'link', 'show', 'dev', userBridge])).toContain(userBridge)
    const busy = await run(['network', 'rm', 'appnet'])
    expect(busy.status).toBe(1)
    expect(busy.stderr).toContain('has active endpoints')
    // late stops: its name leaves db's /etc/hosts.
    await ok(['rm', '-f', 'late'])
    expect(await ok(['exec', 'db', 'cat', '/etc/hosts'])).not.toContain('late')
    await ok(['rm', '-f', 'db'])
    expect(ip(['-o', 'link', 'show', 'dev', userBridge])).toBe('')
    expect(await ok(['network', 'rm', 'appnet'])).toBe('appnet\n')
    const gone = await run(['run', '--rm', '--network', 'appnet', 'busybox', 'true'])
    expect(gone.status).toBe(125)
    expect(gone.stderr).toContain('network appnet not found')
    const pre = await run(['network', 'rm', 'bridge'])
    expect(pre.status).toBe(1)
    expect(pre.stderr).toContain('bridge is a pre-defined network and cannot be removed')
  })

  test('network connect/disconnect: a running container gets eth1 at once and names both ways; a stopped one on its next start; Docker’s refusals', async () => {
    const ids = [(await ok(['network', 'create', 'front'])).trim(), (await ok(['network', 'create', 'back'])).trim()]
    await ok(['run', '-d', '--name', 'api', '--hostname', 'apihost', '--network', 'front', 'busybox', ...web('from-api')])
    await ok(['run', '-d', '--name', 'store-db', '--network', 'back', 'busybox', ...web('from-db')])
    // Not on back yet: db is not a name api knows.
    expect((await run(['exec', 'api', 'wget', '-qO-', '-T', '2', 'http://store-db/'])).status).not.toBe(0)
    expect(await ok(['network', 'connect', 'back', 'api'])).toBe('')
    const addrs = await ok(['exec', 'api', 'ip', '-4', '-o', 'addr'])
    const eth1 = /eth1\s+inet (\S+)\//.exec(addrs)?.[1]
    expect(eth1, addrs).toBeDefined()
    // The default route stays on its first network, as Docker keeps it.
    expect(await ok(['exec', 'api', 'ip', 'route'])).toMatch(/^default via \S+ dev eth0/m)
    expect(await ok(['exec', 'api', 'wget', '-qO-', 'http://store-db/'])).toBe('from-db\n')
    expect(await ok(['exec', 'store-db', 'wget', '-qO-', 'http://api/'])).toBe('from-api\n')
    expect(await ok(['exec', 'api', 'cat', '/etc/hosts'])).toContain(`${eth1}\tapihost\n`)
    const nets = JSON.parse(await ok(['inspect', '--format', '{{json .NetworkSettings.Networks}}', 'api']))
    expect(Object.keys(nets)).toEqual(['front', 'back'])
    expect(nets.back.IPAddress).toBe(eth1)
    expect((await ok(['ps', '--filter', 'name=api', '--format', '{{.Networks}}'])).trim()).toBe('front,back')
    const inspectBack = JSON.parse(await ok(['network', 'inspect', 'back']))[0]
    expect(Object.values(inspectBack.Containers).map((c: any) => c.Name).sort()).toEqual(['api', 'store-db'])
    // Docker's refusals, exit 1.
    const apiId = (await ok(['inspect', '--format', '{{.Id}}', 'api'])).trim()
    for (const [args, message] of [
      [['connect', 'back', 'api'], 'endpoint with name api already exists in network back'],
      [['connect', 'host', 'api'], 'container cannot be disconnected from host network or connected to host network'],
      [['connect', 'none', 'api'], 'container cannot be connected to multiple networks with one of the networks in private (none) mode'],
      [['connect', 'nonet', 'api'], 'network nonet not found'],
      [['connect', 'back', 'nocontainer'], 'No such container: nocontainer'],
      [['disconnect', 'bridge', 'api'], `container ${apiId} is not connected to the network bridge`],
    ] as [string[], string][]) {
      const r = await run(['network', ...args])
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stderr).toBe(`Error response from daemon: ${message}\n`)
    }
    // Disconnected while it runs: the interface and the names go.
    expect(await ok(['network', 'disconnect', 'back', 'api'])).toBe('')
    expect(await ok(['exec', 'api', 'ls', '/sys/class/net'])).toBe('eth0\nlo\n')
    expect(await ok(['exec', 'api', 'cat', '/etc/hosts'])).not.toContain('store-db')
    expect(await ok(['exec', 'store-db', 'cat', '/etc/hosts'])).not.toMatch(/\tapi\n/)
    // A stopped container: kept in its record, joined when it starts (eth1 on back).
    await ok(['create', '--name', 'later', '--network', 'front', 'busybox', 'sh', '-c', 'ls /sys/class/net; wget -qO- http://store-db/'])
    await ok(['network', 'connect', 'back', 'later'])
    const out = await ok(['start', '-a', 'later'])
    expect(out).toBe('eth0\neth1\nlo\nfrom-db\n')
    // A host-network container cannot join any other.
    await ok(['create', '--name', 'onhost', '--network', 'host', 'busybox', 'true'])
    const shared = await run(['network', 'connect', 'back', 'onhost'])
    expect(shared.stderr).toBe('Error response from daemon: container sharing network namespace with another container or host cannot be connected to any other network\n')
    for (const c of ['api', 'store-db', 'later', 'onhost']) await ok(['rm', '-f', c])
    // Nothing left on the host: both user bridges went with their last container.
    for (const id of ids) expect(ip(['-o', 'link', 'show', 'dev', `br-${id.slice(0, 12)}`])).toBe('')
    await ok(['network', 'rm', 'front', 'back'])
  })

  test('--add-host, --dns, --dns-search, --dns-option write /etc/hosts and resolv.conf as Docker', async () => {
    const out = await ok([
      'run', '--rm', '--hostname', 'hh', '--add-host', 'a.test:10.1.2.3', '--add-host', 'gw:host-gateway', '--dns', '9.9.9.9', '--dns-search', 'example.com', '--dns-option', 'ndots:2',
      'busybox', 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf; ip route | grep default',
    ])
    const gateway = /default via (\S+)/.exec(out)![1]
    expect(out).toContain(`ff02::2\tip6-allrouters\n10.1.2.3\ta.test\n${gateway}\tgw\n`)
    expect(out).toMatch(/\thh\nsearch example.com\nnameserver 9.9.9.9\noptions ndots:2\n/)
    const host = await ok(['run', '--rm', '--network', 'none', '--add-host', 'b.test=10.0.0.9', 'busybox', 'grep', 'b.test', '/etc/hosts'])
    expect(host).toBe('10.0.0.9\tb.test\n')
    for (const [flags, message] of [
      [['--add-host', 'bad'], 'invalid argument "bad" for "--add-host" flag: bad format for add-host: "bad"'],
      [['--add-host', 'a:x'], 'invalid argument "a:x" for "--add-host" flag: invalid IP address in add-host: "x"'],
      [['--dns', 'x'], 'invalid argument "x" for "--dns" flag: IP address is not correctly formatted: x'],
    ] as [string[], string][]) {
      const r = await run(['run', '--rm', ...flags, 'busybox', 'true'])
      expect(r.status).toBe(125)
      expect(r.stderr).toContain(message)
    }
  })

  test('--network container:NAME shares that container’s network: its interface, its ports, its /etc/hosts', async () => {
    await ok(['run', '-d', '--name', 'netowner', '-p', '127.0.0.1::8080', 'busybox', 'sleep', '300'])
    const owner = await ok(['exec', 'netowner', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])
    // A server in the sharing container answers on the owner's published port.
    await ok(['run', '-d', '--name', 'sidecar', '--network', 'container:netowner', 'busybox', 'sh', '-c', 'mkdir -p /w && echo side > /w/index.html && exec httpd -f -p 8080 -h /w'])
    expect(await ok(['exec', 'sidecar', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).toBe(owner)
    const port = Number((await ok(['port', 'netowner', '8080'])).trim().split(':').pop())
    expect(await fetchText('127.0.0.1', port)).toBe('side\n')
    expect(await ok(['exec', 'sidecar', 'cat', '/etc/hosts'])).toBe(await ok(['exec', 'netowner', 'cat', '/etc/hosts']))
    const id = (await ok(['inspect', '--format', '{{.Id}}', 'netowner'])).trim()
    expect((await ok(['inspect', '--format', '{{.HostConfig.NetworkMode}}', 'sidecar'])).trim()).toBe(`container:${id}`)
    const ports = await run(['run', '--rm', '--network', 'container:netowner', '-p', '80:80', 'busybox', 'true'])
    expect(ports.status).toBe(125)
    expect(ports.stderr).toContain('conflicting options: port publishing and the container type network mode')
    await ok(['rm', '-f', 'sidecar'])
    await ok(['stop', '-t', '0', 'netowner'])
    const stopped = await run(['run', '--rm', '--network', 'container:netowner', 'busybox', 'true'])
    expect(stopped.status).toBe(125)
    expect(stopped.stderr).toContain(`cannot join network of a non running container: ${id}`)
    const missing = await run(['run', '--rm', '--network', 'container:nosuch', 'busybox', 'true'])
    expect(missing.status).toBe(125)
    expect(missing.stderr).toContain('No such container: nosuch')
    await ok(['rm', '-f', 'netowner'])
  })
})
