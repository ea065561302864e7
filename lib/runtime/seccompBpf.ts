// compileSeccompBpf: an OCI seccomp object as the classic-BPF program a small C helper loads with
// prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) — the filter runc would load for it.
//
// Outline (what to decide comes from _seccompPlan.ts):
//   ld arch; jeq AUDIT_ARCH_<each listed arch> -> its section; ret <bad arch>
//   section: ld nr; binary search over the plan's segments (jge), ~log2(segments) compares
//            before a leaf; a leaf returns, or checks argument conditions and then returns.
// Measured: the default profile for Docker's default caps on amd64 is 282 segments (x86_64 with
// x32, then i386) and 671 instructions; runc's filter for it (libseccomp 2.5.4) has 1015. The
// kernel takes at most 4096.

import { Asm, type Label, assemble } from './_bpfAsm.js'
import { type Cond, type Outcome, type Rule, type Segment, seccompPlan } from './_seccompPlan.js'
import type { OciSeccomp, SeccompHostArch } from './_seccompTypes.js'

/** Offsets in struct seccomp_data: nr, arch, then u64 args from 16 (low word first: LE hosts). */
const NR = 0
const ARCH = 4
const argLo = (i: number) => 16 + 8 * i
const argHi = (i: number) => 20 + 8 * i

/** The filter as `struct sock_filter[]` bytes (8 per instruction). */
export function compileSeccompBpf(oci: OciSeccomp, arch: SeccompHostArch): Uint8Array {
  const plan = seccompPlan(oci, arch)
  const a = new Asm()
  a.ld(ARCH)
  const entries = plan.sections.map(() => a.label())
  plan.sections.forEach((s, i) => {
    const next = a.label()
    a.jump('jeq', s.audit, entries[i], next)
    a.at(next)
  })
  a.ret(plan.badArch)
  plan.sections.forEach((s, i) => {
    a.at(entries[i])
    a.ld(NR)
    tree(a, s.segments)
  })
  return assemble(a.insns)
}

/** Binary search: the left half inline, `jge` to the right half. Every path ends in a ret. */
function tree(a: Asm, segs: Segment[]): void {
  if (segs.length === 1) return leaf(a, segs[0].outcome)
  const mid = segs.length >> 1
  const left = a.label()
  const right = a.label()
  a.jump('jge', segs[mid].lo, right, left)
  a.at(left)
  tree(a, segs.slice(0, mid))
  a.at(right)
  tree(a, segs.slice(mid))
}

/** Rules in order, each an AND of conditions; the first that holds decides. */
function leaf(a: Asm, o: Outcome): void {
  if ('ret' in o) return a.ret(o.ret)
  for (const r of o.rules) {
    const fail = a.label()
    for (const c of r.conds) cond(a, c, r, fail)
    a.ret(r.ret)
    a.at(fail)
  }
  a.ret(o.otherwise)
}

/** Falls through when the condition holds, jumps to `fail` when not. */
function cond(a: Asm, c: Cond, r: Rule, fail: Label): void {
  const ok = a.label()
  const hi = Number(c.value >> 32n)
  const lo = Number(c.value & 0xffffffffn)
  if (c.op === 'SCMP_CMP_MASKED_EQ') {
    const d = c.valueTwo & c.value
    if (r.wide && hi !== 0) {
      const next = a.label()
      a.ld(argHi(c.index)); a.and(hi); a.jump('jeq', Number(d >> 32n), next, fail); a.at(next)
    }
    if (lo !== 0) { a.ld(argLo(c.index)); a.and(lo); a.jump('jeq', Number(d & 0xffffffffn), ok, fail) }
    return a.at(ok)
  }
  // 64-bit: the high words decide unless they are equal; then the low words decide.
  if (r.wide) {
    const next = a.label()
    a.ld(argHi(c.index))
    switch (c.op) {
      case 'SCMP_CMP_EQ': a.jump('jeq', hi, next, fail); break
      case 'SCMP_CMP_NE': a.jump('jeq', hi, next, ok); break
      case 'SCMP_CMP_GT': case 'SCMP_CMP_GE': {
        const notAbove = a.label()
        a.jump('jgt', hi, ok, notAbove); a.at(notAbove); a.jump('jeq', hi, next, fail); break
      }
      case 'SCMP_CMP_LT': case 'SCMP_CMP_LE': {
        const notBelow = a.label()
        a.jump('jge', hi, notBelow, ok); a.at(notBelow); a.jump('jgt', hi, fail, next); break
      }
    }
    a.at(next)
  }
  a.ld(argLo(c.index))
  switch (c.op) {
    case 'SCMP_CMP_EQ': a.jump('jeq', lo, ok, fail); break
    case 'SCMP_CMP_NE': a.jump('jeq', lo, fail, ok); break
    case 'SCMP_CMP_GT': a.jump('jgt', lo, ok, fail); break
    case 'SCMP_CMP_GE': a.jump('jge', lo, ok, fail); break
    case 'SCMP_CMP_LT': a.jump('jge', lo, fail, ok); break
    case 'SCMP_CMP_LE': a.jump('jgt', lo, fail, ok); break
  }
  a.at(ok)
}
