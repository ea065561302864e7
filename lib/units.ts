// Docker's human sizes (go-units HumanSizeWithPrecision(size, 3)): decimal units, no space,
// three significant digits: 0B, 212B, 1.05MB, 120MB. Pure.

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB']

export function humanSize(bytes: number): string {
  let v = bytes
  let i = 0
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000
    i++
  }
  let s = Number(v.toPrecision(3))
  if (s >= 1000 && i < UNITS.length - 1) {
    s = Number((s / 1000).toPrecision(3))
    i++
  }
  return `${s}${UNITS[i]}`
}

/** Parse Docker-style binary sizes: 1m = 1MB = 1048576 (as tmpfs-size and --shm-size do). */
export function parseBinarySize(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(s.trim())
  if (!m) return undefined
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2].toLowerCase() as '']
  return Math.floor(Number(m[1]) * mult)
}

/** "2 hours ago", as Docker's CREATED column. */
export function timeAgo(iso: string | undefined, now: Date): string {
  if (!iso) return 'N/A'
  const t = Date.parse(iso)
  if (!Number.isFinite(t)) return 'N/A'
  const s = Math.max(0, (now.getTime() - t) / 1000)
  const units: [number, string][] = [
    [365 * 86400, 'year'], [30 * 86400, 'month'], [7 * 86400, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'],
  ]
  if (s < 1) return 'Less than a second ago'
  if (s < 60) return `${Math.floor(s)} second${Math.floor(s) === 1 ? '' : 's'} ago`
  for (const [n, name] of units) {
    if (s >= n) {
      const k = Math.floor(s / n)
      if (name === 'hour' && k === 1) return 'About an hour ago'
      if (name === 'minute' && k === 1) return 'About a minute ago'
      return `${k} ${name}${k === 1 ? '' : 's'} ago`
    }
  }
  return 'Less than a second ago'
}
