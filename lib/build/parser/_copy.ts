// COPY and ADD: sources and destination (JSON array or whitespace list), heredoc sources
// (`COPY <<EOF /dst`) and the flags each one takes.

import { Fail } from './_fail.js'
import { parseFlags } from './_flags.js'
import { chompTabs, heredocMarker, type HeredocMarker } from './_heredoc.js'
import { maybeJsonList } from './_words.js'
import type { BuildCtx } from './_commands.js'
import type { AddInstruction, CopyInstruction, Heredoc, InlineSource } from './types.js'

// MustParseHeredoc: a word that opens a heredoc, lexing errors meaning "no".
function marker(word: string): HeredocMarker | undefined {
  try {
    return heredocMarker(word)
  } catch {
    return undefined
  }
}

function sourcesAndDest(args: string[], cmd: 'COPY' | 'ADD', heredocs: Heredoc[]) {
  if (args.length < 2) {
    throw new Fail(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`)
  }
  const dest = args[args.length - 1]
  if (marker(dest)) throw new Fail(`${cmd} cannot accept a heredoc as a destination`)
  const byName = new Map(heredocs.map((h) => [h.name, h]))
  const sources: string[] = []
  const contents: InlineSource[] = []
  for (const src of args.slice(0, -1)) {
    const m = marker(src)
    if (!m) {
      sources.push(src)
      continue
    }
    const content = byName.get(m.name)?.content ?? ''
    contents.push({ name: m.name, data: m.chomp ? chompTabs(content) : content, expand: m.expand })
  }
  return { sources, contents, dest }
}

export function buildCopy({ split, base }: BuildCtx, heredocs: Heredoc[]): CopyInstruction {
  const { json, args } = maybeJsonList(split.args)
  if (args.length < 2) sourcesAndDest(args, 'COPY', heredocs) // throws BuildKit's message
  const f = parseFlags(base.flags, {
    chown: 'string', from: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool',
  })
  const out: CopyInstruction = {
    ...base,
    kind: 'COPY',
    ...sourcesAndDest(args, 'COPY', heredocs),
    link: f.bool.link ?? false,
    exclude: f.strings.exclude ?? [],
    heredocs: json ? [] : heredocs,
    json,
    parents: f.bool.parents ?? false,
  }
  if (f.string.from !== undefined) out.from = f.string.from
  if (f.string.chown !== undefined) out.chown = f.string.chown
  if (f.string.chmod !== undefined) out.chmod = f.string.chmod
  return out
}

export function buildAdd({ split, base }: BuildCtx, heredocs: Heredoc[]): AddInstruction {
  const { json, args } = maybeJsonList(split.args)
  if (args.length < 2) sourcesAndDest(args, 'ADD', heredocs)
  const f = parseFlags(base.flags, {
    chown: 'string', chmod: 'string', link: 'bool', exclude: 'strings', 'keep-git-dir': 'bool', checksum: 'string',
  })
  const out: AddInstruction = {
    ...base,
    kind: 'ADD',
    ...sourcesAndDest(args, 'ADD', heredocs),
    link: f.bool.link ?? false,
    exclude: f.strings.exclude ?? [],
    heredocs: json ? [] : heredocs,
    json,
    keepGitDir: f.bool['keep-git-dir'] ?? false,
  }
  if (f.string.chown !== undefined) out.chown = f.string.chown
  if (f.string.chmod !== undefined) out.chmod = f.string.chmod
  if (f.string.checksum !== undefined) out.checksum = f.string.checksum
  return out
}
