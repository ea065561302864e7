// Seeded randomness for the fault suite: under CI=true one fixed seed, so every run kills at
// the same delays; elsewhere a new seed per run; FAULT_SEED=<n> replays one. A failing trial's
// error starts with the seed, the trial and the kill delay, so it can be replayed.

export const SEED = process.env.FAULT_SEED !== undefined ? Number(process.env.FAULT_SEED) : process.env.CI ? 20261211 : (Math.random() * 2 ** 31) >>> 0

/** mulberry32: small, fast, good enough to spread kill delays. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** A seed of its own for each named scenario, so adding one does not shift the others' delays. */
export function rngFor(name: string): () => number {
  let h = SEED
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0
  return rng(h)
}

/** Runs `fn`; a failure is rethrown with what replays it. */
export async function replayable<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    const err = e as Error
    err.message = `[FAULT_SEED=${SEED} ${what}] ${err.message}`
    throw err
  }
}
