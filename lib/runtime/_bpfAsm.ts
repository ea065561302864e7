// A classic-BPF assembler for seccomp filters: forward jumps to labels, encoded as the kernel's
// `struct sock_filter` (u16 code, u8 jt, u8 jf, u32 k; little-endian, as on x86_64 and aarch64).
//
// Conditional jumps reach at most 255 instructions ahead. A branch that must go further jumps
// to a `ja` placed right after it (ja takes a 32-bit offset). Placing one moves everything
// behind it, which can push other branches out of reach, so layout repeats until nothing
// changes; a branch only ever goes from near to far, so that ends.

import { Codes, StoreError } from '../errors.js'

export interface Label { readonly id: number }
export type JumpOp = 'jeq' | 'jgt' | 'jge' | 'jset'
export type Insn =
  | { op: 'ld'; k: number } // A = seccomp_data[k], 32 bits
  | { op: 'and'; k: number } // A &= k
  | { op: JumpOp; k: number; t: Label; f: Label } // A <op> k ? t : f
  | { op: 'ja'; to: Label }
  | { op: 'ret'; k: number }
  | { op: 'at'; label: Label } // marks where a label points

/** BPF_MAXINSNS: the kernel refuses longer programs. */
export const MAX_INSNS = 4096
const CODE = { ld: 0x20, and: 0x54, ja: 0x05, jeq: 0x15, jgt: 0x25, jge: 0x35, jset: 0x45, ret: 0x06 } as const

/** Collects instructions; labels are made with label() and placed with at(). */
export class Asm {
  readonly insns: Insn[] = []
  private next = 0
  label(): Label { return { id: this.next++ } }
  at(label: Label): void { this.insns.push({ op: 'at', label }) }
  ld(k: number): void { this.insns.push({ op: 'ld', k }) }
  and(k: number): void { this.insns.push({ op: 'and', k: k >>> 0 }) }
  jump(op: JumpOp, k: number, t: Label, f: Label): void { this.insns.push({ op, k: k >>> 0, t, f }) }
  ja(to: Label): void { this.insns.push({ op: 'ja', to }) }
  ret(k: number): void { this.insns.push({ op: 'ret', k: k >>> 0 }) }
}

export function assemble(insns: readonly Insn[]): Uint8Array {
  const far = new Set<string>() // `${index}t` / `${index}f`: that branch goes through a ja
  for (;;) {
    const { pos, where, size } = layout(insns, far)
    let grew = false
    insns.forEach((ins, i) => {
      if (ins.op !== 'jeq' && ins.op !== 'jgt' && ins.op !== 'jge' && ins.op !== 'jset') return
      for (const b of ['t', 'f'] as const) {
        if (!far.has(`${i}${b}`) && where(ins[b]) - (pos[i] + 1) > 255) { far.add(`${i}${b}`); grew = true }
      }
    })
    if (grew) continue
    if (size > MAX_INSNS) {
      throw new StoreError(Codes.INVALID_ARGUMENT, `seccomp filter too large: ${size} instructions (the kernel takes ${MAX_INSNS})`)
    }
    return encode(insns, far, pos, where, size)
  }
}

function layout(insns: readonly Insn[], far: Set<string>) {
  const pos: number[] = []
  const labels = new Map<number, number>()
  let n = 0
  insns.forEach((ins, i) => {
    pos[i] = n
    if (ins.op === 'at') labels.set(ins.label.id, n)
    else n += 1 + (far.has(`${i}t`) ? 1 : 0) + (far.has(`${i}f`) ? 1 : 0)
  })
  const where = (l: Label) => {
    const p = labels.get(l.id)
    if (p === undefined) throw new Error(`BPF label ${l.id} is never placed`)
    return p
  }
  return { pos, where, size: n }
}

function encode(insns: readonly Insn[], far: Set<string>, pos: number[], where: (l: Label) => number, size: number): Uint8Array {
  const out = new Uint8Array(size * 8)
  const view = new DataView(out.buffer)
  const put = (at: number, code: number, jt: number, jf: number, k: number) => {
    if (jt < 0 || jf < 0 || jt > 255 || jf > 255 || k < 0) throw new Error(`BPF jump out of range at ${at}`)
    view.setUint16(at * 8, code, true)
    view.setUint8(at * 8 + 2, jt)
    view.setUint8(at * 8 + 3, jf)
    view.setUint32(at * 8 + 4, k >>> 0, true)
  }
  insns.forEach((ins, i) => {
    const p = pos[i]
    switch (ins.op) {
      case 'at': return
      case 'ld': case 'and': case 'ret': return put(p, CODE[ins.op], 0, 0, ins.k)
      case 'ja': return put(p, CODE.ja, 0, 0, where(ins.to) - (p + 1))
      default: {
        let slot = p + 1 // trampolines follow the jump: the t one first
        const off = (b: 't' | 'f') => {
          if (!far.has(`${i}${b}`)) return where(ins[b]) - (p + 1)
          put(slot, CODE.ja, 0, 0, where(ins[b]) - (slot + 1))
          return slot++ - (p + 1)
        }
        const jt = off('t')
        const jf = off('f')
        put(p, CODE[ins.op], jt, jf, ins.k)
      }
    }
  })
  return out
}
