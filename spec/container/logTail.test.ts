// `logs --tail N`: where the last N lines start, read backwards a window at a time.

import { describe, expect, test } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tailStart } from '../../lib/container/logs.js'

async function tailOf(text: string, n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'store-tail-'))
  try {
    writeFileSync(join(dir, 'log'), text)
    const fh = await open(join(dir, 'log'), 'r')
    try {
      return text.slice(await tailStart(fh, n))
    } finally {
      await fh.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('tailStart', () => {
  test('the last N lines, with or without a final newline; more than there are is all; 0 is none', async () => {
    expect(await tailOf('a\nb\nc\n', 2)).toBe('b\nc\n')
    expect(await tailOf('a\nb\nc', 2)).toBe('b\nc')
    expect(await tailOf('a\nb\nc\n', 9)).toBe('a\nb\nc\n')
    expect(await tailOf('a\nb\nc\n', 0)).toBe('')
    expect(await tailOf('', 3)).toBe('')
    expect(await tailOf('\n\n\n', 2)).toBe('\n\n')
  })

  test('lines across the 64 KiB read window', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`)
    const text = lines.join('\n') + '\n'
    expect(await tailOf(text, 15_000)).toBe(lines.slice(5_000).join('\n') + '\n')
  })
})
