// Loaded before every spec file (vitest.config.ts setupFiles). Property tests are deterministic
// under CI: one fixed seed for every fc.assert that does not name its own (FC_SEED overrides it,
// to replay a failure). Elsewhere a new seed each run widens the search. fast-check prints the
// seed and the shrunk path of any failure, so a counterexample can always be replayed.

import fc from 'fast-check'

const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : process.env.CI ? 20261203 : (Date.now() ^ (process.pid << 8)) | 0
fc.configureGlobal({ seed })
