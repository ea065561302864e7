// Go's path.Clean and path.Join (slash-separated, lexical only). Shared by the two pure
// parsers that must judge paths exactly as Go does, the Dockerfile front end (build/parser)
// and the mount parser (mount), so it lives above both. Pure: imports nothing, so both stay
// pure (spec/build/parser/purity.test.ts, spec/mount/purity.test.ts).

/** path.Clean: shortest equivalent path; "" becomes ".", "/.." becomes "/". */
export function cleanPath(p: string): string {
  if (p === '') return '.'
  const rooted = p.startsWith('/')
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
      else if (!rooted) out.push('..')
      continue
    }
    out.push(seg)
  }
  const body = out.join('/')
  if (rooted) return '/' + body
  return body === '' ? '.' : body
}

/** path.Join: joins the non-empty elements and cleans; "" when all are empty. */
export function joinPath(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '')
  return kept.length === 0 ? '' : cleanPath(kept.join('/'))
}
