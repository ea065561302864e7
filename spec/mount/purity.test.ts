import { expect, test } from 'vitest'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const lib = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib')

test('the parser half (lib/mount/parse.ts and all it imports) uses nothing from node:', async () => {
  const seen = new Set<string>()
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return
    seen.add(file)
    const src = await readFile(file, 'utf8')
    expect(src, file).not.toMatch(/from ['"]node:|import\(['"]node:|require\(/)
    // Follow value imports (type-only imports vanish at compile time).
    for (const m of src.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)\.js'/gm)) {
      await visit(join(dirname(file), `${m[1]}.ts`))
    }
  }
  await visit(join(lib, 'mount/parse.ts'))
  expect(seen.size).toBeGreaterThan(10)
})
