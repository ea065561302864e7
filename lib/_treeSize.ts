// Apparent size of a tree (regular files and symlinks, each inode once), as `du -sb --apparent`
// would count it without dirs: what Docker reports as a container's SizeRw.

import { lstat, readdir } from 'node:fs/promises'

export async function treeSize(dir: string): Promise<number> {
  const seen = new Set<string>()
  let total = 0
  const walk = async (d: string): Promise<void> => {
    let names: string[]
    try {
      names = await readdir(d)
    } catch (e: any) {
      if (e?.code === 'ENOENT') return
      throw e
    }
    for (const n of names) {
      const st = await lstat(`${d}/${n}`)
      if (st.isDirectory()) await walk(`${d}/${n}`)
      else if (st.isFile() || st.isSymbolicLink()) {
        const key = `${st.dev}:${st.ino}`
        if (st.nlink > 1 && seen.has(key)) continue
        seen.add(key)
        total += st.size
      }
    }
  }
  await walk(dir)
  return total
}
