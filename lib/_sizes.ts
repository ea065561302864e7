// Sizes and modes as the two syntaxes write them. Pure.

/**
 * go-units RAMInBytes (what `tmpfs-size` uses): binary units, case-insensitive, optional `b`/`ib`
 * and one optional space: 1m = 1MB = 1MiB = 1048576; fractions are truncated (1.5k = 1536).
 * Sizes beyond 2^53 are refused rather than rounded.
 */
export function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(s)
  if (!m) return undefined
  const mult = m[2] ? 1024 ** ('kmgtp'.indexOf(m[2].toLowerCase()) + 1) : 1
  const n = Math.trunc(Number(m[1]) * mult)
  return Number.isSafeInteger(n) ? n : undefined
}

/** strconv.ParseUint(s, 8, 32): octal digits only (`700` and `0700`), at most 0xffffffff. */
export function parseOctal32(s: string): number | undefined {
  if (!/^[0-7]+$/.test(s)) return undefined
  const n = Number.parseInt(s, 8)
  return n <= 0xffffffff ? n : undefined
}

/**
 * The kernel's memparse for tmpfs `size=` (what `--tmpfs DIR:size=64m` hands to mount(2)):
 * decimal digits with an optional k/m/g/t/p/e suffix, binary multiples.
 */
export function kernelSize(s: string): number | undefined {
  const m = /^(\d+)([kmgtpe])?$/i.exec(s)
  if (!m) return undefined
  const mult = m[2] ? 1024 ** ('kmgtpe'.indexOf(m[2].toLowerCase()) + 1) : 1
  const n = Number(m[1]) * mult
  return Number.isSafeInteger(n) ? n : undefined
}
