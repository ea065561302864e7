// Go's text/template, as much of it as Docker's --format uses: text and actions ({{ }}, trim
// markers {{- -}}, comments), pipelines with `|`, fields (.A.B on maps and objects), $ and
// variables ($x := …, $i, $e := range …), literals, parenthesised pipelines, if/else if/else,
// range (over lists and maps, with else), with/else, and the functions Docker adds (json, join,
// split, title, lower, upper, pad, truncate, println) beside Go's (and, or, not, len, index,
// slice, print, printf, println, eq, ne, lt, le, gt, ge). Values print as Go's fmt prints them:
// a list `[a b]`, a map `map[k:v]` (keys sorted), nothing `<no value>`. A template that does not
// parse is `template parsing error: template: NAME:LINE: …`, as Docker says it (exit 64).
// Pure.

/** Said bare, as Docker's CLI says it (cli/_run.ts: no "Error:" before it). */
export class TemplateError extends Error {
  readonly bare = true
  constructor(
    message: string,
    readonly exit: number,
  ) {
    super(message)
  }
}

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe }
  | { t: 'if' | 'with'; pipe: Pipe; then: Node[]; else: Node[] }
  | { t: 'range'; pipe: Pipe; then: Node[]; else: Node[] }
type Pipe = { decl: string[]; cmds: Cmd[] }
type Cmd = Arg[]
type Arg =
  | { t: 'field'; base: 'dot' | string; path: string[] } // base: 'dot', or a variable name ('$', '$x')
  | { t: 'lit'; v: unknown }
  | { t: 'fn'; name: string }
  | { t: 'pipe'; pipe: Pipe; path: string[] }

