// `store top`: the container's processes as Docker shows them: `ps` (Docker's default options
// -ef, or the ones given) run on the host, its header and the rows whose PID is one of the
// container's (its PID 1 and every descendant, found through /proc/<pid>/task/*/children).

import { execFile } from 'node:child_process'
import type { Store } from '../store.js'
import { Codes, StoreError } from '../errors.js'
import { childPids, containerPid } from '../runtime/index.js'
import { currentState } from './state.js'
import type { ContainerRecord } from './types.js'

/** The container's processes (host pids): its PID 1 and all it started. */
async function processTree(init: number): Promise<Set<number>> {
  const out = new Set<number>([init])
  for (const todo = [init]; todo.length > 0; ) {
    for (const kid of await childPids(todo.pop()!)) if (!out.has(kid)) out.add(kid) && todo.push(kid)
  }
  return out
}

export async function topContainer(store: Store, rec: ContainerRecord, psArgs: string[] = ['-ef']): Promise<string> {
  const st = await currentState(store, rec.id)
  const init = st.status === 'running' && st.launcherPid ? await containerPid(st.launcherPid, rec.launcher) : undefined
  if (!init) throw new StoreError(Codes.CONTAINER_NOT_RUNNING, `container ${rec.id} is not running`)
  const pids = await processTree(init)
  const text = await new Promise<string>((resolve, reject) =>
    execFile('ps', psArgs, { maxBuffer: 64 << 20 }, (e, stdout, stderr) =>
      e ? reject(new StoreError(Codes.INVALID_ARGUMENT, `ps: ${stderr.trim() || e.message}`)) : resolve(stdout),
    ),
  )
  const [head, ...rows] = text.split('\n').filter((l) => l.trim() !== '')
  const col = head.trim().split(/\s+/).indexOf('PID')
  if (col < 0) throw new StoreError(Codes.INVALID_ARGUMENT, `Couldn't find PID field in ps output`)
  return [head, ...rows.filter((r) => pids.has(Number(r.trim().split(/\s+/)[col])))].join('\n') + '\n'
}
