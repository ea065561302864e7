// `store stats`: each running container's CPU, memory, block I/O and process counts, from its
// control groups (lib/container/cgroup.ts), and its network I/O from its network namespace's
// /proc/net/dev, sampled twice `intervalMs` apart for the CPU share (Docker's CPU % is CPU time
// over wall time). Block I/O is what the kernel counted for the cgroup since it was made.

import { readFile } from 'node:fs/promises'
import { totalmem } from 'node:os'
import type { Store } from '../store.js'
import { childPids, containerPid } from '../runtime/index.js'
import { cgroupStats, type CgroupStats } from './cgroup.js'
import { currentState } from './state.js'
import type { ContainerRecord } from './types.js'
import { isBridged } from '../network/index.js'

export interface StatsRow {
  id: string
  name: string
  cpuPercent: number
  memory: number
  memoryLimit: number
  memoryPercent: number
  netRx: number
  netTx: number
  blockRead: number
  blockWrite: number
  pids: number
}

/** Bytes received and sent on every interface but lo of `pid`'s network namespace. */
async function netIo(pid: number): Promise<[number, number]> {
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '')
  let rx = 0
  let tx = 0
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':')
    if (!rest || name.trim() === 'lo') continue
    const f = rest.trim().split(/\s+/).map(Number)
    rx += f[0]
    tx += f[8]
  }
  return [rx, tx]
}

async function sample(store: Store, rec: ContainerRecord): Promise<{ at: number; cg?: CgroupStats; pid?: number } | undefined> {
  const st = await currentState(store, rec.id)
  if (st.status !== 'running') return undefined
  const at = process.hrtime.bigint()
  const cg = st.cgroups ? await cgroupStats(st.cgroups).catch(() => undefined) : undefined
  const pid = st.launcherPid ? ((await containerPid(st.launcherPid, rec.launcher)) ?? (await childPids(st.launcherPid))[0]) : undefined
  return { at: Number(at), cg, pid }
}

/** One row per container (zeros for one that is not running), sampled over `intervalMs`. */
export async function sampleStats(store: Store, recs: ContainerRecord[], intervalMs = 500): Promise<StatsRow[]> {
  const first = await Promise.all(recs.map((r) => sample(store, r)))
  await new Promise((r) => setTimeout(r, intervalMs))
  const second = await Promise.all(recs.map((r) => sample(store, r)))
  return Promise.all(
    recs.map(async (rec, i) => {
      const a = first[i]
      const b = second[i]
      const limit = b?.cg?.memoryLimit ?? totalmem()
      const memory = b?.cg?.memory ?? 0
      const cpu = a?.cg && b?.cg && b.at > a.at ? ((b.cg.cpuNs - a.cg.cpuNs) / (b.at - a.at)) * 100 : 0
      const [netRx, netTx] = b?.pid && isBridged(rec.network) ? await netIo(b.pid) : [0, 0]
      return {
        id: rec.id, name: rec.name, cpuPercent: Math.max(0, cpu), memory, memoryLimit: b ? limit : 0, memoryPercent: b && limit ? (memory / limit) * 100 : 0,
        netRx, netTx, blockRead: b?.cg?.blockRead ?? 0, blockWrite: b?.cg?.blockWrite ?? 0, pids: b?.cg?.pids ?? 0,
      }
    }),
  )
}
