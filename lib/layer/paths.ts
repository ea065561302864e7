// Entry paths inside a layer: normalisation, escape checks and OCI whiteout names. Pure.

import { Codes, StoreError } from '../errors.js'

export const WHITEOUT_PREFIX = '.wh.'
export const OPAQUE_MARKER = '.wh..wh..opq'

/**
 * Normalise a tar entry name to a relative path without "./", trailing "/" or empty parts.
 * Rejects absolute paths and any ".." component: a layer must never reach outside its root.
 * Returns "" for the root itself ("./" or ".").
 */
export function normalizeEntryPath(name: string, what = 'tar entry'): string {
  if (name.includes('\0')) throw escapeError(name, what)
  if (name.startsWith('/')) throw escapeError(name, what)
  const parts: string[] = []
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue
    if (p === '..') throw escapeError(name, what)
    parts.push(p)
  }
  return parts.join('/')
}

function escapeError(name: string, what: string): StoreError {
  return new StoreError(Codes.PATH_ESCAPE, `${what} "${name}" escapes the layer root`, { data: { path: name }, exit: 1 })
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/')
  return i < 0 ? '' : p.slice(0, i)
}

export function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1)
}

/** Whiteout kind of a normalised path, and the path it hides. */
export function whiteoutOf(p: string): { kind: 'opaque'; dir: string } | { kind: 'file'; target: string } | undefined {
  const base = baseOf(p)
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined
  const dir = parentOf(p)
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir }
  const name = base.slice(WHITEOUT_PREFIX.length)
  return { kind: 'file', target: dir ? `${dir}/${name}` : name }
}

/**
 * Tracks symlinks seen in one layer, so an entry that would be written through one
 * (`a -> /etc`, then `a/passwd`) is refused.
 */
export class SymlinkGuard {
  private readonly links = new Set<string>()

  add(path: string): void {
    this.links.add(path)
  }

  /** Forget a path that was replaced by a non-symlink. */
  remove(path: string): void {
    this.links.delete(path)
  }

  check(path: string, name: string): void {
    if (this.links.size === 0) return
    let i = path.indexOf('/')
    while (i >= 0) {
      if (this.links.has(path.slice(0, i))) {
        throw new StoreError(Codes.PATH_ESCAPE, `tar entry "${name}" is written through the symlink "${path.slice(0, i)}"`, {
          data: { path: name },
          exit: 1,
        })
      }
      i = path.indexOf('/', i + 1)
    }
  }
}
