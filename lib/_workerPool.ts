// A small pool of worker threads running one script (given as source, so it works the same
// from compiled dist/ and under the test runner). Jobs go to the least busy worker; a worker
// is ref'd only while it has jobs, so an idle pool never keeps a finished command alive.
// Pools belong to an open store (`WorkerPools`, `store.workers`), made on first use and ended
// by `store.close()`: no module holds a pool of its own.

import { Worker, type WorkerOptions } from 'node:worker_threads'
import { availableParallelism } from 'node:os'

type Job = { resolve: (m: any) => void; reject: (e: Error) => void }

class Slot {
  readonly worker: Worker
  readonly jobs = new Map<number, Job>()

  constructor(source: string, opts: WorkerOptions) {
    this.worker = new Worker(source, { ...opts, eval: true })
    this.worker.on('message', (m: { id: number; error?: string; code?: string; syscall?: string; path?: string }) => {
      const j = this.jobs.get(m.id)
      if (!j) return
      this.jobs.delete(m.id)
      if (this.jobs.size === 0) this.worker.unref()
      // An errno error keeps its code, syscall and path across the thread boundary.
      if (m.error !== undefined) j.reject(Object.assign(new Error(m.error), m.code === undefined ? {} : { code: m.code, syscall: m.syscall, path: m.path }))
      else j.resolve(m)
    })
    this.worker.on('error', (e) => {
      for (const j of this.jobs.values()) j.reject(e)
      this.jobs.clear()
    })
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref()
  }
}

export class WorkerPool {
  private slots: Slot[] = []
  private seq = 0

  /**
   * `source`: CommonJS worker code answering each message `{id, …}` with `{id, …}` or
   * `{id, error[, code, syscall, path]}`; `opts`: for its Worker (trackUnmanagedFds: false
   * where fds opened in a worker are closed by another thread).
   */
  constructor(
    private readonly source: string,
    private readonly size: number = Math.max(1, Math.min(4, availableParallelism())),
    private readonly opts: WorkerOptions = {},
  ) {}

  /** Threads started so far (0 until the first job). */
  get threads(): number {
    return this.slots.length
  }

  /** Starts the first thread now, if none runs: its ~35 ms start overlaps what the caller does before its first job. */
  warm(): void {
    if (this.slots.length === 0) this.slots.push(new Slot(this.source, this.opts))
  }

  /** Ends the threads; their jobs fail. A later job starts new ones. */
  async close(): Promise<void> {
    const slots = this.slots
    this.slots = []
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  run<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    const slots = this.slots
    let slot = slots[0]
    for (const s of slots) if (s.jobs.size < slot.jobs.size) slot = s
    // Threads start as the work needs them: another only when every one has a job. A thread
    // costs ~35 ms of CPU to start, most of a small import's time (a folder of one file took
    // 0.25 s, 130 ms of it waiting for three threads to start on two cores).
    if (!slot || (slot.jobs.size > 0 && slots.length < this.size)) slots.push((slot = new Slot(this.source, this.opts)))
    const id = ++this.seq
    return new Promise<T>((resolve, reject) => {
      if (slot.jobs.size === 0) slot.worker.ref()
      slot.jobs.set(id, { resolve, reject })
      slot.worker.postMessage({ ...msg, id }, transfer)
    })
  }
}

/** The worker pools of one open store, by name: made on first use, all ended by `close()`. */
export class WorkerPools {
  private readonly pools = new Map<string, WorkerPool>()

  /** The pool called `name`, made by `make` the first time. */
  get(name: string, make: () => WorkerPool): WorkerPool {
    let p = this.pools.get(name)
    if (!p) this.pools.set(name, (p = make()))
    return p
  }

  /** Threads running now, per pool (for tests and `system info`). */
  threads(): Record<string, number> {
    return Object.fromEntries([...this.pools].map(([n, p]) => [n, p.threads]))
  }

  /** Ends every pool's threads (a later job starts them again). */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()))
  }
}
