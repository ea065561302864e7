// Docker's path patterns (moby/patternmatcher): syntax check as Go's filepath.Match does
// it, and compilation to an exact, prefix (`a/**`), suffix (`**/a`) or regex test.

// filepath.Match's syntax check: a trailing `\`, an unclosed or empty class, a bad range.
export function validGlob(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (c === '\\') {
      if (++i >= p.length) return false
    } else if (c === '[') {
      i++
      if (p[i] === '^') i++
      let n = 0
      for (;;) {
        if (i >= p.length) return false
        if (p[i] === ']' && n > 0) break
        // one item: char or escaped char, optionally `-` and another
        for (let side = 0; side < 2; side++) {
          if (i >= p.length || p[i] === '-' || p[i] === ']') return false
          if (p[i] === '\\' && ++i >= p.length) return false
          i++
          if (i >= p.length) return false
          if (side === 0 && p[i] !== '-') break
          if (side === 0) i++
        }
        n++
      }
    }
  }
  return true
}

export type Test = (path: string) => boolean

// patternmatcher's compile: exact, prefix (`a/**`), suffix (`**/a`) or a regex.
export function compileGlob(pattern: string): Test {
  let re = '^'
  let type: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact'
  const cps = Array.from(pattern)
  for (let i = 0, k = 0; k < cps.length; i++) {
    const ch = cps[k++]
    if (ch === '*') {
      if (cps[k] === '*') {
        k++
        if (cps[k] === '/') k++ // `**/` is `**`
        if (k >= cps.length) {
          if (type === 'exact') type = 'prefix'
          else {
            re += '.*'
            type = 'regexp'
          }
        } else {
          re += '(.*/)?'
          type = 'regexp'
        }
        if (i === 0) type = 'suffix'
      } else {
        re += '[^/]*'
        type = 'regexp'
      }
    } else if (ch === '?') {
      re += '[^/]'
      type = 'regexp'
    } else if ('.+()|{}$'.includes(ch)) re += '\\' + ch
    else if (ch === '\\') {
      if (k < cps.length) {
        re += '\\' + cps[k++]
        type = 'regexp'
      } else re += '\\\\'
    } else if (ch === '[' || ch === ']') {
      re += ch
      type = 'regexp'
    } else re += ch
  }
  switch (type) {
    case 'exact':
      return (p) => p === pattern
    case 'prefix': {
      const prefix = pattern.slice(0, -2)
      return (p) => p.startsWith(prefix)
    }
    case 'suffix': {
      const suffix = pattern.slice(2)
      return (p) => p.endsWith(suffix) || (suffix.startsWith('/') && p === suffix.slice(1))
    }
    case 'regexp': {
      const rx = new RegExp(re + '$')
      return (p) => rx.test(p)
    }
  }
}
