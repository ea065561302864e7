// `npm run bench [name…]`: runs every scenario (or the named ones) one after another and prints
// their tables. Each scenario is one file: bench/<name>.bench.ts.

const SCENARIOS: Record<string, () => Promise<{ default: () => Promise<void> }>> = {
  sha256: () => import('./sha256.bench.js'),
  chunk: () => import('./chunk.bench.js'),
  codec: () => import('./codec.bench.js'),
  import: () => import('./import.bench.js'),
  start: () => import('./start.bench.js'),
  build: () => import('./build.bench.js'),
  manyEntries: () => import('./manyEntries.bench.js'),
  trailerBomb: () => import('./trailerBomb.bench.js'),
  smallFiles: () => import('./smallFiles.bench.js'),
  indexFormat: () => import('./indexFormat.bench.js'),
  peers: () => import('./peers.bench.js'),
  delta: () => import('./delta.bench.js'),
  files: () => import('./files.bench.js'),
  docker: () => import('./docker.bench.js'),
  runLayer: () => import('./runLayer.bench.js'),
  registry: () => import('./registry.bench.js'),
}

const want = process.argv.slice(2)
for (const [name, load] of Object.entries(SCENARIOS)) {
  if (want.length > 0 && !want.includes(name)) continue
  console.log(`\n=== ${name} ===`)
  const mod = await load()
  await mod.default()
}
