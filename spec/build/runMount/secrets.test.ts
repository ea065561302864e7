// --secret: buildx's flag syntax and words, BuildKit's file store defaults and limits.

import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_SECRET_SIZE, openSecrets, parseSecretFlag } from '../../../lib/build/runMount/index.js'

describe('parseSecretFlag()', () => {
  test.each([
    ['id=npm,src=/home/u/.npmrc', { id: 'npm', file: '/home/u/.npmrc' }],
    ['id=npm,source=f', { id: 'npm', file: 'f' }],
    ['id=tok,env=GITHUB_TOKEN', { id: 'tok', env: 'GITHUB_TOKEN' }],
    ['type=env,id=tok,src=VAR', { id: 'tok', env: 'VAR' }],
    ['type=file,id=a', { id: 'a' }],
    ['"id=a,b",src=f', { id: 'a,b', file: 'f' }],
  ])('%s', (flag, want) => {
    expect(parseSecretFlag(flag)).toEqual(want)
  })

  test.each([
    ['id', "invalid field 'id' must be a key=value pair"],
    ['id=a,type=ssh', 'unsupported secret type "ssh"'],
    ['id=a,path=/x', "unexpected key 'path' in 'path=/x'"],
  ])('%s → %s', (flag, what) => {
    expect(() => parseSecretFlag(flag)).toThrow(what)
  })
})

describe('openSecrets()', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-secrets-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))
  const text = async (p: Promise<Uint8Array | undefined>) => {
    const v = await p
    return v === undefined ? undefined : new TextDecoder().decode(v)
  }

  test('a file, a variable, and an id alone: the variable of that name if set, else the file', async () => {
    writeFileSync(join(dir, 'f'), 'from-file')
    writeFileSync(join(dir, 'SAME'), 'file-named-like-the-id')
    const s = await openSecrets([{ id: 'a', file: join(dir, 'f') }, { id: 'b', env: 'B_VAR' }, { id: join(dir, 'SAME') }, { id: 'ID_VAR' }], { B_VAR: 'from-env', ID_VAR: 'id-env' })
    expect(await text(s.get('a'))).toBe('from-file')
    expect(await text(s.get('b'))).toBe('from-env')
    expect(await text(s.get(join(dir, 'SAME')))).toBe('file-named-like-the-id')
    expect(await text(s.get('ID_VAR'))).toBe('id-env')
    expect(await s.get('missing')).toBeUndefined()
  })

  test('a missing file, an empty id and a file over 500KiB are refused when the build starts', async () => {
    await expect(openSecrets([{ id: 'a', file: join(dir, 'nope') }], {})).rejects.toThrow(`failed to stat ${join(dir, 'nope')}: stat ${join(dir, 'nope')}: no such file or directory`)
    await expect(openSecrets([{ id: '' }], {})).rejects.toThrow('secret missing ID')
    writeFileSync(join(dir, 'big'), Buffer.alloc(MAX_SECRET_SIZE + 1))
    await expect(openSecrets([{ id: 'big', file: join(dir, 'big') }], {})).rejects.toThrow('secret big too big. max size 500KiB')
  })
})