const FUNCS = new Set(['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'json', 'join', 'split', 'title', 'lower', 'upper', 'pad', 'truncate'])

/** Parses `src`; `name` is what errors call the template (Docker: "" for lists, "version"…). */
export function parseTemplate(src: string, name = ''): Node[] {
  const fail = (line: number, msg: string): never => {
    throw new TemplateError(`template parsing error: template: ${name}:${line}: ${msg}`, 64)
  }
  // 1. Split into text and actions, applying the trim markers.
  type Tok = { text: string } | { action: string; line: number }
  const toks: Tok[] = []
  let i = 0
  while (i < src.length) {
    const open = src.indexOf('{{', i)
    if (open < 0) {
      toks.push({ text: src.slice(i) })
      break
    }
    let text = src.slice(i, open)
    let start = open + 2
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '')
      start += 1
    }
    if (text) toks.push({ text })
    const line = src.slice(0, open).split('\n').length
    let close = -1
    let q: string | undefined
    for (let k = start; k < src.length; k++) {
      const c = src[k]
      if (q) {
        if (c === '\\' && q !== '`') k++
        else if (c === q) q = undefined
      } else if (c === '"' || c === '`' || c === "'") q = c
      else if (src.startsWith('}}', k)) {
        close = k
        break
      }
    }
    if (close < 0) fail(line, 'unclosed action')
    let body = src.slice(start, close)
    i = close + 2
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1)
      const m = /^\s*/.exec(src.slice(i))!
      i += m[0].length
    }
    const trimmed = body.trim()
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) fail(line, 'unclosed comment')
      continue
    }
    toks.push({ action: trimmed, line })
  }
  // 2. Build the tree.
  let p = 0
  const block = (ends: string[]): { nodes: Node[]; end: string; tok?: { action: string; line: number } } => {
    const nodes: Node[] = []
    while (p < toks.length) {
      const tok = toks[p++]
      if ('text' in tok) {
        nodes.push({ t: 'text', text: tok.text })
        continue
      }
      const word = /^[a-z]+/.exec(tok.action)?.[0] ?? ''
      if (word === 'end' || word === 'else') {
        if (!ends.includes(word)) fail(tok.line, `unexpected {{${word}}}`)
        return { nodes, end: word, tok }
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(control(word, parsePipe(tok.action.slice(word.length), tok.line, word === 'range', word)))
        continue
      }
      if (['define', 'template', 'block', 'break', 'continue'].includes(word)) fail(tok.line, `{{${word}}} is not supported here`)
      nodes.push({ t: 'action', pipe: parsePipe(tok.action, tok.line, false) })
    }
    if (ends.length > 0) fail(src.split('\n').length, 'unexpected EOF')
    return { nodes, end: '' }
  }
  // The body of an if/with/range (its tokens up to the {{end}}); `{{else if x}}` is an if in
  // the else branch that shares the {{end}}.
  const control = (word: 'if' | 'with' | 'range', pipe: Pipe): Node => {
    const then = block(['end', 'else'])
    let els: Node[] = []
    if (then.end === 'else') {
      const rest = then.tok!.action.slice(4).trim()
      if (word === 'if' && /^if\s/.test(rest)) els = [control('if', parsePipe(rest.slice(2), then.tok!.line, false, 'if'))]
      else {
        if (rest !== '') fail(then.tok!.line, `unexpected "${rest}" in else`)
        els = block(['end']).nodes
      }
    }
    return { t: word, pipe, then: then.nodes, else: els } as Node
  }
  const parsePipe = (src: string, line: number, range: boolean, what = 'command'): Pipe => {
    const toks = lex(src, (m) => fail(line, m))
    let k = 0
    const decl: string[] = []
    // `$x :=` or (range) `$i, $e :=`
    const save = k
    while (toks[k]?.k === 'var') {
      decl.push(toks[k].v as string)
      k++
      if (toks[k]?.k === ',' && range) {
        k++
        continue
      }
      break
    }
    if (toks[k]?.k === ':=' || toks[k]?.k === '=') k++
    else {
      decl.length = 0
      k = save
    }
    const parseCmds = (stop: string | undefined): Cmd[] => {
      const cmds: Cmd[] = []
      let cmd: Cmd = []
      for (;;) {
        const t = toks[k]
        if (!t || t.k === stop) break
        k++
        if (t.k === '|') {
          if (cmd.length === 0) fail(line, 'missing command')
          cmds.push(cmd)
          cmd = []
          continue
        }
        if (t.k === '(') {
          const inner = parseCmds(')')
          if (toks[k]?.k !== ')') fail(line, 'unclosed left paren')
          k++
          let path: string[] = []
          if (toks[k]?.k === 'field' && toks[k].chained) path = (toks[k++].v as string).split('.').filter(Boolean)
          cmd.push({ t: 'pipe', pipe: { decl: [], cmds: inner }, path })
          continue
        }
        if (t.k === 'field') cmd.push({ t: 'field', base: 'dot', path: (t.v as string).split('.').filter(Boolean) })
        else if (t.k === 'var') {
          const [v, ...path] = (t.v as string).split('.')
          cmd.push({ t: 'field', base: v, path })
        } else if (t.k === 'lit') cmd.push({ t: 'lit', v: t.v })
        else if (t.k === 'ident') {
          if (t.v === 'true' || t.v === 'false') cmd.push({ t: 'lit', v: t.v === 'true' })
          else if (t.v === 'nil') cmd.push({ t: 'lit', v: null })
          else if (FUNCS.has(t.v as string)) cmd.push({ t: 'fn', name: t.v as string })
          else fail(line, `function "${t.v}" not defined`)
        } else fail(line, `unexpected "${t.k}" in command`)
      }
      if (cmd.length > 0) cmds.push(cmd)
      else if (cmds.length > 0) fail(line, 'missing command')
      return cmds
    }
    const cmds = parseCmds(undefined)
    if (k < toks.length) fail(line, `unexpected "${toks[k].k}" in command`)
    if (cmds.length === 0) fail(line, `missing value for ${what}`)
    return { decl, cmds }
  }
  const { nodes } = block([])
  return nodes
}

type LexTok = { k: string; v?: unknown; chained?: boolean }

