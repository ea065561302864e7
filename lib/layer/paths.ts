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
  return new StoreError(Codes.PATH_ESCAPE, `${what} "${name}" escapes the layer root`, { data: { path: name } })
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
 * Tracks the symlinks of one layer, so an entry that would be written through one
 * (`a -> /etc`, then `a/passwd`) is refused when the layer is imported. A hardlink to a
 * symlink IS a symlink on disk (link(2) does not follow), so it is tracked as one: `evil -> /x`,
 * `evil2` linked to `evil`, then `evil2/f` is refused like `evil/f`.
 */
export class SymlinkGuard {
  private readonly links = new Set<string>()

  /** Entry `path` of `type` was seen; `target` is a hardlink's (normalised) target. */
  record(path: string, type: string, target?: string): void {
    if (type === 'symlink' || (type === 'hardlink' && target !== undefined && this.links.has(target))) this.links.add(path)
    else this.links.delete(path)
  }

  /** The symlink of this layer that `path` would be reached through, if any. */
  linkAbove(path: string): string | undefined {
    if (this.links.size === 0) return undefined
    let i = path.indexOf('/')
    while (i >= 0) {
      if (this.links.has(path.slice(0, i))) return path.slice(0, i)
      i = path.indexOf('/', i + 1)
    }
    return undefined
  }

  /** Refuses entry `name` (normalised: `path`) when it is written through a symlink of the layer. */
  check(path: string, name: string): void {
    const link = this.linkAbove(path)
    if (link === undefined) return
    throw new StoreError(Codes.PATH_ESCAPE, `tar entry "${name}" is written through the symlink "${link}"`, { data: { path: name } })
  }

  /** Refuses a hardlink whose target is reached through a symlink of the layer. */
  checkTarget(target: string, name: string, linkname: string): void {
    const link = this.linkAbove(target)
    if (link === undefined) return
    throw new StoreError(Codes.PATH_ESCAPE, `hardlink "${name}" points to "${linkname}" through the symlink "${link}"`, { data: { path: name } })
  }
}
