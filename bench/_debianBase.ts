// The docker scenario's base image: a Debian root made by `debootstrap --variant=minbase` from
// the Debian mirror this machine's apt sources name (never a host written here), so the
// Dockerfiles' `apt-get` reads the same mirror (debootstrap writes it into the root's
// sources.list). Both the one-line format (`sources.list`, `*.list`) and deb822 (`*.sources`).

import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface AptSource {
  types: string[]
  uris: string[]
  suites: string[]
  components: string[]
  /** The file it was read from (printed instead of the host). */
  file: string
}

/** Entries of one-line sources (`deb [opts] URI SUITE COMPONENT…`). */
export function parseOneLine(text: string, file: string): AptSource[] {
  const out: AptSource[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim()
    const [type, uri, suite, ...components] = line.split(/\s+/)
    if (!type || !uri || !suite) continue
    out.push({ types: [type], uris: [uri], suites: [suite], components, file })
  }
  return out
}

/** Entries of deb822 sources (paragraphs of `Field: value`; `Enabled: no` skipped). */
export function parseDeb822(text: string, file: string): AptSource[] {
  const out: AptSource[] = []
  for (const para of text.split(/\n\s*\n/)) {
    const f: Record<string, string> = {}
    let last = ''
    for (const line of para.split('\n')) {
      if (line.startsWith('#')) continue
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line)
      if (m) f[(last = m[1].toLowerCase())] = m[2]
      else if (/^\s/.test(line) && last) f[last] += ` ${line.trim()}` // a continuation line
    }
    const words = (k: string) => (f[k] ?? '').split(/\s+/).filter(Boolean)
    if (!f.uris || f.enabled === 'no') continue
    out.push({ types: words('types'), uris: words('uris'), suites: words('suites'), components: words('components'), file })
  }
  return out
}

/** The first `deb` source of `suite`'s main component in the apt configuration under `etc`. */
export function debianMirror(suite: string, etc = '/etc/apt'): { uri: string; file: string } {
  const files = [join(etc, 'sources.list')]
  const dir = join(etc, 'sources.list.d')
  if (existsSync(dir)) files.push(...readdirSync(dir).sort().map((n) => join(dir, n)))
  const sources: AptSource[] = []
  for (const file of files) {
    if (!existsSync(file)) continue
    if (file.endsWith('.sources')) sources.push(...parseDeb822(readFileSync(file, 'utf8'), file))
    else if (file.endsWith('.list')) sources.push(...parseOneLine(readFileSync(file, 'utf8'), file))
  }
  const hit = sources.find((s) => s.types.includes('deb') && s.suites.includes(suite) && s.components.includes('main'))
  if (!hit) throw new Error(`no 'deb' source of ${suite} main in ${files.join(', ')}: debootstrap needs a Debian mirror`)
  return { uri: hit.uris[0], file: hit.file }
}

/** debootstrap's minbase of `suite` into `root`; the seconds it took. */
export async function debootstrap(suite: string, root: string, mirror: string): Promise<number> {
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const p = spawn('debootstrap', ['--variant=minbase', suite, root, mirror], { stdio: ['ignore', 'pipe', 'pipe'] })
    let tail = ''
    const keep = (b: Buffer) => void (tail = (tail + b.toString()).slice(-4096))
    p.stdout.on('data', keep)
    p.stderr.on('data', keep)
    p.once('error', reject)
    p.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`debootstrap exited ${code}:\n${tail.trim()}`))))
  })
  return (performance.now() - t0) / 1000
}
