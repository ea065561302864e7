// One run of the pure tier (lib/formats.ts), the same under Node, Deno and a browser-like
// sandbox: chunking, hashing, a codec round trip, a tar round trip and the parsers, on fixed
// input. It prints one JSON line; spec/api/ compares the runtimes' lines and checks the values.
// It reads the module it is given, so each runtime loads its own form (dist/ for Node,
// lib/*.ts for Deno, one bundle for the sandbox); it uses no runtime's own API.

type Formats = typeof import('../../lib/formats.js')

export async function probe(m: Formats): Promise<string> {
  // A fixed pseudo-random MiB (an LCG: no runtime's random source).
  const data = new Uint8Array(1 << 20)
  let x = 12345
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    data[i] = x >>> 24
  }
  const chunker = await m.loadChunker()
  const hash = await m.initHashing()
  const codec = await m.loadCodec()
  const text = new TextEncoder().encode('hello '.repeat(5000))
  const stored = await codec.encode(text)
  const back = await codec.decode(stored)

  const entries = [
    { header: header(m, 'etc/', 'dir', 0), body: undefined },
    { header: header(m, 'etc/greeting', 'file', 6), body: new TextEncoder().encode('hello\n') },
  ]
  const parts: Uint8Array[] = []
  for await (const b of m.writeTar(entries)) parts.push(b)
  const tar = concat(parts)
  const read: string[] = []
  for await (const e of m.readTar(once(tar))) {
    let n = 0
    for await (const b of e.body) n += b.length
    read.push(`${e.header.type}:${e.header.name}:${n}`)
  }

  const df = m.parseDockerfile('FROM busybox AS base\nRUN echo hi\nFROM base\nCOPY . /app\nCMD ["sh"]\n')
  const ref = m.parseReference('registry.example:5000/acme/app:1.2')
  const mount = m.parseMount('type=volume,source=data,target=/var/lib/data,readonly', '/')
  return JSON.stringify({
    backends: { chunker: chunker.name, hash: hash.name, codec: codec.name },
    cuts: chunker.cuts(data),
    sha256: m.sha256(data),
    codec: { stored: stored.length < text.length, roundTrip: back.length === text.length && back.every((b, i) => b === text[i]) },
    tar: { bytes: tar.length, read },
    dockerfile: df.stages.map((s) => [s.name ?? '', s.instructions.map((i) => i.kind).join(' ')]),
    reference: ref,
    mount,
  })
}

function header(m: Formats, name: string, type: 'dir' | 'file', size: number): import('../../lib/formats.js').TarHeader {
  void m
  return { name, type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, uname: '', gname: '', size, mtime: 1700000000, linkname: '', devmajor: 0, devminor: 0, xattrs: {} }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b
}
