import { defineConfig } from 'vitest/config'

// Opt-in specs, too heavy for every run (a debootstrap'd Debian base, Debian's mirror):
// `npm run build && npm run test:debian`.
export default defineConfig({
  test: { include: ['spec/optin/**/*.test.ts'], testTimeout: 900_000, hookTimeout: 900_000, pool: 'forks' },
})
