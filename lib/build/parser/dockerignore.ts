// .dockerignore matching with Docker's rules (moby/patternmatcher + ignorefile.ReadAll):
//  - one pattern a line; a line starting with `#` is a comment (only at column 0);
//  - patterns are trimmed, cleaned like Go's filepath.Clean, a leading `/` dropped;
//  - `*` any run within one path segment, `?` one char, `[…]` a class, `\` escapes,
//    `**` any number of segments (also none);
//  - `!pattern` re-includes (an exception); the last pattern that matches a path or one of
//    its parent folders decides.
// Pure; paths are relative to the context root with `/` separators.

import { Codes, StoreError } from '../../errors.js'
import { cleanPath } from '../../_gopath.js'
import { trimSpace } from './_text.js'
import { compileGlob, validGlob, type Test } from './_glob.js'

export interface IgnorePattern {
  /** Cleaned pattern, without the leading `!`. */
  pattern: string
  /** `!pattern`: paths it matches are included again. */
  exclusion: boolean
  /** 1-based line in the .dockerignore (0 when given as a string). */
  line: number
}

export interface IgnoreMatcher {
  /** Whether `relPath` is excluded from the context. `isDir` is accepted for symmetry; Docker's rules do not use it. */
  (relPath: string, isDir?: boolean): boolean
  /**
   * Whether a walk may skip folder `relDir` entirely: it is excluded and no exception can
   * match anything below it. (Conservative: true only when that is certain.)
   */
  canSkipDir(relDir: string): boolean
  /** Whether any pattern is an exception (`!…`). */
  readonly hasExceptions: boolean
  readonly patterns: readonly IgnorePattern[]
}

function invalid(p: IgnorePattern, why: string): StoreError {
  const where = p.line > 0 ? ` on line ${p.line}` : ''
  return new StoreError(Codes.INVALID_ARGUMENT, `invalid .dockerignore pattern "${p.exclusion ? '!' : ''}${p.pattern}"${where}: ${why}`, {
    data: { line: p.line, pattern: p.pattern },
  })
}

/** Read a .dockerignore (ignorefile.ReadAll). */
export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = []
  const lines = text.split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  lines.forEach((raw, i) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (i === 0 && line.startsWith('\ufeff')) line = line.slice(1)
    if (line.startsWith('#')) return
    let p = trimSpace(line)
    if (p === '') return
    const exclusion = p.startsWith('!')
    if (exclusion) p = trimSpace(p.slice(1))
    if (p !== '') {
      p = cleanPath(p)
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1)
    }
    const pat = { pattern: p, exclusion, line: i + 1 }
    if (p === '') throw invalid(pat, 'illegal exclusion pattern: "!"')
    out.push(pat)
  })
  return out
}

interface Compiled extends IgnorePattern { test: Test; segments: string[] }

function fromString(raw: string): IgnorePattern {
  let p = cleanPath(trimSpace(raw))
  const exclusion = p.startsWith('!')
  if (exclusion) p = p.slice(1)
  return { pattern: p, exclusion, line: 0 }
}

// Can exception `pat` match a path strictly below `dirSegs`? Segment by segment, `**` or a
// class (which may match `/` in the compiled regex) meaning "maybe".
function reachesBelow(pat: Compiled, dirSegs: string[]): boolean {
  if (pat.pattern.includes('[')) return true
  const segs = pat.segments
  for (let k = 0; k < dirSegs.length; k++) {
    if (k >= segs.length) return false
    if (segs[k].includes('**')) return true
    if (!compileGlob(segs[k])(dirSegs[k])) return false
  }
  return segs.length > dirSegs.length
}

/** A matcher for `patterns` (from parseDockerignore, or raw pattern strings). */
export function createIgnoreMatcher(patterns: readonly (IgnorePattern | string)[]): IgnoreMatcher {
  const compiled: Compiled[] = patterns
    .filter((p) => typeof p !== 'string' || trimSpace(p) !== '')
    .map((p) => {
      const pat = typeof p === 'string' ? fromString(p) : p
      if (pat.exclusion && pat.pattern === '') throw invalid(pat, 'illegal exclusion pattern: "!"')
      if (!validGlob(pat.pattern)) throw invalid(pat, 'syntax error in pattern')
      let test: Test
      try {
        test = compileGlob(pat.pattern)
      } catch {
        throw invalid(pat, 'syntax error in pattern')
      }
      return { ...pat, test, segments: pat.pattern.split('/') }
    })
  const hasExceptions = compiled.some((p) => p.exclusion)

  const ignored = (relPath: string): boolean => {
    const file = cleanPath(relPath.replace(/^\/+/, ''))
    if (file === '.') return false // the context root itself is never excluded
    const slash = file.lastIndexOf('/')
    const parents = slash < 0 ? [] : file.slice(0, slash).split('/')
    let matched = false
    for (const p of compiled) {
      if (p.exclusion !== matched) continue // cannot change the outcome
      let m = p.test(file)
      for (let i = 0; !m && i < parents.length; i++) m = p.test(parents.slice(0, i + 1).join('/'))
      if (m) matched = !p.exclusion
    }
    return matched
  }

  const matcher = ((relPath: string) => ignored(relPath)) as IgnoreMatcher
  matcher.canSkipDir = (relDir: string): boolean => {
    if (!ignored(relDir)) return false
    const dir = cleanPath(relDir.replace(/^\/+/, ''))
    const segs = dir.split('/')
    return !compiled.some((p) => p.exclusion && reachesBelow(p, segs))
  }
  Object.defineProperty(matcher, 'hasExceptions', { value: hasExceptions })
  Object.defineProperty(matcher, 'patterns', { value: compiled.map(({ pattern, exclusion, line }) => ({ pattern, exclusion, line })) })
  return matcher
}
