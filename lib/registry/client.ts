// A client of the OCI Distribution API (what Docker's and containerd's clients speak to any
// registry): the registry's address from an image reference, HTTPS, or plain HTTP for a
// loopback host or one the configuration names insecure (Docker's default and its
// --insecure-registry), and authentication by challenge: a 401 names Basic or Bearer; a
// Bearer token is fetched from the realm it names (with the user's credentials when there are
// any, as Docker keeps them in ~/.docker/config.json) and the request is made again.
// Credentials and tokens go only to the registry's own origin (scheme, host and port): an
// upload Location or a tags Link naming another host, or plain HTTP for an HTTPS registry, is
// followed without them, as Docker's authorizer adds them only for the host that challenged.
// Whatever a registry answers is read within a bound (a token, an error body).

import { Codes, StoreError } from '../errors.js'
import { parseReference } from '../reference.js'
import { trustForRegistry } from './certs.js'

export interface RegistryRef {
  /** host[:port] as written ("127.0.0.1:5000"); docker.io's images go to its registry host. */
  host: string
  /** The repository on that registry ("library/busybox", "acme/app"). */
  repository: string
  tag?: string
  digest?: string
  /** The name as store tags it ("127.0.0.1:5000/acme/app"). */
  name: string
}

export interface Credentials {
  username: string
  password: string
}

export interface ClientOptions {
  /** Registries spoken to over plain HTTP besides loopback ones (host[:port]). */
  insecure?: readonly string[]
  /** Credentials for a registry host, when the user has some. */
  credentials?: (host: string) => Credentials | undefined
  /** Docker's certs.d folders: a registry's own CA is read from `<dir>/<host>/*.crt`. */
  certsDirs?: readonly string[]
}

const DOCKER_HUB = 'registry-1.docker.io'

/** Where an image reference lives: its registry and repository (docker.io's short names included). */
export function registryRef(s: string): RegistryRef {
  const r = parseReference(s)
  const parts = r.name.split('/')
  const hasHost = parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0].toLowerCase() !== parts[0])
  const host = hasHost ? parts[0] : DOCKER_HUB
  const repository = hasHost ? parts.slice(1).join('/') : parts.length === 1 ? `library/${r.name}` : r.name
  return { host, repository, tag: r.digest ? r.tag : (r.tag ?? 'latest'), digest: r.digest, name: r.name }
}

const loopback = (host: string) => /^(localhost|127(\.\d+){3}|\[::1\])(:\d+)?$/.test(host)

export class RegistryClient {
  private token: string | undefined
  private readonly scopes = new Set<string>()
  private basic: string | undefined
  private base: string
  /** HTTPS is tried first; a registry allowed plain HTTP gets it when HTTPS fails (as Docker does). */
  private plainAllowed: boolean

  constructor(
    readonly host: string,
    private readonly scope: string,
    private readonly o: ClientOptions = {},
  ) {
    this.plainAllowed = loopback(host) || (o.insecure ?? []).includes(host)
    this.base = `https://${host}`
    trustForRegistry(host, o.certsDirs)
  }