function lex(src: string, fail: (m: string) => never): LexTok[] {
  const out: LexTok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '|' || c === '(' || c === ')' || c === ',') {
      out.push({ k: c })
      i++
      continue
    }
    if (src.startsWith(':=', i)) {
      out.push({ k: ':=' })
      i += 2
      continue
    }
    if (c === '=') {
      out.push({ k: '=' })
      i++
      continue
    }
    if (c === '"' || c === '`') {
      let j = i + 1
      let s = ''
      for (; j < src.length && src[j] !== c; j++) {
        if (c === '"' && src[j] === '\\') {
          const e = src[++j]
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e
        } else s += src[j]
      }
      if (j >= src.length) fail('unterminated quoted string')
      out.push({ k: 'lit', v: s })
      i = j + 1
      continue
    }
    if (c === "'") {
      const m = /^'(\\.|[^'])'/.exec(src.slice(i))
      if (!m) fail('malformed character constant')
      out.push({ k: 'lit', v: m![1].replace(/^\\/, '').codePointAt(0) })
      i += m![0].length
      continue
    }
    const num = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(src.slice(i))
    if (num && (c !== '-' && c !== '+' ? true : /\d/.test(src[i + 1] ?? ''))) {
      out.push({ k: 'lit', v: Number(num[0]) })
      i += num[0].length
      continue
    }
    const field = /^(\.[A-Za-z_][A-Za-z0-9_]*)+|^\./.exec(src.slice(i))
    if (field) {
      const prev = src[i - 1]
      out.push({ k: 'field', v: field[0], chained: prev === ')' })
      i += field[0].length
      continue
    }
    const v = /^\$[A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i))
    if (v) {
      out.push({ k: 'var', v: v[0] })
      i += v[0].length
      continue
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))
    if (id) {
      out.push({ k: 'ident', v: id[0] })
      i += id[0].length
      continue
    }
    fail(`unexpected "${c}" in command`)
  }
  return out
}

const NO_VALUE = Symbol('no value')

/** Go's fmt %v of a value as Docker's templates show it. */
export function goString(v: unknown): string {
  if (v === NO_VALUE || v === undefined) return '<no value>'
  if (v === null) return '<nil>'
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`
  if (v instanceof Uint8Array) return `[${[...v].join(' ')}]`
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort()
    return `map[${keys.map((k) => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(' ')}]`
  }
  return String(v)
}

function truth(v: unknown): boolean {
  if (v === NO_VALUE || v === undefined || v === null || v === false || v === 0 || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'object') return Object.keys(v as object).length > 0
  return true
}

function field(v: unknown, path: string[]): unknown {
  for (const p of path) {
    if (v === null || v === undefined || v === NO_VALUE || typeof v !== 'object') return NO_VALUE
    v = p in (v as object) ? (v as Record<string, unknown>)[p] : NO_VALUE
  }
  return v
}

function printf(format: string, args: unknown[]): string {
  let n = 0
  return format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([vsdqfxXtT%])/g, (all, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%'
    const a = args[n++]
    let s: string
    if (a === undefined) return `%!${verb}(MISSING)`
    if (verb === 'd') s = String(Math.trunc(Number(a)))
    else if (verb === 'f') s = Number(a).toFixed(prec === undefined ? 6 : Number(prec))
    else if (verb === 'q') s = JSON.stringify(String(a))
    else if (verb === 'x' || verb === 'X') s = typeof a === 'number' ? a.toString(16) : Buffer.from(String(a)).toString('hex')
    else if (verb === 't') s = String(Boolean(a))
    else if (verb === 'T') s = Array.isArray(a) ? '[]interface {}' : typeof a === 'number' ? 'int' : typeof a
    else s = goString(a)
    if (verb === 'X') s = s.toUpperCase()
    if (verb === 's' && prec !== undefined) s = s.slice(0, Number(prec))
    const w = width === undefined ? 0 : Number(width)
    return flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ')
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map(goString).join(', ')})` : '')
}

const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0)

