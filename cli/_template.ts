// Go's text/template, as much of it as Docker's --format uses: text and actions ({{ }}, trim
// markers {{- -}}, comments), pipelines with `|`, fields (.A.B on maps and objects), $ and
// variables ($x := …, $i, $e := range …), literals, parenthesised pipelines, if/else if/else,
// range (over lists and maps, with else, {{break}}, {{continue}}), with/else, named templates
// ({{define}}, {{template}}, {{block}}), and the functions Docker adds (json, join,
// split, title, lower, upper, pad, truncate, println) beside Go's (and, or, not, len, index,
// slice, print, printf, println, eq, ne, lt, le, gt, ge). Values print as Go's fmt prints them:
// a list `[a b]`, a map `map[k:v]` (keys sorted), nothing `<no value>`. A template that does not
// parse is `template parsing error: template: NAME:LINE: …`, as Docker says it (exit 64); one that
// fails while running is Go's `template: NAME:LINE:COL: executing "T" at <…>: …` (exit 1).
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
  | { t: 'template'; name: string; pipe?: Pipe; line: number; col: number } // line:col of the name, as Go's errors say it
  | { t: 'break' } | { t: 'continue' }
type Pipe = { decl: string[]; cmds: Cmd[] }
type Cmd = Arg[]
type Arg =
  | { t: 'field'; base: 'dot' | string; path: string[] } // base: 'dot', or a variable name ('$', '$x')
  | { t: 'lit'; v: unknown; text?: string } // text: a number or 'c' as written, for error messages
  | { t: 'fn'; name: string }
  | { t: 'pipe'; pipe: Pipe; path: string[] }

/** A parsed template: its name and every template it defines, itself included (Go's set of trees). */
export type Template = { name: string; trees: Map<string, Node[]> }

const FUNCS = new Set(['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'json', 'join', 'split', 'title', 'lower', 'upper', 'pad', 'truncate'])

/** Parses `src`; `name` is what errors call the template (Docker: "" for lists, "version"…). */
export function parseTemplate(src: string, name = ''): Template {
  const fail = (line: number, msg: string): never => {
    throw new TemplateError(`template parsing error: template: ${name}:${line}: ${msg}`, 64)
  }
  // 1. Split into text and actions, applying the trim markers.
  type Tok = { text: string } | { action: string; line: number; pos: number } // pos: where `action` starts in src
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
    toks.push({ action: trimmed, line, pos: start + body.length - body.trimStart().length })
  }
  // 2. Build the trees.
  type ActionTok = { action: string; line: number; pos: number }
  const trees = new Map<string, Node[]>()
  // Go's Tree.add: an empty body never replaces another; two bodies that are not are an error.
  const add = (tname: string, nodes: Node[], line: number) => {
    const old = trees.get(tname)
    if (!old || isEmpty(old)) trees.set(tname, nodes)
    else if (!isEmpty(nodes)) fail(line, `template: multiple definition of template ${JSON.stringify(tname)}`)
  }
  let p = 0
  let ranges = 0 // how many range bodies we are in: {{break}} and {{continue}} need one
  const block = (ends: string[]): { nodes: Node[]; end: string; tok?: ActionTok } => {
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
      if (word === 'break' || word === 'continue') {
        const rest = tok.action.slice(word.length)
        if (rest.trim()) fail(tok.line, `unexpected ${goItem(rest)} in {{${word}}}`)
        if (ranges === 0) fail(tok.line, `{{${word}}} outside {{range}}`)
        nodes.push({ t: word })
        continue
      }
      // {{define}} only at the top (ends is empty there); Go reads it elsewhere as a command.
      if (word === 'define' && ends.length > 0) fail(tok.line, 'unexpected <define> in command')
      if (word === 'define' || word === 'template' || word === 'block') {
        const context = `${word} clause`
        const { name: tname, rest, line, col } = templateName(tok, word, context)
        if (word === 'define') {
          if (rest.trim()) fail(tok.line, `unexpected ${goItem(rest)} in ${context}`)
          const body = definition(context)
          add(tname, body.nodes, body.line)
          continue
        }
        // {{block "n" pipe}}T{{end}} is {{define "n"}}T{{end}} and {{template "n" pipe}}.
        const pipe = rest.trim() || word === 'block' ? parsePipe(rest, tok.line, false, context) : undefined
        if (word === 'block') {
          const body = definition(context)
          add(tname, body.nodes, body.line)
        }
        nodes.push({ t: 'template', name: tname, pipe, line, col })
        continue
      }
      nodes.push({ t: 'action', pipe: parsePipe(tok.action, tok.line, false) })
    }
    if (ends.length > 0) fail(src.split('\n').length, 'unexpected EOF')
    return { nodes, end: '' }
  }
  // The body of an if/with/range (its tokens up to the {{end}}); `{{else if x}}` is an if in
  // the else branch that shares the {{end}}.
  const control = (word: 'if' | 'with' | 'range', pipe: Pipe): Node => {
    if (word === 'range') ranges++
    const then = block(['end', 'else'])
    if (word === 'range') ranges-- // a range's else is not in its body
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
  // The name after {{define}}, {{template}} or {{block}}: a quoted string; where it stands (Go's
  // errors point at it) and the text after it.
  const templateName = (tok: ActionTok, word: string, context: string) => {
    const after = tok.action.slice(word.length)
    const m = /^\s*("(?:[^"\\]|\\.)*"|`[^`]*`)/.exec(after)
    if (!m) return fail(tok.line, `unexpected ${goItem(after)} in ${context}`)
    const at = tok.pos + word.length + m[0].length - m[1].length
    const before = src.slice(0, at)
    const line = before.split('\n').length
    const col = line === 1 ? at : at - before.lastIndexOf('\n') - 1
    return { name: lex(m[1], (msg) => fail(tok.line, msg))[0].v as string, rest: after.slice(m[0].length), line, col }
  }
  // The body of a define or block, up to its {{end}}; a range around it does not reach inside.
  const definition = (context: string): { nodes: Node[]; line: number } => {
    const outer = ranges
    ranges = 0
    const body = block(['end', 'else'])
    if (body.end === 'else') fail(body.tok!.line, `unexpected {{else}} in ${context}`)
    ranges = outer
    return { nodes: body.nodes, line: body.tok!.line }
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
        } else if (t.k === 'lit') cmd.push({ t: 'lit', v: t.v, text: t.text })
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
  add(name, block([]).nodes, src.split('\n').length)
  return { name, trees }
}

