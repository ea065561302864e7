// `store load` reads hostile archives as hostile: every blob's digest and every descriptor's
// size are checked, malformed manifests and indexes get an error naming the field, nested
// indexes are bounded, members that are neither layers nor small JSON are never kept, and a
// file that cannot be read is Docker's `open X: ...` (exit 1, no stack trace). Archives that
// `store save` writes for layers of any vintage (v7 tars, empty input, trailing bytes) load.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBuilt, sh, store, tempDir } from '../_fixtures/cli.js'
import { dockerSave, rawTar, tarOf } from '../_fixtures/hostile.js'

let tmp: { dir: string; cleanup: () => void }
let root: string
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')
const layer = tarOf([{ name: 'hello.txt', data: 'hello\n' }])

beforeAll(() => {
  requireBuilt()
  tmp = tempDir('store-load-')
  root = join(tmp.dir, 'root')
})
afterAll(() => tmp?.cleanup())

function load(archive: Buffer) {
  const f = join(tmp.dir, `a-${sha(archive).slice(0, 12)}.tar`)
  writeFileSync(f, archive)
  return store(root, ['load', '-i', f])
}

/** An OCI layout archive whose index.json points at `top` (a descriptor), plus `blobs`. */
function ociArchive(top: object, blobs: Buffer[], extra: [string, Buffer][] = []): Buffer {
  return rawTar([
    ['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')],
    ...blobs.map((b): [string, Buffer] => [`blobs/sha256/${sha(b)}`, b]),
    ...extra,
    ['index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [top] }))],
  ])
}

const desc = (mediaType: string, b: Buffer) => ({ mediaType, digest: `sha256:${sha(b)}`, size: b.length })
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } }))
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: desc('application/vnd.oci.image.config.v1+json', config), layers: [desc('application/vnd.oci.image.layer.v1.tar', layer)] }))
const IDX = 'application/vnd.oci.image.index.v1+json'
const MAN = 'application/vnd.oci.image.manifest.v1+json'

