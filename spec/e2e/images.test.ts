// End-to-end: the core image commands through the built binary, on real archives made by other
// tools (GNU tar, npm pack), against a temp store root.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { BIN, requireBuilt, sh, store, storeIn, tempDir } from '../_fixtures/cli.js'
import { humanSize } from '../../lib/units.js'

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex')

/** Bytes of file content in `tree` (below): a hard link's content counts once; symlinks and fifos none. */
const CONTENT = (3 << 20) + (1 << 20) + 'box\n'.length + 'deep\n'.length
/** Hex names of every loose blob of a store root. */
const blobsIn = (r: string) => readdirSync(join(r, 'blobs/sha256')).flatMap((s) => readdirSync(join(r, 'blobs/sha256', s)))
/** Entry counts of the packs of a store root that readers see (those with an index), by name. */
const packsIn = (r: string): Map<string, number> =>
  new Map((existsSync(join(r, 'packs')) ? readdirSync(join(r, 'packs')) : []).filter((f) => f.endsWith('.idx')).map((f) => [f, readFileSync(join(r, 'packs', f)).readUInt32LE(8)]))
/** A size as the CLI prints it (three significant digits), back in bytes. */
const bytesOf = (s: string) => {
  const m = /^([\d.]+)(B|kB|MB|GB)$/.exec(s)
  if (!m) throw new Error(`not a size: ${s}`)
  return Number(m[1]) * 1000 ** ['B', 'kB', 'MB', 'GB'].indexOf(m[2])
}
/** The numbers of the Deduplication line of `store system df`. */
function dedupOf(r: string) {
  const out = store(r, ['system', 'df']).stdout
  const m = /^Deduplication: (\S+) of layer content is (\S+) in distinct chunks \((\S+) saved by dedup\), (\S+) on disk in (\d+) blobs after compression \((\d+)% saved in all\)$/m.exec(out)
  if (!m) throw new Error(`no Deduplication line in:\n${out}`)
  return { logical: m[1], chunks: m[2], saved: m[3], stored: m[4], blobs: Number(m[5]), percent: Number(m[6]) }
}

let tmp: { dir: string; cleanup: () => void }
let root: string
let tree: string

/** Files of a saved archive, as name -> bytes (extracted with GNU tar). */
function extractArchive(file: string): string {
  const out = join(tmp.dir, `x-${Math.random().toString(16).slice(2)}`)
  mkdirSync(out)
  sh(`tar -xf ${file} -C ${out}`)
  return out
}

beforeAll(() => {
  requireBuilt()
  tmp = tempDir()
  root = join(tmp.dir, 'root')
  tree = join(tmp.dir, 'tree')
  mkdirSync(join(tree, 'etc'), { recursive: true })
  mkdirSync(join(tree, 'usr/share/data'), { recursive: true })
  writeFileSync(join(tree, 'etc/hostname'), 'box\n')
  writeFileSync(join(tree, 'usr/share/data/big.bin'), Buffer.alloc(3 << 20, 7))
  const rnd = Buffer.alloc(1 << 20)
  for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24
  writeFileSync(join(tree, 'usr/share/data/rand.bin'), rnd)
  sh(`ln -s /etc/hostname ${tree}/usr/hostname-link && ln ${tree}/etc/hostname ${tree}/etc/hostname.hard && mkfifo ${tree}/fifo`)
  sh(`mkdir -p ${tree}/${'long-directory-name/'.repeat(8)} && echo deep > ${tree}/${'long-directory-name/'.repeat(8)}file-with-a-long-name.txt`)
})

afterAll(() => tmp?.cleanup())

