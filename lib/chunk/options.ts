// Chunker options: defaults, validation, and the masks derived from the average size.

import { Codes, StoreError } from '../errors.js'
import { spreadMask, type U64 } from './_gear.js'
import { DEFAULT_CHUNKER_OPTIONS, type ChunkerOptions } from './types.js'

/** Options after validation, with the normalized-chunking masks (FastCDC level 2). */
export interface ResolvedChunkerOptions extends ChunkerOptions {
  /** log2(avg) + 2 bits: harder to hit, used for chunk lengths in (min, avg]. */
  maskS: U64
  /** log2(avg) - 2 bits: easier to hit, used for chunk lengths in (avg, max]. */
  maskL: U64
}

/** Bounds that keep the masks meaningful (6..30 bits) and a pending chunk a sane buffer. */
export const CHUNKER_LIMITS = { minMin: 64, avgMin: 256, avgMax: 1 << 28, maxMax: 1 << 30 } as const

const cache = new Map<string, ResolvedChunkerOptions>()

/** Fill defaults and validate; throws INVALID_ARGUMENT naming the bad field. */
export function resolveChunkerOptions(opts: Partial<ChunkerOptions> = {}): ResolvedChunkerOptions {
  const min = opts.min ?? DEFAULT_CHUNKER_OPTIONS.min
  const avg = opts.avg ?? DEFAULT_CHUNKER_OPTIONS.avg
  const max = opts.max ?? DEFAULT_CHUNKER_OPTIONS.max
  const key = `${min}/${avg}/${max}`
  const hit = cache.get(key)
  if (hit) return hit

  const bad = (why: string): never => {
    throw new StoreError(Codes.INVALID_ARGUMENT, `invalid chunker options min=${min} avg=${avg} max=${max}: ${why}`, {
      data: { min, avg, max },
      hint: 'want integers with min < avg < max, avg a power of two',
      })
  }
  for (const [k, v] of [['min', min], ['avg', avg], ['max', max]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(`${k} is not an integer`)
  }
  if (min < CHUNKER_LIMITS.minMin) bad(`min must be at least ${CHUNKER_LIMITS.minMin}`)
  if (avg < CHUNKER_LIMITS.avgMin || avg > CHUNKER_LIMITS.avgMax) {
    bad(`avg must be between ${CHUNKER_LIMITS.avgMin} and ${CHUNKER_LIMITS.avgMax}`)
  }
  if ((avg & (avg - 1)) !== 0) bad('avg must be a power of two')
  if (max > CHUNKER_LIMITS.maxMax) bad(`max must be at most ${CHUNKER_LIMITS.maxMax}`)
  if (!(min < avg && avg < max)) bad('want min < avg < max')

  const bits = Math.log2(avg)
  const r: ResolvedChunkerOptions = { min, avg, max, maskS: spreadMask(bits + 2), maskL: spreadMask(bits - 2) }
  if (cache.size > 64) cache.clear()
  cache.set(key, r)
  return r
}
