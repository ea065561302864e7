// Byte order of names (what tar writers and `ls` under LC_ALL=C use), not UTF-16 order.
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}
