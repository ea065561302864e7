// `--tmpfs DIR[:OPTIONS]`, OPTIONS as mount(8) writes them: `rw,noexec,nosuid,size=64m,mode=1777`.
// Docker splits on the first `:`, checks the destination (ValidateTmpfsMountDestination) and
// the options (mount.ParseTmpfsOptions: generic mount flags, plus tmpfs's own size, mode, uid,
// gid, nr_inodes, nr_blocks, mpol), then hands them to the kernel. Pure.

import { cleanPath } from '../_gopath.js'
import { goQuote, isAbs } from './_go.js'
import { mountError, mustBeAbsolute, TARGET_IS_ROOT } from './_errors.js'
import { kernelSize, parseOctal32 } from '../_sizes.js'
import type { TmpfsMountSpec } from './types.js'

/** Generic mount flags (moby/sys/mount flags table); rw/ro are taken out into `readonly`. */
const FLAGS = new Set([
  'ro', 'rw', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec', 'sync', 'async', 'dirsync', 'remount',
  'mand', 'nomand', 'atime', 'noatime', 'diratime', 'nodiratime', 'bind', 'rbind', 'unbindable', 'runbindable',
  'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'relatime', 'norelatime', 'strictatime', 'nostrictatime',
])
/** tmpfs data options Docker lets through. */
const DATA = new Set(['', 'size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol'])

export function parseTmpfs(value: string): TmpfsMountSpec {
  const colon = value.indexOf(':')
  const target = colon < 0 ? value : value.slice(0, colon)
  const opts = colon < 0 ? '' : value.slice(colon + 1)
  if (cleanPath(target) === '/') throw mountError(TARGET_IS_ROOT, { value })
  if (!isAbs(target)) throw mountError(mustBeAbsolute(target), { value })

  const spec: TmpfsMountSpec = { kind: 'tmpfs', target: cleanPath(target), readonly: false, origin: 'tmpfs', options: [] }
  if (opts === '') return spec
  for (const o of opts.split(',')) {
    if (o === 'ro' || o === 'rw') {
      spec.readonly = o === 'ro' // the last one wins, as in mount(8)
      continue
    }
    if (FLAGS.has(o)) {
      spec.options.push(o)
      continue
    }
    const eq = o.indexOf('=')
    const key = eq < 0 ? o : o.slice(0, eq)
    if (!DATA.has(key)) throw mountError(`invalid tmpfs option ${goQuote(key)}`, { value })
    const val = eq < 0 ? '' : o.slice(eq + 1)
    if (key === 'size' && !val.endsWith('%')) {
      // A percentage of RAM stays an option for the kernel; bytes go into `size`.
      const n = kernelSize(val)
      if (n === undefined) throw mountError(`invalid tmpfs option ${goQuote(o)}: bad value for 'size'`, { value })
      if (n > 0) spec.size = n
      else delete spec.size
    } else if (key === 'mode') {
      const n = parseOctal32(val)
      if (n === undefined || n > 0o7777) throw mountError(`invalid tmpfs option ${goQuote(o)}: bad value for 'mode'`, { value })
      spec.mode = n
    } else if (key !== '') {
      spec.options.push(o)
    }
  }
  return spec
}
