// The order of a folder walk (fromDir.ts): children sorted by the byte order of their names,
// each dir followed by its subtree. As one comparison of relative paths: component by
// component, byte order within one, so "a/b" comes before "a-c" although '-' < '/'. Pure.

/** Negative if path `a` comes before `b` in a walk, 0 if equal. */
export function walkCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if (x === 0x2f) return -1 // a's component ended first
    if (y === 0x2f) return 1
    // UTF-16 order is byte order (of UTF-8) below the surrogates only.
    if (x >= 0xd800 || y >= 0xd800) return byComponents(a, b)
    return x - y
  }
  return a.length - b.length
}

const enc = new TextEncoder()

function byComponents(a: string, b: string): number {
  const pa = a.split('/')
  const pb = b.split('/')
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue
    const x = enc.encode(pa[i])
    const y = enc.encode(pb[i])
    for (let j = 0; j < Math.min(x.length, y.length); j++) if (x[j] !== y[j]) return x[j] - y[j]
    return x.length - y.length
  }
  return pa.length - pb.length
}

/** A min-heap of items by walk order of their key. */
export class WalkHeap<T extends { key: string }> {
  private readonly items: T[] = []

  get size(): number {
    return this.items.length
  }

  push(item: T): void {
    const h = this.items
    h.push(item)
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1
      if (walkCompare(h[p].key, h[i].key) <= 0) break
      ;[h[p], h[i]] = [h[i], h[p]]
      i = p
    }
  }

  pop(): T | undefined {
    const h = this.items
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last) {
      h[0] = last
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && walkCompare(h[l].key, h[m].key) < 0) m = l
        if (r < h.length && walkCompare(h[r].key, h[m].key) < 0) m = r
        if (m === i) break
        ;[h[m], h[i]] = [h[i], h[m]]
        i = m
      }
    }
    return top
  }
}
