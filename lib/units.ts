// Docker's human sizes (go-units HumanSizeWithPrecision): decimal units, no space, three
// significant digits by default (0B, 212B, 1.05MB, 120MB: image, container and layer sizes), four
// where Docker uses go-units HumanSize (`system df`'s rows, SHARED SIZE and UNIQUE SIZE, volume
// sizes: 2.486MB). Pure.

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB']

export function humanSize(bytes: number, precision: 3 | 4 = 3): string {
  let v = bytes
  let i = 0
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000
    i++
  }
  let s = Number(v.toPrecision(precision))
  // 999.6kB at three digits: Go prints "1e+03kB"; we print the next unit. Four digits hold 1000.
  if (s >= 10 ** precision && i < UNITS.length - 1) {
    s = Number((s / 1000).toPrecision(precision))
    i++
  }
  return `${s}${UNITS[i]}`
}


/** go-units HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  const minutes = Math.floor(ms / 60000)
  const hours = Math.round(ms / 3600000)
  if (seconds < 1) return 'Less than a second'
  if (seconds === 1) return '1 second'
  if (seconds < 60) return `${seconds} seconds`
  if (minutes === 1) return 'About a minute'
  if (minutes < 60) return `${minutes} minutes`
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`
  return `${Math.floor(hours / 24 / 365)} years`
}

/** "2 hours ago", as Docker's CREATED column. */
export function timeAgo(iso: string | undefined, now: Date): string {
  if (!iso) return 'N/A'
  const t = Date.parse(iso)
  if (!Number.isFinite(t)) return 'N/A'
  return `${humanDuration(Math.max(0, now.getTime() - t))} ago`
}
