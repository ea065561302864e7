// A lock user in its own process, for the cross-process lock spec (runs the built dist/).
//   node _hammer.mjs ROOT COUNTER N   N increments of COUNTER, each under the tags lock
//   node _hammer.mjs ROOT hold        take the tags lock, say "held", wait to be killed
import { readFile, writeFile } from 'node:fs/promises'
import { layout } from '../../dist/lib/layout.js'
import { lockExclusive, withLock } from '../../dist/lib/lock/index.js'

const [root, what, n] = process.argv.slice(2)
const l = layout(root)
if (what === 'hold') {
  await lockExclusive(l, 'tags')
  process.stdout.write('held\n')
  setInterval(() => {}, 1 << 30)
} else {
  for (let i = 0; i < Number(n); i++) {
    await withLock(l, 'tags', async () => {
      const v = Number(await readFile(what, 'utf8'))
      await new Promise((r) => setImmediate(r)) // let the others try to get in here
      await writeFile(what, String(v + 1))
    })
  }
}
