import { readFileSync } from 'node:fs'
import { readTar, parseHeaderBytes } from './lib/tar/index.js'
for (const f of process.argv.slice(2)) {
  const buf = readFileSync(f)
  async function* src() { for (let i = 0; i < buf.length; i += 7) yield buf.subarray(i, i + 7) }
  const r = readTar(src())
  const parts: Uint8Array[] = []
  for await (const e of r) {
    parts.push(e.headerBytes)
    for await (const c of e.body) parts.push(c)
    parts.push(e.padding())
    const h = parseHeaderBytes(e.headerBytes)
    console.log(JSON.stringify({ ...e.header, xattrs: Object.keys(e.header.xattrs) }), JSON.stringify(h) === JSON.stringify(e.header))
  }
  parts.push(r.trailer())
  console.log(f, Buffer.concat(parts).equals(buf), r.trailer().length)
}