describe('store import', () => {
  test('imports a GNU tar and saves a layer byte-identical to it', () => {
    const tarFile = join(tmp.dir, 'tree.tar')
    sh(`tar --format=gnu -C ${tree} -cf ${tarFile} .`)
    const r = store(root, ['import', tarFile, 'acme/base:1'])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/)
    const out = join(tmp.dir, 'saved.tar')
    expect(store(root, ['save', '-o', out, 'acme/base:1']).status).toBe(0)
    const x = extractArchive(out)
    const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'))
    expect(manifest[0].RepoTags).toEqual(['acme/base:1'])
    const layer = readFileSync(join(x, manifest[0].Layers[0]))
    const original = readFileSync(tarFile)
    expect(sha(layer)).toBe(sha(original))
    expect(layer.equals(original)).toBe(true)
  })

  test('imports gzip tarballs made by npm pack and keeps the uncompressed tar exact', () => {
    const packDir = join(tmp.dir, 'packs')
    mkdirSync(packDir)
    for (const pkg of ['fflate', 'yargs']) sh(`npm pack --silent --ignore-scripts --pack-destination ${packDir} ${resolve('node_modules', pkg)} >/dev/null`)
    const tgzs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'))
    expect(tgzs.length).toBe(2)
    for (const f of tgzs) {
      const name = `npm/${f.replace(/-[\d.]+\.tgz$/, '')}`
      const r = store(root, ['import', join(packDir, f), name])
      expect(r.status, r.stderr).toBe(0)
      const out = join(tmp.dir, `${f}.tar`)
      expect(store(root, ['save', '-o', out, name]).status).toBe(0)
      const x = extractArchive(out)
      const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'))
      const layer = readFileSync(join(x, manifest[0].Layers[0]))
      expect(layer.equals(gunzipSync(readFileSync(join(packDir, f))))).toBe(true)
    }
  })

  test('imports a folder and stdin; identical content is stored once', () => {
    const r1 = store(root, ['import', tree, 'acme/dir'])
    expect(r1.status, r1.stderr).toBe(0)
    const before = new Set(blobsIn(root))
    const packsBefore = packsIn(root)
    const df0 = dedupOf(root)
    // The same files under another path, owner and mtime: another layer, the same chunks.
    const tarBytes = sh(`tar --format=posix --owner=4321 --group=4321 --mtime=2001-02-03 --transform 's,^\\.,./copy,' -C ${tree} -cf - . | base64 -w0`)
    const r2 = store(root, ['import', '-', 'acme/stdin', '--change', 'ENTRYPOINT ["sh"]', '-c', 'ENV A=1'], { input: Buffer.from(tarBytes, 'base64') })
    expect(r2.status, r2.stderr).toBe(0)
    const cfg = JSON.parse(store(root, ['inspect', 'acme/stdin']).stdout)[0]
    expect(cfg.Config.Entrypoint).toEqual(['sh'])
    expect(cfg.Config.Env).toEqual(['A=1'])

    // New blobs: the image's config and manifest and its layer's index root (loose), and its one
    // segment (in a new pack of its own); not one chunk.
    const hex = (d: string) => d.slice('sha256:'.length)
    const layer = JSON.parse(readFileSync(join(root, 'layers', `${hex(cfg.RootFS.Layers[0])}.json`), 'utf8'))
    expect(layer.contentSize).toBe(CONTENT)
    const added = blobsIn(root).filter((b) => !before.has(b))
    const known = [cfg.Id, cfg.Descriptor.digest, layer.index].map(hex)
    expect(added.sort()).toEqual(known.sort())
    const newPacks = [...packsIn(root)].filter(([name]) => !packsBefore.has(name))
    expect(newPacks.map(([, entries]) => entries)).toEqual([1])

    // df: CONTENT more layer content, the same distinct chunk bytes, CONTENT more saved.
    const df1 = dedupOf(root)
    expect(df1.chunks).toBe(df0.chunks)
    expect(df1.blobs).toBe(df0.blobs + 4)
    // Three significant digits: each printed size is within 0.5% of the true one.
    const grewBy = (a: string, b: string, want: number) => expect(Math.abs(bytesOf(b) - bytesOf(a) - want), `${a} -> ${b}`).toBeLessThanOrEqual(0.005 * (bytesOf(a) + bytesOf(b)))
    grewBy(df0.logical, df1.logical, CONTENT)
    grewBy(df0.saved, df1.saved, CONTENT)
    // A whole percent, rounded down: both may print the same one (98.4 -> 98.9).
    expect(df1.percent).toBeGreaterThanOrEqual(df0.percent)
  })

  test('a folder of many small files and a tar followed by 48 MiB of zeros import, save byte for byte, and fsck is clean', () => {
    // Issue 11: fsck called such a store corrupt (a >1 MiB brotli index read back undecoded),
    // and the zeros were held in memory and in the index (bench/ has the full-size runs).
    const r7 = join(tmp.dir, 'bounded-root')
    const many = join(tmp.dir, 'many-files')
    for (let i = 0; i < 3000; i++) {
      if (i % 250 === 0) mkdirSync(join(many, `d${i / 250}`), { recursive: true })
      writeFileSync(join(many, `d${Math.floor(i / 250)}`, `f${i}.txt`), `small file ${i}\n`)
    }
    expect(store(r7, ['import', many, 'bounded/files']).status).toBe(0)
    const tarFile = join(tmp.dir, 'bomb.tar')
    sh(`tar --format=gnu -C ${tree} -cf ${tarFile} ./etc && head -c ${48 << 20} /dev/zero >> ${tarFile} && gzip -1 -k ${tarFile}`)
    const imp = store(r7, ['import', `${tarFile}.gz`, 'bounded/bomb'])
    expect(imp.status, imp.stderr).toBe(0)
    const out = join(tmp.dir, 'bomb-saved.tar')
    expect(store(r7, ['save', '-o', out, 'bounded/bomb']).status).toBe(0)
    const x = extractArchive(out)
    const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'))
    expect(readFileSync(join(x, manifest[0].Layers[0])).equals(readFileSync(tarFile))).toBe(true)
    const fsck = store(r7, ['fsck'])
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0)
  })

  test('--change before the source applies to the image and keeps source and name', () => {
    // Last before the positionals: a greedy array option took them ("Not enough non-option arguments").
    const r = store(root, ['import', '-m', 'changed first', '--change', 'ENV B=2', '-c', 'CMD ["sh", "-c", "echo $B"]', tree, 'acme/imp'])
    expect(r.status, r.stderr).toBe(0)
    const cfg = JSON.parse(store(root, ['inspect', 'acme/imp']).stdout)[0]
    expect(cfg.Id).toBe(r.stdout.trim())
    expect(cfg.RepoTags).toEqual(['acme/imp:latest'])
    expect(cfg.Config.Env).toEqual(['B=2'])
    expect(cfg.Config.Cmd).toEqual(['sh', '-c', 'echo $B'])
    expect(cfg.Comment).toBe('changed first')
    expect(store(root, ['rmi', 'acme/imp']).status).toBe(0)
  })
})

