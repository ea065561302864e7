// Open pack files, shared by reads: a pread each, no open/close per blob. At most MAX stay open
// (a store of 10 GB has ~300 packs; the process's descriptor limit may be 1,024); the least
// recently used idle one is closed first, never one a read is using. An idle pack is closed
// after IDLE_MS too: a process that opens many stores (a test run, a library user) does not keep
// their descriptors until the collector finds the handles (Node warns then, and the limit nears).

import { open, type FileHandle } from 'node:fs/promises'

const MAX = 64
const IDLE_MS = 2000

interface Slot {
  fh: Promise<FileHandle>
  users: number
  used: number
  idle?: NodeJS.Timeout
  /** Removed from the map: closed when its last user is done. */
  gone?: boolean
}

export class PackFiles {
  private slots = new Map<string, Slot>()
  private clock = 0

  constructor(private readonly pathOf: (name: string) => string) {}

  /** Runs `fn` with pack `name` open; an open that fails (ENOENT: gc removed it) throws as it is. */
  async use<T>(name: string, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let slot = this.slots.get(name)
    if (!slot) {
      slot = { fh: open(this.pathOf(name), 'r'), users: 0, used: 0 }
      this.slots.set(name, slot)
      const s = slot
      s.fh.catch(() => this.slots.get(name) === s && this.slots.delete(name))
    }
    slot.users++
    slot.used = ++this.clock
    if (slot.idle) clearTimeout(slot.idle)
    slot.idle = undefined
    try {
      return await fn(await slot.fh)
    } finally {
      slot.users--
      if (slot.gone && slot.users === 0) void close(slot)
      else if (this.slots.size > MAX) this.evict()
      if (!slot.gone && slot.users === 0) {
        const s = slot
        s.idle = setTimeout(() => s.users === 0 && this.slots.get(name) === s && this.forget(name), IDLE_MS).unref()
      }
    }
  }

  /** Closes pack `name` once no read uses it (it was removed from the set). */
  forget(name: string): void {
    const slot = this.slots.get(name)
    if (!slot) return
    this.slots.delete(name)
    if (slot.idle) clearTimeout(slot.idle)
    slot.gone = true
    if (slot.users === 0) void close(slot)
  }

  private evict(): void {
    const idle = [...this.slots].filter(([, s]) => s.users === 0).sort((a, b) => a[1].used - b[1].used)
    for (const [name] of idle.slice(0, this.slots.size - MAX)) this.forget(name)
  }
}

async function close(slot: Slot): Promise<void> {
  await (await slot.fh.catch(() => undefined))?.close().catch(() => {})
}
