// A client of the OCI Distribution API (what Docker's and containerd's clients speak to any
// registry): the registry's address from an image reference, HTTPS, or plain HTTP for a
// loopback host or one the configuration names insecure (Docker's default and its
// --insecure-registry), and authentication by challenge: a 401 names Basic or Bearer; a
// Bearer token is fetched from the realm it names (with the user's credentials when there are
// any, as Docker keeps them in ~/.docker/config.json) and the request is made again.

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

  /** `path` under /v2/ of this registry, authenticated as the registry asks. */
  async fetch(path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}): Promise<Response> {
    const url = () => (path.startsWith('http') ? path : `${this.base}/v2/${path}`)
    let r: Response
    const tried = this.base
    try {
      r = await this.send(url(), init)
    } catch (e) {
      // Only a request that sent nothing of a stream body can be made again: one that another
      // request (layers go in parallel) has meanwhile settled on plain HTTP, or the first to fail.
      if (path.startsWith('http') || !tried.startsWith('https')) throw e
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

  /** A Location header made absolute (registries answer uploads with relative ones). */
  absolute(location: string): string {
    return new URL(location, this.base).toString()
  }

  private async send(url: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> }): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    else if (this.basic) headers.authorization = `Basic ${this.basic}`
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
    if (!t?.ok) return false
    const body = (await t.json()) as { token?: string; access_token?: string }
    this.token = body.token ?? body.access_token
    return this.token !== undefined
  }
}

const isIterable = (b: unknown): boolean => b !== null && typeof b === 'object' && Symbol.asyncIterator in (b as object)

/** Docker's words for a registry's error answer: `unauthorized: …`, `manifest unknown: …`. */
export async function registryError(r: Response, what: string): Promise<StoreError> {
  let detail = ''
  try {
    const body = (await r.json()) as { errors?: { code?: string; message?: string }[] }
    const e = body.errors?.[0]
    if (e) detail = `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`
  } catch {
    // not JSON, or no body at all (a HEAD): the distribution spec's words for the status
  }
  if (!detail && r.status === 401) detail = 'unauthorized: authentication required'
  if (!detail && r.status === 403) detail = 'denied: requested access to the resource is denied'
  const code = r.status === 401 || r.status === 403 ? Codes.REGISTRY_DENIED : r.status === 404 ? Codes.NOT_FOUND : Codes.REGISTRY_ERROR
  return new StoreError(code, detail ? `${what}: ${detail}` : `${what}: the registry answered ${r.status} ${r.statusText}`)
}
