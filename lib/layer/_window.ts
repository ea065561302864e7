// A bounded window of in-flight promises: keeps up to `size` writes going at once (the content
// store's compression and writes run on worker threads, so this is where two cores pay off)
// while bounding memory to `size` chunks. add() returns a promise only when the caller must
// wait (the window is full): a folder of 100,000 small files made ~10 awaits per entry, each
// a promise and a turn of the microtask queue.

export class Window {
  private readonly pending = new Set<Promise<unknown>>()
  private failure: unknown = undefined
  private failed = false

  constructor(private readonly size: number) {}

  add(p: Promise<unknown>): Promise<void> | undefined {
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
    return this.pending.size >= this.size ? this.wait() : undefined
  }

  private async wait(): Promise<void> {
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
