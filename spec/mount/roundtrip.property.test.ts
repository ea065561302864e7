import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { formatMount, parseMount, parseTmpfs, parseVolume, type MountSpec } from '../../lib/mount/index.js'
import { csvField, readCsvRecord } from '../../lib/mount/_csv.js'
import { isStoreError } from '../../lib/errors.js'
import { CWD } from './_util.js'

// Characters that stress the syntax: separators, quotes, whitespace, dots, non-ASCII.
const tricky = fc.constantFrom('a', 'b', 'Z', '0', '/', '.', ',', '"', ' ', '=', ':', '\n', '\r', '\t', 'é', '-', '_', '~', '\u00a0')
const text = fc.string({ unit: tricky, maxLength: 10 })
const segment = fc.oneof(fc.constantFrom('.', '..', 'x', 'data', 'a b', 'c,d', 'q"q', 'é'), text)
const absPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`)
const anyPath = fc.oneof(absPath, text, fc.constantFrom('.', './x', '../y', '~/z'))
const volName = fc.oneof(fc.constantFrom('data', 'v1', 'my.vol_1-x', 'a', '..'), fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,12}$/), text)
const bool = fc.constantFrom('', '=1', '=true', '=0', '=false', '=yes')

/** A --mount value: plausible fields of every family, sometimes wrong, quoted the way Go's csv writer quotes. */
const field = fc.oneof(
  fc.constantFrom('bind', 'volume', 'tmpfs', 'BIND', 'image').map((t) => `type=${t}`),
  fc.tuple(fc.constantFrom('source', 'src'), fc.oneof(anyPath, volName)).map(([k, v]) => `${k}=${v}`),
  fc.tuple(fc.constantFrom('target', 'dst', 'destination', 'Target'), fc.oneof({ weight: 4, arbitrary: absPath }, { weight: 1, arbitrary: anyPath })).map(([k, v]) => `${k}=${v}`),
  fc.tuple(fc.constantFrom('readonly', 'ro', 'volume-nocopy', 'bind-create-src'), bool).map(([k, v]) => k + v),
  fc.constantFrom('private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'Shared', 'bogus').map((p) => `bind-propagation=${p}`),
  fc.constantFrom('enabled', 'disabled', 'writable', 'readonly').map((r) => `bind-recursive=${r}`),
  fc.oneof(fc.constantFrom('x', 'a/b', '../x', '/abs'), text).map((s) => `volume-subpath=${s}`),
  fc.tuple(fc.constantFrom('volume-label', 'volume-opt'), text, text).map(([k, a, b]) => `${k}=${a}=${b}`),
  fc.oneof(fc.constantFrom('local'), text).map((d) => `volume-driver=${d}`),
  fc.constantFrom('1m', '1MB', '1048576', '0', '1.5k', 'x').map((s) => `tmpfs-size=${s}`),
  fc.constantFrom('700', '0700', '1777', '0', '9').map((s) => `tmpfs-mode=${s}`),
  fc.constantFrom('consistency=cached'),
  text,
)
const mountValue = fc.array(field, { minLength: 1, maxLength: 8 }).map((fs) => fs.map(csvField).join(','))

/** A --mount value built per type, so most of them are valid: the round trip needs successes. */
const optionsOf = {
  bind: fc.oneof(
    fc.constantFrom('private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave').map((p) => `bind-propagation=${p}`),
    fc.constantFrom('enabled', 'disabled').map((r) => `bind-recursive=${r}`),
    bool.map((b) => `bind-create-src${b}`),
  ),
  volume: fc.oneof(
    bool.map((b) => `volume-nocopy${b}`),
    fc.constantFrom('x', 'a/b', 'a/../b', './c', 'd e').map((s) => `volume-subpath=${s}`),
    fc.tuple(fc.constantFrom('volume-label', 'volume-opt'), text, text).map(([k, a, b]) => `${k}=${a}=${b}`),
    fc.oneof(fc.constantFrom('local'), text).map((d) => `volume-driver=${d}`),
  ),
  tmpfs: fc.oneof(
    fc.constantFrom('1m', '1MB', '1048576', '0', '1.5k', '3 g').map((s) => `tmpfs-size=${s}`),
    fc.constantFrom('700', '0700', '1777', '0').map((s) => `tmpfs-mode=${s}`),
  ),
}
const validish = fc.constantFrom('bind', 'volume', 'tmpfs').chain((type) =>
  fc.tuple(
    fc.constant(`type=${type}`),
    type === 'tmpfs' ? fc.constant(undefined) : type === 'bind' ? absPath.map((p) => `src=${p}`) : fc.option(volName.map((n) => `source=${n}`)),
    absPath.map((p) => `target=${p}`),
    fc.array(fc.oneof({ weight: 5, arbitrary: optionsOf[type as 'bind'] }, { weight: 1, arbitrary: fc.constantFrom('ro', 'readonly=0', 'consistency=delegated') }), { maxLength: 5 }),
  ).map(([t, s, d, o]) => [t, ...(s ? [s] : []), d, ...o].map(csvField).join(',')),
)

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch (e) {
    if (isStoreError(e, 'MOUNT_INVALID')) return undefined
    throw e // anything else is a crash
  }
}

describe('formatMount() round trip', () => {
  test('parseMount(formatMount(s)) is s for every spec parseMount returns', () => {
    let parsed = 0
    fc.assert(
      fc.property(fc.oneof(validish, mountValue), (value) => {
        const spec = attempt(() => parseMount(value, CWD))
        if (spec === undefined) return
        parsed++
        expect(parseMount(formatMount(spec), CWD)).toEqual(spec)
      }),
      { numRuns: 3000 },
    )
    // The generator must reach the interesting case often enough to mean something.
    expect(parsed).toBeGreaterThan(300)
  })

  test('specs from -v survive too (their origin becomes mount)', () => {
    const volumeSpec = fc.tuple(fc.oneof(anyPath, volName), fc.oneof(absPath, anyPath), fc.constantFrom('', 'ro', 'rw', 'z', 'ro,shared', 'nocopy', 'rslave', 'nocopy,ro'))
      .map(([s, t, m]) => (m ? `${s}:${t}:${m}` : `${s}:${t}`))
    fc.assert(
      fc.property(fc.oneof(volumeSpec, absPath), (v) => {
        const spec = attempt(() => parseVolume(v, CWD))
        if (spec === undefined) return
        expect(parseMount(formatMount(spec), CWD)).toEqual({ ...spec, origin: 'mount' })
      }),
      { numRuns: 1000 },
    )
  })

  test('a tmpfs from --tmpfs keeps its target, size, mode and readonly', () => {
    fc.assert(
      fc.property(absPath, fc.constantFrom('', 'ro', 'size=64m', 'mode=1777,size=1k', 'rw,noexec'), (t, o) => {
        const spec = attempt(() => parseTmpfs(o ? `${t}:${o}` : t))
        if (spec === undefined) return
        const back = parseMount(formatMount(spec), CWD) as MountSpec
        expect(back).toEqual({ ...spec, origin: 'mount', options: [] })
      }),
      { numRuns: 500 },
    )
  })

  test('a cleaned path ending in whitespace still round-trips', () => {
    const spec = parseMount('type=bind,src=/h,dst=/a /b/..', CWD)
    expect(spec.target).toBe('/a ')
    expect(formatMount(spec)).toBe('type=bind,source=/h,target=/a /.')
    expect(parseMount(formatMount(spec), CWD)).toEqual(spec)
  })

  test('quotes are written where a field needs them', () => {
    const spec = parseMount('type=volume,src=data,dst=/t,"volume-opt=o=addr=1.2.3.4,rw",volume-label=say=hi', CWD)
    expect(formatMount(spec)).toBe('type=volume,source=data,target=/t,volume-label=say=hi,"volume-opt=o=addr=1.2.3.4,rw"')
  })
})

describe('no input crashes a parser', () => {
  const anything = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: tricky, maxLength: 40 }), mountValue)
  test.each([
    ['parseMount', (s: string) => parseMount(s, CWD)],
    ['parseVolume', (s: string) => parseVolume(s, CWD)],
    ['parseTmpfs', (s: string) => parseTmpfs(s)],
  ])('%s returns or throws MOUNT_INVALID', (_name, parse) => {
    fc.assert(
      fc.property(anything, (s) => {
        attempt(() => parse(s))
      }),
      { numRuns: 3000 },
    )
  })
})

describe('the CSV reader', () => {
  test('reads back what csvField wrote', () => {
    const f = fc.string({ unit: fc.constantFrom('a', ',', '"', ' ', '\n', '\r', 'é', '\t', '='), maxLength: 8 })
    fc.assert(
      fc.property(fc.array(f, { minLength: 1, maxLength: 6 }), (fields) => {
        fc.pre(!(fields.length === 1 && fields[0] === ''))
        expect(readCsvRecord(fields.map(csvField).join(','))).toEqual(fields)
      }),
      { numRuns: 2000 },
    )
  })
})
