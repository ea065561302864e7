// Layers that Linux could never apply are refused at import, naming the entry, instead of
// failing at `create` with a raw error: ids out of range, a time utimensat(2) refuses, a name
// component past 255 bytes, a path past the bound, an xattr without a namespace, a name that is
// not UTF-8 (two such names would merge into one file). A folder import or COPY of a name that
// is not UTF-8 says so too.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, store, tempDir } from '../_fixtures/cli.js'
import { header, tarOf } from '../_fixtures/hostile.js'
import { encodeHeader, END_OF_ARCHIVE } from '../../lib/tar/index.js'

let tmp: { dir: string; cleanup: () => void }
let root: string

beforeAll(() => {
  requireBuilt()
  tmp = tempDir('store-refusals-')
  root = join(tmp.dir, 'root')
})
afterAll(() => tmp?.cleanup())

function importTar(tar: Buffer, name: string) {
  const f = join(tmp.dir, `${name}.tar`)
  writeFileSync(f, tar)
  return store(root, ['import', f, `r/${name}`])
}

/** A one-entry tar whose header is `h` (our encoder: PAX for what ustar cannot hold). */
const one = (h: Parameters<typeof encodeHeader>[0]) => Buffer.concat([encodeHeader(h), END_OF_ARCHIVE])

/** A ustar header for `name` whose bytes at `at` are replaced (checksum recomputed). */
function rawName(name: string, at: number, byte: number): Buffer {
  const b = Buffer.from(encodeHeader({ ...header({ name }), size: 0 }))
  b[at] = byte
  b.fill(0x20, 148, 156)
  let sum = 0
  for (const x of b) sum += x
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return b
}

const refused = (r: { status: number; stderr: string }) => {
  expect(r.status).toBe(1)
  return r.stderr
}

describe('import refuses what Linux cannot apply, naming the entry', () => {
  test('a uid or gid out of range', () => {
    expect(refused(importTar(one({ ...header({ name: 'f' }), size: 0, uid: 2 ** 32 + 5 }), 'uid'))).toBe('Error: tar entry "f" cannot be applied on Linux: uid 4294967301 is out of range (0 to 4294967294)\n')
    expect(refused(importTar(one({ ...header({ name: 'g' }), size: 0, gid: 2 ** 32 - 1 }), 'gid'))).toBe('Error: tar entry "g" cannot be applied on Linux: gid 4294967295 is out of range (0 to 4294967294)\n')
  })

  test('a time Linux refuses', () => {
    expect(refused(importTar(one({ ...header({ name: 't' }), size: 0, mtime: 1e19 }), 'mtime'))).toBe('Error: tar entry "t" cannot be applied on Linux: its mtime 10000000000000000000 is out of range (±9000000000000000000 seconds)\n')
  })

  test('a 300-byte name component, a 3000-level path', () => {
    expect(refused(importTar(tarOf([{ name: 'a'.repeat(300), data: 'x' }]), 'long'))).toContain('cannot be applied on Linux: a name in its path is 300 bytes long (at most 255)\n')
    expect(refused(importTar(tarOf([{ name: `${'d/'.repeat(3000)}f`, data: 'x' }]), 'deep'))).toContain('cannot be applied on Linux: its path is 6001 bytes long (at most 3072)\n')
  })

  test('an xattr named __proto__ (no namespace)', () => {
    expect(refused(importTar(tarOf([{ name: 'x', data: 'x', xattrs: JSON.parse('{"__proto__":"v"}') as Record<string, string> }]), 'xattr'))).toBe(
      'Error: tar entry "x" cannot be applied on Linux: extended attribute "__proto__" has no namespace Linux knows (user. trusted. security. system.)\n',
    )
  })

  test("overlayfs' own xattrs (redirect, metacopy, opaque) are refused: only the store makes them", () => {
    for (const name of ['trusted.overlay.redirect', 'user.overlay.metacopy', 'trusted.overlay.opaque', 'user.fuseoverlayfs.opaque']) {
      const tag = name.replace(/\W/g, '-')
      expect(refused(importTar(tarOf([{ name: 'x', data: 'x', xattrs: { [name]: '/ab/0123456789abcdef0123' } }]), tag))).toBe(
        `Error: tar entry "x" cannot be applied on Linux: extended attribute "${name}" is overlayfs' own marker, which a layer may not set\n`,
      )
    }
    expect(store(root, ['import', join(tmp.dir, 'uid.tar'), 'r/ok']).status).toBe(1) // the refusals left nothing behind
    expect(store(root, ['images', '-q']).stdout).toBe('')
  })

  test('names that are not UTF-8 are refused, never merged', () => {
    const tar = Buffer.concat([rawName('cafX', 3, 0xe9), rawName('cafY', 3, 0xe8), END_OF_ARCHIVE])
    expect(refused(importTar(tar, 'utf8'))).toBe('Error: tar entry "caf\ufffd" cannot be applied on Linux: its name or link target is not valid UTF-8\n')
  })

  test('a folder import and a COPY of a name that is not UTF-8 say so', () => {
    const dir = join(tmp.dir, 'latin1')
    mkdirSync(dir)
    writeFileSync(Buffer.from(`${dir}/caf\xe9`, 'latin1'), '1')
    writeFileSync(join(dir, 'ok'), '2')
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n')
    const msg = `Error: cannot read "caf\ufffd" in ${dir}: its name is not valid UTF-8 (bytes 63 61 66 e9)\n`
    expect([store(root, ['import', dir, 'r/dir']).status, store(root, ['import', dir, 'r/dir']).stderr]).toEqual([1, msg])
    const b = store(root, ['build', '-q', dir])
    expect([b.status, b.stderr]).toEqual([1, msg])
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY ok /x\n')
    expect(store(root, ['build', '-q', dir]).status).toBe(0) // FROM scratch + COPY of good names
  })
})
