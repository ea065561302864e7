// Shell wildcard patterns of `${v#p}`, `${v%p}`, `${v/p/r}` (BuildKit's
// convertShellPatternToRegex, trimPrefix, trimSuffix).

export class PatternError extends Error {}

/**
 * A shell wildcard (`?` one char, `*` any run) as a regex; bracket expressions are literal
 * (BuildKit's convertShellPatternToRegex).
 */
export function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  let out = anchored ? '^' : ''
  const cps = Array.from(pattern)
  for (let i = 0; i < cps.length; i++) {
    const tok = cps[i]
    if (tok === '*') out += greedy ? '.*' : '.*?'
    else if (tok === '?') out += '.'
    else if (tok === '\\') {
      const n = cps[i + 1]
      if (n === '}' || n === '/') continue // escaped for ${…}; not part of the pattern
      if (n !== '*' && n !== '?' && n !== '\\') {
        throw new PatternError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`)
      }
      out += '\\' + n
      i++
    } else if ('[]{}.+()|^$'.includes(tok)) out += '\\' + tok
    else out += tok
  }
  try {
    return new RegExp(out, global ? 'gu' : 'u')
  } catch (e) {
    throw new PatternError(`invalid pattern (${pattern}) in substitution: ${(e as Error).message}`)
  }
}

export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(pattern, greedy, true).exec(value)
  return m ? value.slice(m[0].length) : value
}

// Regexes cannot find the shortest rightmost match, so reverse both sides and trim a prefix.
function reversePattern(pattern: string): string {
  const cps = Array.from(pattern)
  const out: string[] = new Array(cps.length)
  const last = cps.length - 1
  for (let i = 0; i <= last;) {
    if (cps[i] === '\\' && i !== last) {
      out[last - i - 1] = '\\'
      out[last - i] = cps[i + 1]
      i += 2
    } else {
      out[last - i] = cps[i]
      i++
    }
  }
  return out.join('')
}

const reverse = (s: string): string => Array.from(s).reverse().join('')

export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy))
}