describe('images, tag, history, rmi', () => {
  test('lists, tags, and removes only what no other image uses', () => {
    const ls = store(root, ['images'])
    expect(ls.stdout.split('\n')[0]).toMatch(/^REPOSITORY\s{3,}TAG\s{3,}IMAGE ID\s{3,}CREATED\s{3,}SIZE$/)
    expect(ls.stdout).toMatch(/acme\/base\s+1\s+[0-9a-f]{12}\s/)
    expect(store(root, ['tag', 'acme/base:1', 'acme/base:2']).status).toBe(0)
    const q = store(root, ['images', '-q']).stdout.trim().split('\n')
    expect(new Set(q).size).toBe(q.length)
    const json = store(root, ['images', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(json.some((o) => o.Repository === 'acme/base' && o.Tag === '2')).toBe(true)
    expect(store(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout).toContain('acme/base:2\n')
    const rmi = store(root, ['rmi', 'acme/base:2'])
    expect(rmi.stdout).toBe('Untagged: acme/base:2\n')
    const hist = store(root, ['history', 'acme/base:1'])
    expect(hist.stdout.split('\n')[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/)
    expect(hist.stdout).toContain('Imported from')
    // acme/dir and acme/stdin share all their chunks: removing one keeps the other whole.
    expect(store(root, ['rmi', 'acme/dir']).status).toBe(0)
    const fsck = store(root, ['fsck'])
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0)
    const out = join(tmp.dir, 'stdin.tar')
    expect(store(root, ['save', '-o', out, 'acme/stdin']).status).toBe(0)
  })

  test('bad references and missing images are clear errors', () => {
    const bad = store(root, ['tag', 'acme/base:1', 'Acme/Bad'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toBe('Error: invalid reference format: repository name (Bad) must be lowercase\n')
    const missing = store(root, ['inspect', 'nope/nothing'])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/^Error: No such object: nope\/nothing/)
    const rmi = store(root, ['rmi', 'nope'])
    expect(rmi.status).toBe(1)
    expect(rmi.stderr).toBe('Error: No such image: nope\n')
  })
})

describe('save and load', () => {
  test('a saved archive loads into another store with the same image ID, and skopeo/umoci accept it', () => {
    const out = join(tmp.dir, 'base.tar')
    expect(store(root, ['save', '-o', out, 'acme/base:1']).status).toBe(0)
    const other = join(tmp.dir, 'other-root')
    const r = store(other, ['load', '-i', out])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe('Loaded image: acme/base:1\n')
    const id1 = JSON.parse(store(root, ['inspect', 'acme/base:1']).stdout)[0].Id
    const id2 = JSON.parse(store(other, ['inspect', 'acme/base:1']).stdout)[0].Id
    expect(id2).toBe(id1)
    // Third-party readers of the OCI layout inside the archive.
    const x = extractArchive(out)
    sh(`oci-image-tool validate --type image ${x}`)
    sh(`skopeo copy --quiet oci:${x}:1 dir:${join(tmp.dir, 'skopeo-out')}`)
    sh(`umoci unpack --rootless --image ${x}:1 ${join(tmp.dir, 'umoci-bundle')}`)
    expect(readFileSync(join(tmp.dir, 'umoci-bundle/rootfs/etc/hostname'), 'utf8')).toBe('box\n')
  })

  test('save --format oci -o DIR/: an OCI image layout folder that oci-image-tool, skopeo and umoci read, and load takes back; never half-written', () => {
    const dir = join(tmp.dir, 'layout')
    const r = store(root, ['save', '--format', 'oci', '-o', `${dir}/`, 'acme/base:1'])
    expect(r.status, r.stderr).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(['blobs', 'index.json', 'oci-layout'])
    sh(`oci-image-tool validate --type image ${dir}`)
    sh(`skopeo copy --quiet oci:${dir}:1 dir:${join(tmp.dir, 'skopeo-layout-out')}`)
    sh(`umoci unpack --rootless --image ${dir}:1 ${join(tmp.dir, 'umoci-layout-bundle')}`)
    expect(readFileSync(join(tmp.dir, 'umoci-layout-bundle/rootfs/etc/hostname'), 'utf8')).toBe('box\n')
    const other = join(tmp.dir, 'layout-root')
    expect(store(other, ['load', '-i', dir]).stdout).toBe('Loaded image: acme/base:1\n')
    expect(JSON.parse(store(other, ['inspect', 'acme/base:1']).stdout)[0].Id).toBe(JSON.parse(store(root, ['inspect', 'acme/base:1']).stdout)[0].Id)
    // Docker's format into an empty folder that exists: manifest.json and repositories too.
    const docker = join(tmp.dir, 'layout-docker')
    mkdirSync(docker)
    expect(store(root, ['save', '-o', docker, 'acme/base:1']).status).toBe(0)
    expect(readdirSync(docker).sort()).toEqual(['blobs', 'index.json', 'manifest.json', 'oci-layout', 'repositories'])
    // A folder with something in it is refused, and left as it was; nothing beside it.
    const again = store(root, ['save', '-o', docker, 'acme/base:1'])
    expect(again.status).toBe(1)
    expect(again.stderr).toBe(`Error: ${docker} exists and is not an empty folder\n`)
    expect(readdirSync(tmp.dir).filter((n) => n.includes('.tmp-'))).toEqual([])
    // A missing image: no folder at all.
    const missing = store(root, ['save', '-o', `${join(tmp.dir, 'never')}/`, 'nosuch:1'])
    expect(missing.status).toBe(1)
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false)
    // The archive in the OCI format has no Docker files, and still loads.
    const ociTar = join(tmp.dir, 'oci.tar')
    expect(store(root, ['save', '--format', 'oci', '-o', ociTar, 'acme/base:1']).status).toBe(0)
    expect(spawnSync('tar', ['-tf', ociTar], { encoding: 'utf8' }).stdout).not.toContain('manifest.json')
    expect(store(join(tmp.dir, 'oci-tar-root'), ['load', '-i', ociTar]).stdout).toBe('Loaded image: acme/base:1\n')
  })

  test('save to stdout piped into load from stdin; a reader that stops early ends save with 141, quietly', () => {
    const other = join(tmp.dir, 'piped-root')
    const r = spawnSync('sh', ['-c', `node -- "$1" --root "$2" save acme/base:1 | node -- "$1" --root "$3" load`, 'sh', BIN, root, other], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe('Loaded image: acme/base:1\n')
    // `| head -c 1`: Docker's CLI dies of SIGPIPE (status 141 in the shell), with no message.
    const h = spawnSync('bash', ['-c', 'node -- "$1" --root "$2" save acme/base:1 | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"', 'bash', BIN, root], { encoding: 'utf8' })
    expect(h.stdout).toBe('141\n')
    expect(h.stderr).toBe('')
  })

  test('loads an OCI layout folder (skopeo\'s, zstd layers), and of a multi-platform index the host\'s image only', () => {
    const out = join(tmp.dir, 'multi-src.tar')
    expect(store(root, ['save', '-o', out, 'acme/base:1']).status).toBe(0)
    const dir = join(tmp.dir, 'oci-multi')
    sh(`skopeo copy --quiet --dest-compress --dest-compress-format zstd docker-archive:${out} oci:${dir}:1`)
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'))
    const real = index.manifests[0]
    const manifest = JSON.parse(readFileSync(join(dir, 'blobs/sha256', real.digest.slice(7)), 'utf8'))
    expect(manifest.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd')
    // Another platform's manifest is named and absent, as in a `docker save` of one platform.
    const host = process.arch === 'arm64' ? 'arm64' : 'amd64'
    const absent = { mediaType: real.mediaType, digest: `sha256:${'0'.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: host === 'amd64' ? 'arm64' : 'amd64' } }
    const nested = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [absent, { mediaType: real.mediaType, digest: real.digest, size: real.size, platform: { os: 'linux', architecture: host } }] }))
    writeFileSync(join(dir, 'blobs/sha256', sha(nested).slice(7)), nested)
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(nested), size: nested.length, annotations: { 'org.opencontainers.image.ref.name': 'acme/multi:1' } }] }))
    const other = join(tmp.dir, 'multi-root')
    const r = store(other, ['load', '-i', dir])
    expect([r.status, r.stdout], r.stderr).toEqual([0, 'Loaded image: acme/multi:1\n'])
    expect(JSON.parse(store(other, ['inspect', 'acme/multi:1']).stdout)[0].Id).toBe(manifest.config.digest)
    // No entry for this host: Docker's words.
    writeFileSync(join(dir, 'blobs/sha256', sha(nested).slice(7)), nested) // unchanged; a second index without the host:
    const only = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [absent] }))
    writeFileSync(join(dir, 'blobs/sha256', sha(only).slice(7)), only)
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(only), size: only.length }] }))
    const none = store(other, ['load', '-i', dir])
    expect([none.status, none.stderr]).toEqual([1, `Error: no matching manifest for linux/${host} in the manifest list entries\n`])
  })

  test('loads an archive written by skopeo (docker-archive format)', () => {
    const x = extractArchive(join(tmp.dir, 'base.tar'))
    const da = join(tmp.dir, 'docker-archive.tar')
    sh(`skopeo copy --quiet oci:${x}:1 docker-archive:${da}:legacy/base:7`)
    const other = join(tmp.dir, 'root-3')
    const r = store(other, ['load', '-i', da])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('Loaded image: legacy/base:7')
    expect(store(other, ['fsck']).status).toBe(0)
  })
})

describe('bad input changes nothing', () => {
  test('a truncated gzip, a truncated tar and an escaping path are refused', () => {
    const r0 = join(tmp.dir, 'bad-root')
    const tgz = join(tmp.dir, 'tree.tgz')
    sh(`tar -C ${tree} -czf ${tgz} .`)
    const bytes = readFileSync(tgz)
    writeFileSync(join(tmp.dir, 'trunc.tgz'), bytes.subarray(0, bytes.length >> 1))
    const a = store(r0, ['import', join(tmp.dir, 'trunc.tgz'), 'x/y'])
    expect(a.status).not.toBe(0)
    expect(a.stderr).toMatch(/^Error: /)
    const tarFile = join(tmp.dir, 'tree2.tar')
    sh(`tar -C ${tree} -cf ${tarFile} .`)
    writeFileSync(join(tmp.dir, 'trunc.tar'), readFileSync(tarFile).subarray(0, 700_000))
    const b = store(r0, ['import', join(tmp.dir, 'trunc.tar'), 'x/y'])
    expect(b.status).not.toBe(0)
    const evil = join(tmp.dir, 'evil')
    mkdirSync(evil)
    writeFileSync(join(evil, 'f'), 'x')
    sh(`tar -P -C ${evil} -cf ${tmp.dir}/evil.tar --transform 's,^,../../,' f`)
    const c = store(r0, ['import', join(tmp.dir, 'evil.tar'), 'x/y'])
    expect(c.status).toBe(1)
    expect(c.stderr).toMatch(/escapes the layer root/)
    expect(store(r0, ['images', '-q']).stdout).toBe('')
    expect(readdirSync(join(r0, 'layers'))).toEqual([])
    expect(readdirSync(join(r0, 'ingest'))).toEqual([])
  })

  test('a store root of a newer layout version is refused', () => {
    const r1 = join(tmp.dir, 'future-root')
    mkdirSync(r1)
    writeFileSync(join(r1, 'VERSION'), '99\n')
    const r = store(r1, ['images'])
    expect(r.status).toBe(125)
    expect(r.stderr).toMatch(/layout version 99/)
  })
})

describe('space and health', () => {
  test('fsck finds a corrupted blob and exits non-zero', () => {
    const r2 = join(tmp.dir, 'fsck-root')
    expect(store(r2, ['import', tree, 'a/b']).status).toBe(0)
    expect(store(r2, ['fsck']).status).toBe(0)
    // Flip a byte in the largest blob.
    const files: string[] = []
    for (const s of readdirSync(join(r2, 'blobs/sha256'))) for (const f of readdirSync(join(r2, 'blobs/sha256', s))) files.push(join(r2, 'blobs/sha256', s, f))
    files.sort((a, b) => statSync(b).size - statSync(a).size)
    const buf = readFileSync(files[0])
    buf[buf.length - 1] ^= 0xff
    writeFileSync(files[0], buf)
    const r = store(r2, ['fsck'])
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(files[0].split('/').pop()!)
  })

  test('prune keeps what is tagged and removes what is not', () => {
    const r3 = join(tmp.dir, 'prune-root')
    expect(store(r3, ['import', tree, 'keep/me']).status).toBe(0)
    expect(store(r3, ['import', join(tmp.dir, 'tree.tar')]).status).toBe(0)
    writeFileSync(join(r3, 'ingest', 'stale-file'), 'x')
    const p = store(r3, ['system', 'prune', '-f'])
    expect(p.status, p.stderr).toBe(0)
    expect(p.stdout).toMatch(/Deleted Images:\ndeleted: sha256:/)
    expect(p.stdout).toMatch(/Total reclaimed space: /)
    expect(existsSync(join(r3, 'ingest', 'stale-file'))).toBe(false)
    expect(store(r3, ['images', '-q']).stdout.trim().split('\n').length).toBe(1)
    expect(store(r3, ['fsck']).status).toBe(0)
    const pa = store(r3, ['system', 'prune', '-a', '-f'])
    expect(pa.status).toBe(0)
    expect(store(r3, ['images', '-q']).stdout).toBe('')
    expect(readdirSync(join(r3, 'layers'))).toEqual([])
  })

  test('two imports at once both succeed and fsck is clean', async () => {
    const r4 = join(tmp.dir, 'conc-root')
    const [a, b] = await Promise.all([storeIn(r4, ['import', tree, 'c/a']), storeIn(r4, ['import', join(tmp.dir, 'tree.tar'), 'c/b'])])
    expect(a.status, a.stderr).toBe(0)
    expect(b.status, b.stderr).toBe(0)
    expect(store(r4, ['fsck']).status).toBe(0)
    expect(store(r4, ['images', '-q']).stdout.trim().split('\n').length).toBe(2)
  })

  test("system df shows Docker columns, each image's sizes, and what dedup saved", () => {
    // Three images of the same files: a folder import, a tar with another owner (another layer),
    // and that tar again with another message (another image, the same layer).
    const r5 = join(tmp.dir, 'df-root')
    const owned = join(tmp.dir, 'tree-owned.tar')
    sh(`tar --owner=4321 --group=4321 -C ${tree} -cf ${owned} .`)
    for (const args of [['import', tree, 'df/dir'], ['import', owned, 'df/tar'], ['import', '-m', 'again', owned, 'df/again']]) {
      const r = store(r5, args)
      expect(r.status, r.stderr).toBe(0)
    }
    const r = store(r5, ['system', 'df'])
    expect(r.stdout.split('\n')[0]).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/)
    // Two distinct layers of CONTENT bytes each, no container: all of it reclaimable (four
    // digits, as Docker's summary).
    expect(r.stdout).toMatch(new RegExp(`^Images\\s+3\\s+0\\s+${humanSize(2 * CONTENT, 4)}\\s+${humanSize(2 * CONTENT, 4)} \\(100%\\)$`, 'm'))

    const v = store(r5, ['system', 'df', '-v']).stdout.split('\n')
    const head = v.findIndex((l) => l.startsWith('REPOSITORY'))
    expect(v[head].split(/\s{2,}/)).toEqual(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS', 'DEDUPLICATED', 'STORED'])
    const rows = new Map(v.slice(head + 1, head + 4).map((l) => l.split(/\s{2,}/)).map((c) => [c[0], c]))
    const id12 = (name: string) => JSON.parse(store(r5, ['inspect', name]).stdout)[0].Id.slice(7, 19)
    const C = humanSize(CONTENT)
    // Same files, so the same chunks in each image: one DEDUPLICATED and one STORED for all.
    // df/tar and df/again have one layer: all shared, as in Docker. df/dir's layer is another
    // (other owners) but holds the same chunks: shared too, all but the two small files kept in
    // its own index ('box\n', 'deep\n': 9 bytes). SHARED SIZE and UNIQUE SIZE have four digits.
    const [dedup, stored] = rows.get('df/dir')!.slice(8)
    expect(rows.get('df/dir')!.filter((_, i) => i !== 3)).toEqual(['df/dir', 'latest', id12('df/dir'), C, humanSize(CONTENT - 9, 4), '9B', '0', dedup, stored])
    expect(rows.get('df/tar')!.filter((_, i) => i !== 3)).toEqual(['df/tar', 'latest', id12('df/tar'), C, humanSize(CONTENT, 4), '0B', '0', dedup, stored])
    expect(rows.get('df/again')!.filter((_, i) => i !== 3)).toEqual(['df/again', 'latest', id12('df/again'), C, humanSize(CONTENT, 4), '0B', '0', dedup, stored])
    // 3 MiB of one byte repeated are a few distinct chunks: far fewer bytes than CONTENT.
    expect(bytesOf(dedup)).toBeLessThan(CONTENT / 2)
    expect(bytesOf(stored)).toBeLessThanOrEqual(bytesOf(dedup))

    const d = dedupOf(r5)
    expect(d.logical).toBe(humanSize(2 * CONTENT))
    expect(d.chunks).toBe(dedup)
    expect(bytesOf(d.saved)).toBeGreaterThan(CONTENT) // one layer's worth and the repeats inside it
    expect(d.percent).toBeGreaterThan(50)
  })

  test('fsck finds a layer whose rebuilt tar does not match its diffID', () => {
    // A throw-away root: two images, then one layer record points at the other's index (a
    // valid blob, so only the rebuild-and-hash step can tell).
    const r6 = join(tmp.dir, 'fsck-layer-root')
    const other = join(tmp.dir, 'other-tree')
    mkdirSync(other)
    writeFileSync(join(other, 'only-here'), 'other\n')
    expect(store(r6, ['import', tree, 'f/tree']).status).toBe(0)
    expect(store(r6, ['import', other, 'f/other']).status).toBe(0)
    expect(store(r6, ['fsck']).status).toBe(0)
    const names = readdirSync(join(r6, 'layers')).filter((n) => n.endsWith('.json'))
    expect(names.length).toBe(2)
    const [a, b] = names.map((n) => JSON.parse(readFileSync(join(r6, 'layers', n), 'utf8')))
    writeFileSync(join(r6, 'layers', names[0]), JSON.stringify({ ...a, index: b.index }))
    const r = store(r6, ['fsck'])
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(`layer ${a.chainId}: rebuilt tar has diffID ${b.diffId}, want ${a.diffId}\n`)
    expect(r.stdout).toMatch(/ 1 problem\(s\)\n$/)
    expect(r.stderr).toMatch(/^Error: fsck found 1 problem/m)
  })

  test('system info names the storage driver, why it was chosen, the backing file system and the root', () => {
    const r = store(root, ['system', 'info'])
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.split('\n')
    const value = (key: string) => lines.find((l) => l.startsWith(key))?.slice(key.length)
    expect(lines[0]).toBe('Server:')
    // The driver this root keeps (driver.json), with the reason its probe gave.
    const kept = JSON.parse(readFileSync(join(root, 'driver.json'), 'utf8'))
    expect(value(' Storage Driver: ')).toBe(kept.name)
    expect(value('  Chosen Because: ')).toBe(kept.reason)
    expect(value(`  Probe ${kept.name}: `)).toBe(`ok (${kept.reason})`)
    expect(value('  Backing Filesystem: ')).toBe(sh(`findmnt -n -o FSTYPE -T ${root}`).trim())
    expect(value(' Store Root Dir: ')).toBe(root)
    expect(value(' Images: ')).toBe(String(store(root, ['images', '-q']).stdout.trim().split('\n').length))
    expect(value(' Containers: ')).toBe('0')
  })
})

describe('an import killed midway', () => {
  test('leaves no image and no blob, only temp files that prune removes; importing again works', async () => {
    const { spawn } = await import('node:child_process')
    const { BIN } = await import('../_fixtures/cli.js')
    const kroot = join(tmp.dir, 'killed-root')
    const big = join(tmp.dir, 'killed-tree')
    mkdirSync(big)
    // Incompressible content, big enough that the import is still writing chunks when killed.
    const { randomFillSync } = await import('node:crypto')
    for (let i = 0; i < 24; i++) writeFileSync(join(big, `f${i}`), randomFillSync(Buffer.alloc(4 << 20)))
    expect(store(kroot, ['images', '-q']).status).toBe(0)
    const ingest = join(kroot, 'ingest')
    const child = spawn(process.execPath, ['--', BIN, '--root', kroot, 'import', big, 'killed:1'], { stdio: 'ignore' })
    const exited = new Promise((r) => child.on('exit', r))
    // Kill it once it has written some chunks (8 MiB of its pack) but before it can be done.
    const written = () => readdirSync(ingest).reduce((a, f) => a + statSync(join(ingest, f)).size, 0)
    for (let i = 0; i < 2000 && written() < 8 << 20; i++) await new Promise((r) => setTimeout(r, 5))
    child.kill('SIGKILL')
    await exited
    expect(readdirSync(ingest).length).toBeGreaterThan(0)
    expect(store(kroot, ['images', '-q']).stdout).toBe('')
    const blobs = join(kroot, 'blobs/sha256')
    const blobCount = () => (existsSync(blobs) ? readdirSync(blobs).flatMap((s) => readdirSync(join(blobs, s))).length : 0) + [...packsIn(kroot).values()].reduce((a, n) => a + n, 0)
    expect(blobCount()).toBe(0) // nothing of an unfinished layer is in blobs/ or a pack
    expect(store(kroot, ['fsck']).status).toBe(0)
    const prune = store(kroot, ['system', 'prune', '-f'])
    expect(prune.status).toBe(0)
    expect(readdirSync(ingest)).toEqual([])

    expect(store(kroot, ['import', big, 'killed:1']).status).toBe(0)
    expect(blobCount()).toBeGreaterThanOrEqual(24 * 16) // 4 MiB of random bytes: ≥ 16 chunks each
    expect(readdirSync(ingest)).toEqual([])
    const fsck = store(kroot, ['fsck'])
    expect(fsck.status).toBe(0)
    expect(fsck.stdout).toContain('no problems')
  })
})
