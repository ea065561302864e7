// Re-importing a folder whose files have not changed: a stat fingerprint of the whole tree
// (every path with its type, mode, owner, size, mtime, ctime, inode and link target) names the
// layer a previous import made from it. A write to any file changes its ctime (even if its mtime
// is put back), so an equal fingerprint means equal content: the same rule git's index and
// BuildKit's context cache rely on. A hit reuses the layer without reading the files again;
// the layer is still verified to be in the store (record and index blob).

import { readlink } from 'node:fs/promises'
import type { Store } from '../store.js'
import type { Digest } from '../digest/digest.js'
import { walkTree } from '../layer/index.js'
import { readJson, writeFileAtomic } from '../_fs.js'
import { withLock } from '../_lock.js'

interface Memo {
  [fingerprint: string]: { chainId: Digest }
}

const memoPath = (store: Store) => `${store.layout.cacheDir}/import-trees.json`

export async function treeFingerprint(store: Store, dir: string): Promise<string> {
  const h = store.hash.create()
  const enc = new TextEncoder()
  for await (const it of walkTree(dir)) {
    const s = it.stat
    const link = s.isSymbolicLink() ? await readlink(it.source) : ''
    h.update(enc.encode(`${it.name}\0${s.mode}\0${s.uid}\0${s.gid}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}\0${s.dev}\0${s.ino}\0${s.nlink}\0${s.rdev}\0${link}\n`))
  }
  return h.digest()
}

export async function memoLookup(store: Store, fingerprint: string): Promise<Digest | undefined> {
  const m = await readJson<Memo>(memoPath(store)).catch(() => undefined)
  const chainId = m?.[fingerprint]?.chainId
  if (!chainId) return undefined
  const rec = await store.layers.get(chainId)
  if (!rec || !(await store.cas.has(rec.index))) return undefined
  return chainId
}

export async function memoStore(store: Store, fingerprint: string, chainId: Digest): Promise<void> {
  await withLock(store.layout, 'import-trees', async () => {
    const m = (await readJson<Memo>(memoPath(store)).catch(() => undefined)) ?? {}
    m[fingerprint] = { chainId }
    await writeFileAtomic(memoPath(store), JSON.stringify(m))
  })
}