function call(name: string, args: unknown[]): unknown {
  const s = (i: number) => goString(args[i])
  switch (name) {
    case 'and':
      return args.find((a) => !truth(a)) ?? args[args.length - 1]
    case 'or':
      return args.find((a) => truth(a)) ?? args[args.length - 1]
    case 'not':
      return !truth(args[0])
    case 'len': {
      const a = args[0]
      return Array.isArray(a) || typeof a === 'string' ? a.length : a && typeof a === 'object' ? Object.keys(a).length : 0
    }
    case 'index': {
      let v = args[0]
      for (const k of args.slice(1)) v = Array.isArray(v) ? v[Number(k)] : v && typeof v === 'object' ? (v as Record<string, unknown>)[String(k)] : undefined
      return v === undefined ? NO_VALUE : v
    }
    case 'slice': {
      const a = args[0] as string | unknown[]
      return a.slice(Number(args[1] ?? 0), args[2] === undefined ? undefined : Number(args[2]))
    }
    case 'print':
      // Go's Sprint: a space between two operands when neither is a string.
      return args.map((a, i) => (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + goString(a)).join('')
    case 'println':
      return args.map(goString).join(' ') + '\n'
    case 'printf':
      return printf(s(0), args.slice(1))
    case 'eq':
      return args.slice(1).some((b) => cmp(args[0], b) === 0)
    case 'ne':
      return cmp(args[0], args[1]) !== 0
    case 'lt':
      return cmp(args[0], args[1]) < 0
    case 'le':
      return cmp(args[0], args[1]) <= 0
    case 'gt':
      return cmp(args[0], args[1]) > 0
    case 'ge':
      return cmp(args[0], args[1]) >= 0
    case 'json':
      return JSON.stringify(args[0] === NO_VALUE || args[0] === undefined ? null : args[0])
    case 'join':
      return (Array.isArray(args[0]) ? args[0] : []).map(goString).join(s(1))
    case 'split':
      return s(0).split(s(1))
    case 'title':
      return s(0).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase())
    case 'lower':
      return s(0).toLowerCase()
    case 'upper':
      return s(0).toUpperCase()
    case 'pad':
      return ' '.repeat(Number(args[1])) + s(0) + ' '.repeat(Number(args[2]))
    case 'truncate':
      return [...s(0)].slice(0, Number(args[1])).join('')
  }
  return NO_VALUE
}

/** Runs a parsed template over `data`. */
export function execTemplate(nodes: Node[], data: unknown): string {
  let out = ''
  const run = (nodes: Node[], dot: unknown, vars: Map<string, unknown>) => {
    for (const n of nodes) {
      if (n.t === 'text') out += n.text
      else if (n.t === 'action') {
        const v = pipe(n.pipe, dot, vars)
        if (n.pipe.decl.length === 0) out += goString(v)
      } else if (n.t === 'if' || n.t === 'with') {
        const inner = new Map(vars)
        const v = pipe(n.pipe, dot, inner)
        if (truth(v)) run(n.then, n.t === 'with' ? v : dot, inner)
        else run(n.else, dot, inner)
      } else {
        const inner = new Map(vars)
        const v = pipe({ decl: [], cmds: n.pipe.cmds }, dot, inner)
        const items: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === 'number'
              ? Array.from({ length: v }, (_, i) => [i, i])
              : []
        if (items.length === 0) run(n.else, dot, inner)
        for (const [k, x] of items) {
          if (n.pipe.decl.length === 1) inner.set(n.pipe.decl[0], x)
          if (n.pipe.decl.length === 2) {
            inner.set(n.pipe.decl[0], k)
            inner.set(n.pipe.decl[1], x)
          }
          run(n.then, x, inner)
        }
      }
    }
  }
  const pipe = (p: Pipe, dot: unknown, vars: Map<string, unknown>): unknown => {
    let prev: unknown[] | undefined
    let v: unknown = NO_VALUE
    for (const cmd of p.cmds) {
      v = command(cmd, dot, vars, prev)
      prev = [v]
    }
    if (p.decl.length > 0) vars.set(p.decl[0], v)
    return v
  }
  const arg = (a: Arg, dot: unknown, vars: Map<string, unknown>): unknown => {
    if (a.t === 'lit') return a.v
    if (a.t === 'pipe') return field(pipe(a.pipe, dot, vars), a.path)
    if (a.t === 'fn') return call(a.name, [])
    const base = a.base === 'dot' ? dot : a.base === '$' ? data : vars.has(a.base) ? vars.get(a.base) : NO_VALUE
    return a.path.length === 0 ? base : field(base, a.path)
  }
  const command = (cmd: Cmd, dot: unknown, vars: Map<string, unknown>, piped?: unknown[]): unknown => {
    const [head, ...rest] = cmd
    if (head.t === 'fn') return call(head.name, [...rest.map((a) => arg(a, dot, vars)), ...(piped ?? [])])
    if (rest.length > 0) throw new TemplateError(`template: :1: can't give argument to non-function`, 64)
    return arg(head, dot, vars)
  }
  run(nodes, data, new Map([['$', data]]))
  return out
}
