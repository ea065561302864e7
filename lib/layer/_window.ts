// A bounded window of in-flight promises: keeps up to `size` writes going at once (the content
// store's compression and fsyncs run on libuv's threadpool, so this is where two cores pay off)
// while bounding memory to `size` chunks.

export class Window {
  private readonly pending = new Set<Promise<unknown>>()
  private failure: unknown = undefined
  private failed = false

  constructor(private readonly size: number) {}

  async add(p: Promise<unknown>): Promise<void> {
    const tracked = p.then(
      () => {
        this.pending.delete(tracked)
      },
      (e) => {
        this.pending.delete(tracked)
        if (!this.failed) {
          this.failed = true
          this.failure = e
        }
      },
    )
    this.pending.add(tracked)
    if (this.failed) throw this.failure
    while (this.pending.size >= this.size) {
      await Promise.race(this.pending)
      if (this.failed) throw this.failure
    }
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.race(this.pending)
    if (this.failed) throw this.failure
  }
}
