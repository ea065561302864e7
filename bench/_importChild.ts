// One import in a fresh process, so its peak RSS is its own: prints {ms, maxRssMB, stats}.
import { openStore } from '../lib/store.js'
import { configFromEnv } from '../lib/config.js'
import { importImage } from '../lib/image/import.js'

const [root, source] = process.argv.slice(2)
// The CLI's STORE_* variables (STORE_IMPORT_MEMO=0 for the re-read import), as the CLI reads them.
const store = await openStore({ ...configFromEnv(process.env), root })
const t0 = performance.now()
const r = await importImage(store, { source, tag: 'bench/tree' })
const ms = performance.now() - t0
console.log(JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024, stats: r.stats ?? null }))