describe('store load refuses', () => {
  test('a blob whose content does not match its name', () => {
    const bad = Buffer.from(manifest)
    const archive = rawTar([
      ['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')],
      [`blobs/sha256/${sha(config)}`, config],
      [`blobs/sha256/${sha(layer)}`, Buffer.concat([layer.subarray(0, 600), Buffer.from('X'), layer.subarray(601)])],
      [`blobs/sha256/${sha(bad)}`, bad],
      ['index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [desc(MAN, bad)] }))],
    ])
    const r = load(archive)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^Error: archive member blobs/sha256/${sha(layer)} does not match its digest: its content is sha256:[0-9a-f]{64}\\n$`))
  })

  test('a link under a digest\'s name to content of another digest (it took the place of the checked blob)', () => {
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(manifest.toString()), annotations: { swapped: 'yes' } }))
    const archive = tarOf([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${sha(config)}`, data: config.toString() },
      { name: `blobs/sha256/${sha(layer)}`, data: layer.toString('latin1') },
      { name: `blobs/sha256/${sha(manifest)}`, data: manifest.toString() },
      { name: 'other', data: other.toString() },
      { name: `blobs/sha256/${sha(manifest)}`, type: 'symlink', linkname: '../../other' },
      { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [{ ...desc(MAN, manifest), annotations: { 'org.opencontainers.image.ref.name': 'swapped:1' } }] }) },
    ])
    const r = load(archive)
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`Error: archive member blobs/sha256/${sha(manifest)} is both a file and a link\n`)
    const linkOnly = tarOf([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${sha(config)}`, data: config.toString() },
      { name: `blobs/sha256/${sha(layer)}`, data: layer.toString('latin1') },
      { name: 'other', data: other.toString() },
      { name: `blobs/sha256/${sha(manifest)}`, type: 'symlink', linkname: '../../other' },
      { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [desc(MAN, manifest)] }) },
    ])
    const l = load(linkOnly)
    expect(l.status).toBe(1)
    expect(l.stderr).toBe(`Error: archive member blobs/sha256/${sha(manifest)} links to other, whose content is sha256:${sha(other)}\n`)
    expect(store(root, ['images', '-q', 'swapped']).stdout).toBe('')
  })

  test('an archive whose second image has a bad tag: nothing of the first is tagged either', () => {
    const archive = rawTar([
      ['c.json', config],
      ['l.tar', layer],
      ['manifest.json', Buffer.from(JSON.stringify([
        { Config: 'c.json', RepoTags: ['first-good:1'], Layers: ['l.tar'] },
        { Config: 'c.json', RepoTags: ['Bad Tag'], Layers: ['l.tar'] },
      ]))],
    ])
    const r = load(archive)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('invalid reference format')
    expect(store(root, ['images', '-q', 'first-good']).stdout).toBe('')
  })

  test('a descriptor whose size is not its blob\'s', () => {
    const r = load(ociArchive({ ...desc(MAN, manifest), size: 7 }, [config, layer, manifest]))
    expect([r.status, r.stderr]).toEqual([1, `Error: index.json: manifests[0]: size 7 does not match blobs/sha256/${sha(manifest)} (${manifest.length} bytes)\n`])
  })

  test('indexes nested deeper than 8, without a stack overflow', () => {
    let top = desc(MAN, manifest)
    const blobs = [config, layer, manifest]
    for (let i = 0; i < 12; i++) {
      const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [top] }))
      blobs.push(idx)
      top = desc(IDX, idx)
    }
    const r = load(ociArchive(top, blobs))
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/indexes nested deeper than 8\n$/)
    expect(r.stderr).not.toMatch(/Maximum call stack|    at /)
  })

  test('malformed manifest.json and manifests, naming the field', () => {
    const m = (v: unknown) => rawTar([['manifest.json', Buffer.from(JSON.stringify(v))]])
    expect(load(m([{ Config: 5, Layers: [] }])).stderr).toBe('Error: manifest.json entry 0: Config is not a string\n')
    expect(load(m([{ Config: 'c.json', Layers: 'x' }])).stderr).toBe('Error: manifest.json entry 0: Layers is not a list\n')
    expect(load(m({})).stderr).toBe('Error: manifest.json in the archive is not a list\n')
    const noLayers = Buffer.from(JSON.stringify({ schemaVersion: 2, config: desc('x', config) }))
    const r = load(ociArchive(desc(MAN, noLayers), [config, noLayers]))
    expect([r.status, r.stderr]).toEqual([1, `Error: blobs/sha256/${sha(noLayers)}: layers is not a list\n`])
  })

  test('a large member is never kept: named as the config, it is not a JSON document', () => {
    const big = Buffer.alloc(5 << 20, 0x20)
    big[0] = 0x7b // '{': looks like JSON, but too large to be metadata
    const archive = rawTar([['big.json', big], ['manifest.json', Buffer.from(JSON.stringify([{ Config: 'big.json', Layers: [] }]))]])
    const r = load(archive)
    expect([r.status, r.stderr]).toEqual([1, `Error: big.json in the archive is not a JSON document (${big.length} bytes)\n`])
  })

  test('a missing file, a folder: Docker\'s words, exit 1, no stack trace', () => {
    const missing = store(root, ['load', '-i', join(tmp.dir, 'nope.tar')])
    expect([missing.status, missing.stderr]).toEqual([1, `Error: open ${join(tmp.dir, 'nope.tar')}: no such file or directory\n`])
    const dir = join(tmp.dir, 'a-folder')
    mkdirSync(dir)
    const folder = store(root, ['load', '-i', dir])
    expect(folder.status).toBe(1)
    expect(folder.stderr).toBe(`Error: ${dir} is a folder without an OCI layout (no index.json) or a docker save manifest.json\n`)
  })
})

describe('store load accepts', () => {
  test('a valid OCI layout and a docker save archive', () => {
    expect(load(ociArchive({ ...desc(MAN, manifest), annotations: { 'org.opencontainers.image.ref.name': 'oci/ok:1' } }, [config, layer, manifest]))).toMatchObject({ status: 0, stdout: 'Loaded image: oci/ok:1\n' })
    expect(load(dockerSave('save/ok:1', [layer]))).toMatchObject({ status: 0, stdout: 'Loaded image: save/ok:1\n' })
  })

  test('what save wrote for layers imported from a v7 tar, an empty input, a tar with trailing bytes', () => {
    const d = join(tmp.dir, 'v7src')
    mkdirSync(d)
    writeFileSync(join(d, 'f'), 'hi\n')
    sh(`tar --format=v7 -C ${d} -cf ${tmp.dir}/v7.tar . && { cat ${tmp.dir}/v7.tar; printf garbage; } > ${tmp.dir}/garbage.tar`)
    expect(store(root, ['import', `${tmp.dir}/v7.tar`, 'in/v7']).status).toBe(0)
    expect(store(root, ['import', '-', 'in/empty'], { input: '' }).status).toBe(0)
    expect(store(root, ['import', `${tmp.dir}/garbage.tar`, 'in/garbage']).status).toBe(0)
    for (const t of ['in/v7', 'in/empty', 'in/garbage']) {
      const f = join(tmp.dir, `${t.replace('/', '-')}.saved.tar`)
      expect(store(root, ['save', '-o', f, t]).status).toBe(0)
      const before = store(root, ['inspect', '-f', '{{.Id}}', t]).stdout
      expect(store(root, ['rmi', t]).status).toBe(0)
      expect(store(root, ['load', '-i', f])).toMatchObject({ status: 0, stdout: `Loaded image: ${t}:latest\n` })
      expect(store(root, ['inspect', '-f', '{{.Id}}', t]).stdout).toBe(before)
    }
    expect(store(root, ['fsck']).status).toBe(0)
  })
})