// Go's parse.IsEmptyTree: only blank text (comments are dropped already).
const isEmpty = (nodes: Node[]) => nodes.every((n) => n.t === 'text' && n.text.trim() === '')

const KEYWORDS = new Set(['.', 'block', 'break', 'continue', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with'])

/** The first token of `src` as Go's parse errors quote it: `<if>` for a keyword, else `"x"` (cut at 10). */
function goItem(src: string): string {
  const tok = /^\s*("(?:[^"\\]|\\.)*"|\.?[A-Za-z_]\w*|\$\w*|[-+]?\d[\w.]*|\S)?/.exec(src)![1] ?? '}}'
  if (KEYWORDS.has(tok)) return `<${tok}>`
  return tok.length > 10 ? `${JSON.stringify(tok.slice(0, 10))}...` : JSON.stringify(tok)
}

type LexTok = { k: string; v?: unknown; chained?: boolean; text?: string }

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
      out.push({ k: 'lit', v: m![1].replace(/^\\/, '').codePointAt(0), text: m![0] })
      i += m![0].length
      continue
    }
    const num = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(src.slice(i))
    if (num && (c !== '-' && c !== '+' ? true : /\d/.test(src[i + 1] ?? ''))) {
      out.push({ k: 'lit', v: Number(num[0]), text: num[0] })
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

// Go stops at 100000 nested {{template}} calls. Ours counts every body entered (if, with, range,
// template), so that whatever a recursive template nests, the JS stack (about 2000 levels of
// run() here, measured) holds; a template calling itself outside any block gets 1000 calls.
const MAX_DEPTH = 1000

/** A pipeline as Go's errors show it: `.A | printf "%s" $x`. */
function pipeString(p: Pipe): string {
  const arg = (a: Arg): string => {
    if (a.t === 'lit') return a.text ?? (a.v === null ? 'nil' : typeof a.v === 'string' ? JSON.stringify(a.v) : String(a.v))
    if (a.t === 'fn') return a.name
    const path = a.path.map((f) => `.${f}`).join('')
    if (a.t === 'pipe') return `(${pipeString(a.pipe)})${path}`
    return a.base === 'dot' ? path || '.' : a.base + path
  }
  return (p.decl.length > 0 ? `${p.decl.join(', ')} := ` : '') + p.cmds.map((c) => c.map(arg).join(' ')).join(' | ')
}

/** Runs a parsed template over `data`. */
export function execTemplate(tpl: Template, data: unknown): string {
  let out = ''
  type Call = { name: string; depth: number } // the template running, and how many bodies deep
  // Go's execution error, at a {{template}}; Docker's list and inspect commands (template "")
  // say it after "template parsing error: ", `docker version` bare; both exit 1.
  const fail = (n: Node & { t: 'template' }, call: Call, msg: string): never => {
    const at = `{{template ${JSON.stringify(n.name)}${n.pipe ? ` ${pipeString(n.pipe)}` : ''}}}`
    const where = `template: ${tpl.name}:${n.line}:${n.col}: executing ${JSON.stringify(call.name)} at <${at}>: ${msg}`
    throw new TemplateError(tpl.name === '' ? `template parsing error: ${where}` : where, 1)
  }
  // Says how the nodes ended: by running out, or by a {{break}} or {{continue}} that the range
  // around them (the parser makes sure there is one in the same template) acts on.
  const run = (nodes: Node[], dot: unknown, vars: Map<string, unknown>, call: Call): 'break' | 'continue' | undefined => {
    for (const n of nodes) {
      if (n.t === 'text') out += n.text
      else if (n.t === 'action') {
        const v = pipe(n.pipe, dot, vars)
        if (n.pipe.decl.length === 0) out += goString(v)
      } else if (n.t === 'break' || n.t === 'continue') return n.t
      else if (n.t === 'if' || n.t === 'with') {
        const inner = new Map(vars)
        const v = pipe(n.pipe, dot, inner)
        const deeper = { name: call.name, depth: call.depth + 1 }
        const flow = truth(v) ? run(n.then, n.t === 'with' ? v : dot, inner, deeper) : run(n.else, dot, inner, deeper)
        if (flow) return flow
      } else if (n.t === 'template') {
        const body = tpl.trees.get(n.name)
        if (!body) return fail(n, call, `template ${JSON.stringify(n.name)} not defined`)
        if (call.depth >= MAX_DEPTH) fail(n, call, `exceeded maximum template depth (${MAX_DEPTH})`)
        // Dot is the pipeline's value (nothing without one); no variables but $ go along.
        const v = n.pipe ? pipe(n.pipe, dot, vars) : NO_VALUE
        run(body, v, new Map([['$', v]]), { name: n.name, depth: call.depth + 1 })
      } else {
        const inner = new Map(vars)
        const v = pipe({ decl: [], cmds: n.pipe.cmds }, dot, inner)
        const deeper = { name: call.name, depth: call.depth + 1 }
        const items: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === 'number'
              ? Array.from({ length: v }, (_, i) => [i, i])
              : []
        // As in Go, a {{break}} in the else (which only an outer range allows) ends just this
        // range, while a {{continue}} there goes on to the outer range's next item.
        if (items.length === 0 && run(n.else, dot, inner, deeper) === 'continue') return 'continue'
        for (const [k, x] of items) {
          if (n.pipe.decl.length === 1) inner.set(n.pipe.decl[0], x)
          if (n.pipe.decl.length === 2) {
            inner.set(n.pipe.decl[0], k)
            inner.set(n.pipe.decl[1], x)
          }
          if (run(n.then, x, inner, deeper) === 'break') break
        }
      }
    }
    return undefined
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
    const base = a.base === 'dot' ? dot : vars.has(a.base) ? vars.get(a.base) : NO_VALUE
    return a.path.length === 0 ? base : field(base, a.path)
  }
  const command = (cmd: Cmd, dot: unknown, vars: Map<string, unknown>, piped?: unknown[]): unknown => {
    const [head, ...rest] = cmd
    if (head.t === 'fn') return call(head.name, [...rest.map((a) => arg(a, dot, vars)), ...(piped ?? [])])
    if (rest.length > 0) throw new TemplateError(`template: :1: can't give argument to non-function`, 64)
    return arg(head, dot, vars)
  }
  run(tpl.trees.get(tpl.name) ?? [], data, new Map([['$', data]]), { name: tpl.name, depth: 0 })
  return out
}
