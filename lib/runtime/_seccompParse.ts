// parseSeccompProfile: the file `--security-opt seccomp=FILE` names, checked field by field so a
// mistake is reported where it is (moby only decodes; runc then fails at container start).

import { Codes, StoreError } from '../errors.js'
import type { DockerSeccompProfile, DockerSyscallRule, SeccompArg, SeccompFilter } from './_seccompTypes.js'

/** The actions and operators runc knows (libcontainer/seccomp/config.go). */
export const SECCOMP_ACTIONS = new Set([
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
])
export const SECCOMP_OPS = new Set([
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
])
const U64_MAX = (1n << 64n) - 1n

/** Parses and checks a Docker seccomp profile. Argument values past 2^53 come back as bigints. */
export function parseSeccompProfile(json: string): DockerSeccompProfile {
  let raw: unknown
  try {
    // JSON numbers lose precision past 2^53; quote long ones so they can become bigints.
    raw = JSON.parse(json.replace(/("value(?:Two)?"\s*:\s*)(\d{16,})/g, '$1"$2"'))
  } catch (e) {
    throw bad((e as Error).message, '')
  }
  const p = object(raw, '')
  if (p.defaultAction !== undefined) action(p.defaultAction, 'defaultAction')
  u16(p.defaultErrnoRet, 'defaultErrnoRet')
  strings(p.architectures, 'architectures')
  if (p.archMap !== undefined) {
    list(p.archMap, 'archMap').forEach((a, i) => {
      const m = object(a, `archMap[${i}]`)
      if (typeof m.architecture !== 'string') throw bad('must be a string', `archMap[${i}].architecture`)
      if (m.subArchitectures !== null) strings(m.subArchitectures, `archMap[${i}].subArchitectures`)
    })
  }
  strings(p.flags, 'flags')
  const syscalls = p.syscalls === undefined || p.syscalls === null ? [] : list(p.syscalls, 'syscalls')
  syscalls.forEach((s, i) => rule(s, `syscalls[${i}]`))
  return { ...(p as object), syscalls } as DockerSeccompProfile
}

function rule(raw: unknown, at: string): DockerSyscallRule {
  const r = object(raw, at)
  if (r.name !== undefined && typeof r.name !== 'string') throw bad('must be a string', `${at}.name`)
  strings(r.names, `${at}.names`)
  action(r.action, `${at}.action`)
  u16(r.errnoRet, `${at}.errnoRet`)
  if (r.args !== undefined && r.args !== null) list(r.args, `${at}.args`).forEach((a, j) => arg(a, `${at}.args[${j}]`))
  if (r.includes !== undefined) filter(r.includes, `${at}.includes`)
  if (r.excludes !== undefined) filter(r.excludes, `${at}.excludes`)
  return r as DockerSyscallRule
}

function arg(raw: unknown, at: string): SeccompArg {
  const a = object(raw, at)
  if (!Number.isInteger(a.index) || (a.index as number) < 0 || (a.index as number) > 5) {
    throw bad('must be an argument index from 0 to 5', `${at}.index`)
  }
  if (typeof a.op !== 'string' || !SECCOMP_OPS.has(a.op)) throw bad(`unknown operator ${JSON.stringify(a.op)}`, `${at}.op`)
  a.value = u64(a.value, `${at}.value`)
  if (a.valueTwo !== undefined) a.valueTwo = u64(a.valueTwo, `${at}.valueTwo`)
  return a as unknown as SeccompArg
}

function filter(raw: unknown, at: string): SeccompFilter {
  const f = object(raw, at)
  strings(f.caps, `${at}.caps`)
  strings(f.arches, `${at}.arches`)
  if (f.minKernel !== undefined && f.minKernel !== '') {
    // moby's KernelVersion.UnmarshalJSON wording.
    const v = typeof f.minKernel === 'string' ? /^(\d{1,3})\.(\d{1,3})$/.exec(f.minKernel) : null
    if (!v || Number(v[1]) > 255 || Number(v[2]) > 255 || (v[1] === '0' && v[2] === '0')) {
      throw bad(`invalid kernel version: ${JSON.stringify(f.minKernel)}, expected "<kernel>.<major>"`, `${at}.minKernel`)
    }
  }
  return f as SeccompFilter
}

function action(v: unknown, at: string): void {
  if (typeof v !== 'string' || !SECCOMP_ACTIONS.has(v)) throw bad(`unknown action ${JSON.stringify(v)}`, at)
}

function u16(v: unknown, at: string): void {
  if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff)) {
    throw bad('must be an errno number', at)
  }
}

function u64(v: unknown, at: string): number | bigint {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : Number.isInteger(v) ? BigInt(v as number) : -1n
  if (n < 0n || n > U64_MAX) throw bad('must be an integer from 0 to 2^64-1', at)
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? n : Number(n)
}

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('must be an object', at)
  return v as Record<string, unknown>
}

function list(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw bad('must be a list', at)
  return v
}

function strings(v: unknown, at: string): void {
  if (v !== undefined && v !== null && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
    throw bad('must be a list of strings', at)
  }
}

/** moby's prefix ("Decoding seccomp profile failed"), then the field at fault. */
function bad(what: string, at: string): StoreError {
  return new StoreError(Codes.INVALID_ARGUMENT, `Decoding seccomp profile failed: ${at ? `${at}: ` : ''}${what}`, {
    data: { field: at },
  })
}
