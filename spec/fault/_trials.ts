// The kill -9 trial loop. A scenario is run once to the end first (its duration spreads the
// kill delays over the whole operation: from half the CLI's start-up to its end), then
// `trials` times killed at a seeded random delay. After every kill, what must hold
// whatever the point: the store is sound (fsck clean, earlier images intact) and the scenario's
// own check; then the operation is run again to its end and must give the same result.
// (fsck runs once per trial, after the kill: each retry is checked by the next trial's fsck.)

import { performance } from 'node:perf_hooks'
import { killAfter, store } from './_procs.js'
import { rngFor, replayable, SEED } from './_seed.js'
import { expectSound, type KeptImage } from './_check.js'

export interface Scenario {
  name: string
  root: string
  /** Images that must survive every trial untouched. */
  kept: () => KeptImage[]
  /** Puts the store in the state the operation starts from (every trial, and the first run). */
  before?: (trial: number) => Promise<void>
  args: (trial: number) => string[]
  env?: Record<string, string>
  /** After a kill (or an end the kill came too late for): what the operation left must be sound. */
  afterKill?: (trial: number, r: { killed: boolean; status: number; stderr: string }) => Promise<void>
  /** Check every snapshot against its layers after each kill too (operations that make snapshots). */
  snapshots?: boolean
  /** The operation again, to its end: throws unless it gives the reference result. */
  retry: (trial: number) => Promise<void>
}

export interface TrialStats {
  trials: number
  killed: number
}

export async function runTrials(s: Scenario, trials: number): Promise<TrialStats> {
  const random = rngFor(s.name)
  const t0 = performance.now()
  await store(s.root, ['images', '-q'])
  const lo = (performance.now() - t0) / 2
  // The operation once, undisturbed: its duration is where the kills go (the retry then sets
  // up the scenario's reference result). Every run that ends before its kill shortens it.
  await s.before?.(-1)
  const t1 = performance.now()
  const first = await store(s.root, s.args(-1), { env: s.env })
  let span = performance.now() - t1
  if (first.status !== 0) throw new Error(`store ${s.args(-1).join(' ')} failed (${first.status}): ${first.stderr}`)
  await s.retry(-1)
  let killed = 0
  for (let i = 0; i < trials; i++) {
    const delay = Math.round(lo + random() * Math.max(20, span - lo))
    await replayable(`${s.name}, trial ${i}, kill after ${delay} ms`, async () => {
      await s.before?.(i)
      const t = performance.now()
      const r = await killAfter(s.root, s.args(i), delay, { env: s.env })
      if (r.killed) killed++
      else if (r.status !== 0) throw new Error(`not killed, and failed (${r.status}): ${r.stderr}`)
      else span = Math.min(span, performance.now() - t)
      await s.afterKill?.(i, r)
      await expectSound(s.root, s.kept(), { snapshots: s.snapshots })
      // The retry's own soundness is what the next trial's check (or the last one) sees.
      await s.retry(i)
    })
  }
  await expectSound(s.root, s.kept())
  // Where the kills landed, for whoever reads the log: before the end, or too late.
  console.info(`${s.name}: ${trials} trials (FAULT_SEED=${SEED}), ${killed} killed before the end, span ${Math.round(lo)}-${Math.round(span)} ms`)
  return { trials, killed }
}

/** Runs a store command that must succeed; returns its stdout. */
export async function ok(root: string, args: string[], env?: Record<string, string>): Promise<string> {
  const r = await store(root, args, { env })
  if (r.status !== 0) throw new Error(`store ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}