  /**
   * `path` under /v2/ of this registry (or an absolute URL the registry gave, from absolute()),
   * authenticated as the registry asks.
   */
  async fetch(path: string | URL, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}): Promise<Response> {
    const url = () => (path instanceof URL ? path.toString() : `${this.base}/v2/${path}`)
    let r: Response
    const tried = this.base
    try {
      r = await this.send(url(), init)
    } catch (e) {
      // Only a request that sent nothing of a stream body can be made again: one that another
      // request (layers go in parallel) has meanwhile settled on plain HTTP, or the first to fail.
      if (path instanceof URL || !tried.startsWith('https')) throw e
      if (this.base === tried) {
        if (!this.plainAllowed) throw e
        this.base = `http://${this.host}`
        this.plainAllowed = false
      }
      r = await this.send(url(), init)
    }
    if (r.status === 401 && (await this.authenticate(r))) {
      await r.body?.cancel()
      r = await this.send(url(), init)
    }
    if (r.status === 401 && /^basic\b/i.test(r.headers.get('www-authenticate') ?? '') && !this.o.credentials?.(this.host)) {
      await r.body?.cancel()
      // Go's words for the request, as Docker prints them: `Head "https://…": no basic auth credentials`.
      const m = init.method ?? 'GET'
      throw new StoreError(Codes.REGISTRY_DENIED, `${m[0]}${m.slice(1).toLowerCase()} "${url()}": no basic auth credentials`, { hint: `store login ${this.host}` })
    }
    return r
  }

  /** The address of `path` under /v2/ (the scheme as settled by the requests so far). */
  url(path: string): string {
    return `${this.base}/v2/${path}`
  }

  /** A Location or Link the registry answered, made absolute (registries give relative ones). */
  absolute(location: string): URL {
    try {
      return new URL(location, this.base)
    } catch {
      throw new StoreError(Codes.REGISTRY_ERROR, `the registry answered with a location that is not a URL: ${JSON.stringify(location.slice(0, 200))}`)
    }
  }

  private async send(url: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> }): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) }
    const own = new URL(url).origin === new URL(this.base).origin
    if (own && this.token) headers.authorization = `Bearer ${this.token}`
    else if (own && this.basic) headers.authorization = `Basic ${this.basic}`
    try {
      return await fetch(url, { ...init, headers, redirect: 'follow', ...(init.body instanceof ReadableStream || isIterable(init.body) ? { duplex: 'half' } : {}) } as RequestInit)
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause
      throw new StoreError(Codes.REGISTRY_UNREACHABLE, `Get "${this.base}/v2/": ${cause?.message ?? (e as Error).message}`, {
        hint: this.base.startsWith('https') ? `a registry without TLS must be named insecure (STORE_INSECURE_REGISTRIES=${this.host})` : undefined,
        cause: e,
      })
    }
  }

  /** Answers a 401's challenge; false when it cannot (no scheme it knows, or no credentials it needs). */
  private async authenticate(r: Response): Promise<boolean> {
    const challenge = r.headers.get('www-authenticate') ?? ''
    const creds = this.o.credentials?.(this.host)
    if (/^basic\b/i.test(challenge)) {
      if (!creds || this.basic) return false
      this.basic = Buffer.from(`${creds.username}:${creds.password}`).toString('base64')
      return true
    }
    if (!/^bearer\b/i.test(challenge)) return false
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (!params.realm) return false
    // A token for every scope asked for so far (a mount needs pull on the other repository too);
    // a token that expired, or lacks a scope, is replaced (once per request: fetch retries once).
    if (this.scope) this.scopes.add(this.scope)
    if (params.scope) for (const sc of params.scope.split(' ')) this.scopes.add(sc)
    const u = new URL(params.realm)
    if (params.service) u.searchParams.set('service', params.service)
    for (const sc of this.scopes) u.searchParams.append('scope', sc)
    const headers: Record<string, string> = creds ? { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` } : {}
    const t = await fetch(u, { headers }).catch(() => undefined)
    if (!t?.ok) {
      await t?.body?.cancel()
      return false
    }
    let body: { token?: unknown; access_token?: unknown }
    try {
      body = JSON.parse(new TextDecoder().decode(await bounded(t, TOKEN_MAX, 'the token the registry answered')))
    } catch (e) {
      if (e instanceof StoreError) throw e
      throw new StoreError(Codes.REGISTRY_ERROR, `the token from ${u.origin} is not JSON`)
    }
    const token = body.token ?? body.access_token
    // A header's value: printable ASCII, no spaces (a JWT, an opaque string).
    if (typeof token !== 'string' || !/^[\x21-\x7e]{1,16384}$/.test(token)) throw new StoreError(Codes.REGISTRY_ERROR, `the token from ${u.origin} is not a token`)
    this.token = token
    return true
  }
}

/** A registry's words for a terminal: control characters (escapes) shown as '?'. */
// eslint-disable-next-line no-control-regex
const printable = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?')

/** Bytes a token answer may have; an error body read for its message. */
const TOKEN_MAX = 1 << 20
const ERROR_MAX = 64 << 10

/** A response's body, refused past `max` bytes (what a registry sends is never trusted to end). */
export async function bounded(r: Response, max: number, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let n = 0
  for await (const b of r.body as unknown as AsyncIterable<Uint8Array>) {
    n += b.length
    if (n > max) {
      await r.body?.cancel().catch(() => {})
      throw new StoreError(Codes.REGISTRY_ERROR, `${what} is larger than ${max >= 1 << 20 ? `${max >> 20} MiB` : `${max >> 10} KiB`}`)
    }
    parts.push(b)
  }
  return Buffer.concat(parts)
}

const isIterable = (b: unknown): boolean => b !== null && typeof b === 'object' && Symbol.asyncIterator in (b as object)

/** Docker's words for a registry's error answer: `unauthorized: …`, `manifest unknown: …`. */
export async function registryError(r: Response, what: string): Promise<StoreError> {
  let detail = ''
  try {
    const body = JSON.parse(new TextDecoder().decode(await bounded(r, ERROR_MAX, 'an error'))) as { errors?: { code?: unknown; message?: unknown }[] }
    const e = Array.isArray(body.errors) ? body.errors[0] : undefined
    if (e && typeof e === 'object') detail = printable(`${String(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${String(e.message ?? '')}`).slice(0, 1000)
  } catch {
    // not JSON, or no body at all (a HEAD): the distribution spec's words for the status
  }
  if (!detail && r.status === 401) detail = 'unauthorized: authentication required'
  if (!detail && r.status === 403) detail = 'denied: requested access to the resource is denied'
  const code = r.status === 401 || r.status === 403 ? Codes.REGISTRY_DENIED : r.status === 404 ? Codes.NOT_FOUND : Codes.REGISTRY_ERROR
  return new StoreError(code, detail ? `${what}: ${detail}` : `${what}: the registry answered ${r.status} ${r.statusText}`)
}
