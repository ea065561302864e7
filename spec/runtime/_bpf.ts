// A classic-BPF interpreter for seccomp filters (test helper): checks the program the way the
// kernel's seccomp_check_filter does (opcodes it allows, loads inside seccomp_data, jumps inside
// the program, a ret at the end), then runs it on one seccomp_data.

export interface SeccompData {
  nr: number
  arch: number
  ip?: bigint
  /** Six u64 arguments; missing ones are 0. */
  args?: bigint[]
}

const OPS = new Set([0x20, 0x54, 0x05, 0x15, 0x25, 0x35, 0x45, 0x06])
const DATA_SIZE = 64

export function checkFilter(prog: Uint8Array): void {
  const n = prog.length / 8
  if (!Number.isInteger(n) || n === 0 || n > 4096) throw new Error(`bad program length ${prog.length}`)
  const v = new DataView(prog.buffer, prog.byteOffset, prog.byteLength)
  for (let pc = 0; pc < n; pc++) {
    const code = v.getUint16(pc * 8, true)
    const k = v.getUint32(pc * 8 + 4, true)
    if (!OPS.has(code)) throw new Error(`opcode 0x${code.toString(16)} at ${pc} is not allowed in seccomp`)
    if (code === 0x20 && (k % 4 !== 0 || k >= DATA_SIZE)) throw new Error(`load outside seccomp_data at ${pc}`)
    if (code === 0x05 && pc + 1 + k >= n) throw new Error(`ja out of the program at ${pc}`)
    if (code >= 0x15 && code <= 0x45 && code !== 0x06) {
      const jt = v.getUint8(pc * 8 + 2)
      const jf = v.getUint8(pc * 8 + 3)
      if (pc + 1 + Math.max(jt, jf) >= n) throw new Error(`jump out of the program at ${pc}`)
    }
  }
  if (v.getUint16((n - 1) * 8, true) !== 0x06) throw new Error('the program does not end with ret')
}

/** Runs the filter; returns the SECCOMP_RET_* value (u32). */
export function runBpf(prog: Uint8Array, d: SeccompData): number {
  const data = new DataView(new ArrayBuffer(DATA_SIZE))
  data.setUint32(0, d.nr >>> 0, true)
  data.setUint32(4, d.arch >>> 0, true)
  data.setBigUint64(8, d.ip ?? 0n, true)
  for (let i = 0; i < 6; i++) data.setBigUint64(16 + 8 * i, BigInt.asUintN(64, d.args?.[i] ?? 0n), true)
  const v = new DataView(prog.buffer, prog.byteOffset, prog.byteLength)
  let a = 0
  for (let pc = 0, steps = 0; steps < 4096; steps++) {
    const code = v.getUint16(pc * 8, true)
    const jt = v.getUint8(pc * 8 + 2)
    const jf = v.getUint8(pc * 8 + 3)
    const k = v.getUint32(pc * 8 + 4, true)
    pc++
    switch (code) {
      case 0x20: a = data.getUint32(k, true); break
      case 0x54: a = (a & k) >>> 0; break
      case 0x05: pc += k; break
      case 0x15: pc += a === k ? jt : jf; break
      case 0x25: pc += a > k ? jt : jf; break
      case 0x35: pc += a >= k ? jt : jf; break
      case 0x45: pc += (a & k) !== 0 ? jt : jf; break
      case 0x06: return k
      default: throw new Error(`opcode 0x${code.toString(16)}`)
    }
  }
  throw new Error('filter did not return')
}
