// The host platform: what builds make, and what pull and load take from an index. store builds
// for the host only (no emulation, no cross builds): BuildKit's automatic platform ARGs (BUILDPLATFORM, TARGETPLATFORM, …; for FROM, and in a stage after
// `ARG NAME`) name the host, and `FROM --platform=` must name it too (checked by the executor).

export interface Platform {
  os: string
  arch: string
  variant?: string
}

// Node's process.arch → the OCI/Go name.
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips64el: 'mips64le' }
// containerd's platforms.Normalize aliases.
const ALIAS: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386', armhf: 'arm', armel: 'arm' }

export function hostPlatform(): Platform {
  return { os: process.platform, arch: ARCH[process.arch] ?? process.arch }
}

export const formatPlatform = (p: Platform) => [p.os, p.arch, p.variant].filter(Boolean).join('/')

/** BuildKit's predefined ARGs, for a build and a target that are both `p`. */
export function platformArgs(p: Platform): Record<string, string> {
  const out: Record<string, string> = {}
  for (const side of ['BUILD', 'TARGET']) {
    out[`${side}PLATFORM`] = formatPlatform(p)
    out[`${side}OS`] = p.os
    out[`${side}ARCH`] = p.arch
    out[`${side}VARIANT`] = p.variant ?? ''
  }
  return out
}

/** Does `spec` (`os[/arch[/variant]]`, as `FROM --platform=` writes it) name `p`? */
export function namesPlatform(spec: string, p: Platform): boolean {
  const [os, arch, variant] = spec.toLowerCase().split('/')
  if (os !== p.os) return false
  if (arch === undefined) return true
  if ((ALIAS[arch] ?? arch) !== p.arch) return false
  // amd64's only variant is the baseline v1; arm64's is v8.
  return variant === undefined || variant === (p.variant ?? (p.arch === 'amd64' ? 'v1' : p.arch === 'arm64' ? 'v8' : ''))
}
