import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    setupFiles: ['spec/_setup.ts'],
    globalSetup: ['spec/_globalSetup.ts'],
    include: ['spec/**/*.test.ts'],
    // spec/optin: heavy specs run on request (npm run test:debian), never skipped here.
    exclude: ['spec/optin/**', '**/node_modules/**'],
    // End-to-end specs mount file systems and start containers: give them room on a 2-core box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One file at a time: end-to-end files mount, start containers and run many CLI processes;
    // on two cores, running two such files at once starves the runner's own RPC (vitest's
    // "Timeout calling onTaskUpdate") and makes timings meaningless.
    fileParallelism: false,
  },
})
