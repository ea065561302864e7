// Long commands show a progress line on a terminal (what, how much of how much, the rate and
// the time left; cleared at the end) and nothing extra in a pipe; -q silences it. The terminal
// is a real pty (util-linux `script`); the archive is GNU tar's.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, requireBuilt, sh, store, tempDir } from '../_fixtures/cli.js'
import { seededBytes } from '../_fixtures/seeded.js'
import { humanSize } from '../../lib/units.js'
import { needTool, unavailable } from '../_fixtures/requires.js'

const noScript = unavailable('the progress specs', needTool(['/usr/bin/script'], 'bsdutils'))

/** The command on a pty: everything it wrote there (stdout and stderr), raw. */
function onTerminal(root: string, args: string[]): { status: number | null; text: string } {
  const cmd = [process.execPath, '--', BIN, '--root', root, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return { status: r.status, text: r.stdout }
}

describe.skipIf(noScript)('progress lines', () => {
  let tmp: ReturnType<typeof tempDir>
  let root: string
  let tar: string
  beforeAll(() => {
    requireBuilt()
    tmp = tempDir()
    root = join(tmp.dir, 'root')
    mkdirSync(join(tmp.dir, 'tree/data'), { recursive: true })
    writeFileSync(join(tmp.dir, 'tree/data/blob'), seededBytes(6 << 20, 11))
    writeFileSync(join(tmp.dir, 'tree/hello'), 'hello\n')
    tar = join(tmp.dir, 'tree.tar')
    sh(`tar -C ${tmp.dir}/tree -cf ${tar} .`)
  })
  afterAll(() => tmp.cleanup())

  test('in a pipe: import, save, load and fsck write nothing but their results', () => {
    const imp = store(root, ['import', tar, 'p/a'])
    expect(imp.stderr).toBe('')
    expect(imp.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/)
    const save = store(root, ['save', '-o', join(tmp.dir, 'a.tar'), 'p/a'])
    expect([save.status, save.stderr, save.stdout]).toEqual([0, '', ''])
    const load = store(root, ['load', '-i', join(tmp.dir, 'a.tar')])
    expect([load.status, load.stderr, load.stdout]).toEqual([0, '', 'Loaded image: p/a:latest\n'])
    const fsck = store(root, ['fsck'])
    expect(fsck.stderr).toBe('')
    expect(fsck.stdout).toMatch(/checked: no problems\n$/)
    const df = store(root, ['system', 'df', '-v'])
    expect([df.status, df.stderr]).toEqual([0, ''])
    expect(df.stdout).toMatch(/^Images space usage:/)
  })

  test('on a terminal: import shows what it read of the file\'s size, then clears the line', () => {
    const r = onTerminal(root, ['import', tar, 'p/b'])
    expect(r.status).toBe(0)
    expect(r.text).toContain(`Importing: ${humanSize(statSync(tar).size)} / ${humanSize(statSync(tar).size)}`)
    expect(r.text).toMatch(/Importing: 0B \//)
    // Cleared before the ID is printed: the terminal ends with the ID alone on its line.
    expect(r.text).toMatch(/\r\x1b\[2Ksha256:[0-9a-f]{64}\r?\n$/)
  })

  test('on a terminal: a folder import counts bytes (no total is known ahead), save and load theirs, fsck names its steps', () => {
    const dir = onTerminal(root, ['import', join(tmp.dir, 'tree'), 'p/c'])
    expect(dir.status).toBe(0)
    expect(dir.text).toContain(`Importing: ${humanSize((6 << 20) + 6)}`)
    const save = onTerminal(root, ['save', '-o', join(tmp.dir, 'c.tar'), 'p/c'])
    expect(save.status).toBe(0)
    expect(save.text).toContain(`Saving: ${humanSize(statSync(join(tmp.dir, 'c.tar')).size)}`)
    const load = onTerminal(root, ['load', '-i', join(tmp.dir, 'c.tar')])
    expect(load.text).toContain(`Loading: ${humanSize(statSync(join(tmp.dir, 'c.tar')).size)} / ${humanSize(statSync(join(tmp.dir, 'c.tar')).size)}`)
    expect(load.text).toContain('Loaded image: p/c:latest')
    const fsck = onTerminal(root, ['fsck'])
    expect(fsck.status).toBe(0)
    // The line is redrawn at most ten times a second: its first and last states always show.
    expect(fsck.text).toMatch(/checking packs: 0 of \d+/)
    expect(fsck.text).toMatch(/checked \d+ layers\r\x1b\[2K/)
    expect(fsck.text).toMatch(/checked: no problems\r?\n$/)
  })

  test('on a terminal: system df (-v too) counts the layer indexes it reads, then clears the line before its tables', () => {
    for (const args of [['system', 'df'], ['system', 'df', '-v']]) {
      const r = onTerminal(root, args)
      expect(r.status, args.join(' ')).toBe(0)
      const layers = Number(/Reading layer indexes: \d+ \/ (\d+) layers/.exec(r.text)?.[1])
      expect(layers, args.join(' ')).toBeGreaterThan(0)
      expect(r.text).toContain(`Reading layer indexes: 0 / ${layers} layers`)
      expect(r.text).toMatch(new RegExp(`Reading layer indexes: ${layers} / ${layers} layers.*\r\x1b\\[2K(TYPE|Images space usage:)`))
    }
  })

  test('-q silences the line on a terminal too', () => {
    for (const args of [['import', '-q', tar, 'p/d'], ['save', '-q', '-o', join(tmp.dir, 'd.tar'), 'p/d'], ['load', '-q', '-i', join(tmp.dir, 'd.tar')], ['fsck', '-q']]) {
      const r = onTerminal(root, args)
      expect(r.status, args.join(' ')).toBe(0)
      expect(r.text, args.join(' ')).not.toMatch(/Importing|Saving|Loading|checking|\x1b\[2K/)
    }
  })
})
