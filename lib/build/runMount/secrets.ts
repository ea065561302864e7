// Build secrets: `store build --secret id=x,src=FILE` or `--secret id=x,env=VAR` (buildx's flag
// syntax and words, util/buildflags/secrets.go), served to RUN --mount=type=secret as BuildKit's
// file store does (session/secrets/secretsprovider/store.go): an entry without src or env reads
// the variable named like the id when it is set, else the file named like it; files are checked
// when the build starts and read when a step mounts them. Values are never logged, never in a
// cache key, a history entry or any process's argv.

import { readFile, stat } from 'node:fs/promises'
import { Codes, StoreError } from '../../errors.js'
import { csvFields } from '../parser/index.js'

export interface SecretSource {
  id: string
  /** A file on the host (src=, source=). */
  file?: string
  /** An environment variable of the `store build` process (env=). */
  env?: string
}

export interface Secrets {
  /** The value, or undefined when no secret of this id was given. */
  get(id: string): Promise<Uint8Array | undefined>
}

/** BuildKit's limit on one secret. */
export const MAX_SECRET_SIZE = 500 * 1024

const invalid = (message: string) => new StoreError(Codes.INVALID_ARGUMENT, message)

/** One `--secret` value (a CSV record of key=value fields). */
export function parseSecretFlag(value: string): SecretSource {
  let fields: string[]
  try {
    fields = csvFields(value)
  } catch (e) {
    throw invalid(`failed to parse csv secret: ${(e as Error).message}`)
  }
  const s: SecretSource = { id: '' }
  let type: string | undefined
  for (const field of fields) {
    const eq = field.indexOf('=')
    if (eq < 0) throw invalid(`invalid field '${field}' must be a key=value pair`)
    const key = field.slice(0, eq).toLowerCase()
    const v = field.slice(eq + 1)
    if (key === 'type') {
      if (v !== 'file' && v !== 'env') throw invalid(`unsupported secret type "${v}"`)
      type = v
    } else if (key === 'id') s.id = v
    else if (key === 'source' || key === 'src') s.file = v
    else if (key === 'env') s.env = v
    else throw invalid(`unexpected key '${key}' in '${field}'`)
  }
  if (type === 'env' && !s.env) {
    s.env = s.file
    delete s.file
  }
  if (!s.file) delete s.file
  if (!s.env) delete s.env
  return s
}

export const noSecrets: Secrets = { get: async () => undefined }

/** Check the given secrets now (ids, files exist and are small enough); read them on demand. */
export async function openSecrets(sources: SecretSource[], env: Record<string, string | undefined>): Promise<Secrets> {
  const byId = new Map<string, SecretSource>()
  for (const given of sources) {
    const f = { ...given }
    if (f.id === '') throw invalid('secret missing ID')
    if (f.env === undefined && f.file === undefined) {
      if (env[f.id] !== undefined) f.env = f.id
      else f.file = f.id
    }
    if (f.file !== undefined) {
      const st = await stat(f.file).catch((e: NodeJS.ErrnoException) => {
        throw invalid(`failed to stat ${f.file}: stat ${f.file}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`)
      })
      if (st.size > MAX_SECRET_SIZE) throw invalid(`secret ${f.id} too big. max size 500KiB`)
    }
    byId.set(f.id, f) // the last of one id wins, as buildx's removeSecretDupes
  }
  return {
    async get(id) {
      const f = byId.get(id)
      if (!f) return undefined
      const data = f.env !== undefined ? new TextEncoder().encode(env[f.env] ?? '') : new Uint8Array(await readFile(f.file!))
      if (data.length > MAX_SECRET_SIZE) throw new StoreError(Codes.BUILD_FAILED, `invalid secret size ${data.length}`)
      return data
    },
  }
}
