// Image references, Docker's grammar (distribution/reference): [domain/]path[:tag][@digest].
// We keep names in their familiar form ("busybox", "acme/app", "localhost:5000/x/y"):
// there is no implicit docker.io in a store without a network.  Pure.

import { Codes, StoreError } from './errors.js'
import { isDigest, type Digest } from './digest/digest.js'

export interface Reference {
  /** Repository name, familiar form. */
  name: string
  tag?: string
  digest?: Digest
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/
const TAG = /^[\w][\w.-]{0,127}$/

function invalid(s: string, why?: string): StoreError {
  return new StoreError(Codes.INVALID_REFERENCE, why ? `invalid reference format: ${why}` : 'invalid reference format', {
    data: { reference: s },
    })
}

export function parseReference(s: string): Reference {
  if (s === '' || s.length > 512) throw invalid(s)
  let rest = s
  let digest: Digest | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    const d = rest.slice(at + 1)
    if (!isDigest(d)) throw invalid(s)
    digest = d
    rest = rest.slice(0, at)
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw invalid(s)
  }
  if (rest === '') throw invalid(s)
  // Domain split as distribution/reference's splitDockerDomain: a first component with '.'
  // or ':', "localhost", or any uppercase is a registry host.
  const parts = rest.split('/')
  let start = 0
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0].toLowerCase() !== parts[0])) {
    if (!DOMAIN.test(parts[0])) throw invalid(s)
    start = 1
  }
  const remainder = start === 0 && parts.length === 1 ? `library/${rest}` : parts.slice(start).join('/')
  if (remainder.toLowerCase() !== remainder) throw invalid(s, `repository name (${remainder}) must be lowercase`)
  for (let i = start; i < parts.length; i++) if (!COMPONENT.test(parts[i])) throw invalid(s)
  if (rest.length > 255) throw invalid(s, 'repository name must not be more than 255 characters')
  let name = rest
  if (name.startsWith('docker.io/')) name = name.slice('docker.io/'.length)
  if (name.startsWith('library/') && !name.slice(8).includes('/')) name = name.slice(8)
  return { name, tag, digest }
}

/** `name:tag` with Docker's default tag. Digest references have no tag. */
export function tagged(ref: Reference): string {
  return `${ref.name}:${ref.tag ?? 'latest'}`
}

/** For a user-typed reference that must be a tag (store tag, import NAME, build -t). */
export function parseTag(s: string): string {
  const r = parseReference(s)
  if (r.digest) throw invalid(s, 'a tag cannot contain a digest')
  return tagged(r)
}

export function splitTagged(t: string): { repository: string; tag: string } {
  const i = t.lastIndexOf(':')
  return { repository: t.slice(0, i), tag: t.slice(i + 1) }
}
