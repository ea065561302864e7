// Where the Dockerfile and the context come from, as `docker build` decides it, plus our
// shorthand: a positional that is a file is the Dockerfile and its folder the context.

import { readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { readInRoot } from '../fsroot/index.js'
import { Codes, StoreError } from '../errors.js'

export interface BuildInput {
  context?: string
  dockerfile: string
}

async function readStdin(src: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const b of src) parts.push(b)
  return Buffer.concat(parts).toString('utf8')
}

export async function resolveBuildInput(positional: string | undefined, file: string | undefined, stdin: AsyncIterable<Uint8Array>): Promise<BuildInput> {
  if (positional === '-') return { dockerfile: await readStdin(stdin) }
  const pos = resolve(positional ?? '.')
  const st = await stat(pos).catch(() => undefined)
  if (!st) throw new StoreError(Codes.INVALID_ARGUMENT, `unable to prepare context: path "${positional}" not found`)
  let context = pos
  let dockerfilePath: string | undefined
  if (st.isFile()) {
    context = dirname(pos)
    dockerfilePath = pos
  }
  if (file === '-') return { context, dockerfile: await readStdin(stdin) }
  if (file) dockerfilePath = resolve(file)
  dockerfilePath ??= `${context}/Dockerfile`
  // A Dockerfile inside the context is read inside it, as BuildKit does: a context whose
  // Dockerfile links to a host file (a cloned repository's `Dockerfile -> /etc/shadow`) must not
  // get that file parsed and its first line printed in the parse error.
  const inside = relative(context, dockerfilePath)
  const text = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)
    ? readInRoot(context, inside)
    : await readFile(dockerfilePath, 'utf8').catch(() => undefined)
  if (text === undefined) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `failed to solve: failed to read dockerfile: open ${dockerfilePath}: no such file or directory`)
  }
  return { context, dockerfile: text }
}
