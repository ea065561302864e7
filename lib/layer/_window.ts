// A bounded window of in-flight promises: keeps writes going at once (the content store's
// compression runs on worker threads, so this is where two cores pay off) while bounding
// memory, by count and, where given, by weight (bytes). add() returns a promise only when the
// caller must wait (the window is full): a folder of 100,000 small files made ~10 awaits per
// entry, each a promise and a turn of the microtask queue. Settling wakes a waiter directly
// (no Promise.race over the window: that was O(size) per wait, and the window is now large:
// small chunks wait for a worker's round trip, so a count of 32 left the cores idle).

export class Window {
  private count = 0
  private weight = 0
  private failure: unknown = undefined
  private failed = false
  private waiters: { ready: () => boolean; wake: () => void }[] = []

  /** At most `size` promises, and (once past it) no more than `maxWeight` of their weights. */
  constructor(
    private readonly size: number,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {}

  add(p: Promise<unknown>, weight = 0): Promise<void> | undefined {
    this.count++
    this.weight += weight
    p.then(
      () => this.settled(weight),
      (e) => {
        if (!this.failed) {
          this.failed = true
          this.failure = e
        }
        this.settled(weight)
      },
    )
    if (this.failed) throw this.failure
    return this.full() ? this.until(() => !this.full()) : undefined
  }

  async drain(): Promise<void> {
    if (this.count > 0) await this.until(() => this.count === 0, true)
    if (this.failed) throw this.failure
  }

  private full(): boolean {
    return this.count >= this.size || this.weight >= this.maxWeight
  }

  private settled(weight: number): void {
    this.count--
    this.weight -= weight
    if (this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) if (w.ready()) w.wake()
    else this.waiters.push(w)
  }

  /** Resolves once `ready()` (or, unless `all`, once a promise failed: the failure is thrown). */
  private async until(ready: () => boolean, all = false): Promise<void> {
    const done = () => ready() || (!all && this.failed)
    while (!done()) await new Promise<void>((wake) => this.waiters.push({ ready: done, wake }))
    if (!all && this.failed) throw this.failure
  }
}
