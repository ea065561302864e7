// ADD <url>: BuildKit's http source. The body is streamed to a temp file and hashed as it is
// written (never held in memory); the file is mode 0600, its mtime the Last-Modified header
// (the Unix epoch without one), its name the last segment of the URL path ("download" when
// there is none). The step's cache key is that content digest, so every build fetches again and
// an unchanged body is a hit; with --checksum the digest is known up front and a hit fetches
// nothing. Downloaded archives are never unpacked (Docker's rule).

import { createWriteStream } from 'node:fs'
import { chmod, lstat, mkdir, mkdtemp, rm, utimes } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Codes, StoreError } from '../errors.js'
import type { Store } from '../store.js'
import type { SourceItem } from './context.js'
import { placeItems, type CopyItem, type CopyOptions } from './copyStep.js'

export const isRemoteSource = (src: string): boolean => /^https?:\/\//i.test(src)

/** The file name a download gets (BuildKit's getFileName, without Content-Disposition). */
export function remoteName(url: string): string {
  let path = ''
  try {
    path = decodeURIComponent(new URL(url).pathname)
  } catch {
    return 'download'
  }
  const base = path.split('/').filter(Boolean).pop()
  return base && base !== '.' && base !== '..' ? base : 'download'
}

/** ADD --checksum: BuildKit's rules (one source, and a URL), then the digest's form. */
export function checkedChecksum(value: string, sources: number, urls: number): string {
  if (sources !== 1) throw new StoreError(Codes.BUILD_FAILED, "checksum can't be specified for multiple sources")
  if (urls !== 1) throw new StoreError(Codes.BUILD_FAILED, "checksum can't be specified for non-HTTP(S) sources")
  return parseChecksum(value)
}

/** `--checksum` must be a sha256 digest (the only algorithm the store hashes with). */
export function parseChecksum(value: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(value)) {
    throw new StoreError(Codes.BUILD_FAILED, `invalid checksum digest format: ${value}`, { hint: 'expected sha256:<64 hex digits>' })
  }
  return value
}

export interface Download {
  /** The file as a COPY source: `rel` is its name, `abs` the temp file. */
  source: SourceItem
  digest: string
}

/** Fetch `url` into `dir` (a temp dir the caller removes); checks `checksum` when given. */
export async function download(store: Store, url: string, dir: string, o: { checksum?: string; signal?: AbortSignal } = {}): Promise<Download> {
  const fail = (reason: string, cause?: unknown) =>
    new StoreError(Codes.BUILD_FAILED, `failed to load cache key: ADD ${url}: ${reason}`, { data: { url }, cause })
  let res: Response
  try {
    res = await fetch(url, { redirect: 'follow', signal: o.signal })
  } catch (e) {
    if (o.signal?.aborted) throw e
    throw fail(networkReason(e), e)
  }
  // BuildKit's test: anything outside 2xx/3xx after redirects is an error.
  if (res.status < 200 || res.status >= 400 || !res.body) {
    await res.body?.cancel().catch(() => {})
    throw fail(`invalid response status ${res.status}`)
  }
  const name = remoteName(url)
  const abs = `${dir}/${name}`
  const h = store.hash.create()
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk)
      done(null, chunk)
    },
  })
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), hashing, createWriteStream(abs, { mode: 0o600 }))
  } catch (e) {
    if (o.signal?.aborted) throw e
    throw fail(networkReason(e), e)
  }
  const digest = h.digest()
  if (o.checksum !== undefined && digest !== o.checksum) throw fail(`digest mismatch ${digest}: ${o.checksum}`)
  await chmod(abs, 0o600) // the umask may have taken bits off; Docker's mode is exactly 0600
  const modified = Date.parse(res.headers.get('last-modified') ?? '')
  const mtime = Number.isNaN(modified) ? 0 : modified / 1000
  await utimes(abs, mtime, mtime)
  return { source: { rel: name, abs, stat: await lstat(abs) }, digest }
}

/** Go's wording for the usual failures ("dial tcp 127.0.0.1:9: connect: connection refused"). */
function networkReason(e: unknown): string {
  const cause = ((e as { cause?: unknown }).cause ?? e) as { code?: string; address?: string; port?: number; hostname?: string; message?: string }
  switch (cause.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${cause.address}:${cause.port}: connect: connection refused`
    case 'ENOTFOUND':
      return `dial tcp: lookup ${cause.hostname}: no such host`
    case 'ECONNRESET':
      return 'connection reset by peer'
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'i/o timeout'
    default:
      return cause.message ?? String(e)
  }
}

/** The URL sources of one ADD: first their cache-key parts, then their layer items. */
export class RemoteSources {
  private downloads: Download[] | undefined

  constructor(
    private readonly store: Store,
    private readonly urls: string[],
    private readonly o: { checksum?: string; signal?: AbortSignal; onTempDir: (cleanup: () => Promise<void>) => void },
  ) {}

  /** Name and content digest per URL: downloaded now, unless --checksum already names the content. */
  async keys(): Promise<string[]> {
    if (this.o.checksum === undefined) await this.fetch()
    return this.urls.map((u, i) => `url:${remoteName(u)}:${this.o.checksum ?? this.downloads![i].digest}`)
  }

  /** The files placed under the destination like COPY sources, but never unpacked. */
  async items(o: CopyOptions): Promise<CopyItem[]> {
    const items: CopyItem[] = []
    for (const d of await this.fetch()) {
      for (const it of await placeItems(o, [d.source])) items.push(it.abs === d.source.abs ? { ...it, noExtract: true } : it)
    }
    return items
  }

  private async fetch(): Promise<Download[]> {
    if (this.downloads) return this.downloads
    const out: Download[] = []
    if (this.urls.length > 0) {
      // Under the store root, one dir per URL: two URLs may end in the same name.
      const dir = await mkdtemp(`${this.store.layout.ingestDir}/add-`)
      this.o.onTempDir(() => rm(dir, { recursive: true, force: true }))
      for (const [i, url] of this.urls.entries()) {
        await mkdir(`${dir}/${i}`)
        out.push(await download(this.store, url, `${dir}/${i}`, { checksum: this.o.checksum, signal: this.o.signal }))
      }
    }
    return (this.downloads = out)
  }
}
