// A registry's private CA, where Docker's daemon looks for it: `<certs.d>/<host[:port]>/*.crt`
// (client certificates, `*.cert` with `*.key`, are not read yet). Node's fetch takes no CA per
// request, so the certificates join the process's default trust (tls.setDefaultCACertificates,
// beside the bundled roots and NODE_EXTRA_CA_CERTS): a command talks to one registry and its
// token realm, and trusts that CA while it runs.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { Codes, StoreError } from '../errors.js'

/** A certificate file larger than this is not one. */
const CERT_MAX = 1 << 20

const read = new Set<string>()

/** Adds `host`'s CA certificates from `dirs` to this process's trust (once per folder). */
export function trustRegistryCAs(host: string, dirs: readonly string[]): void {
  // A folder name, never a path: host[:port] as a reference writes it.
  if (!/^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/.test(host)) return
  const pems: string[] = []
  for (const d of dirs) {
    const dir = join(d, host)
    if (read.has(dir)) continue
    read.add(dir)
    let names: string[]
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.crt')).sort()
    } catch {
      continue
    }
    for (const n of names) {
      const file = join(dir, n)
      if (statSync(file).size > CERT_MAX) throw new StoreError(Codes.INVALID_ARGUMENT, `${file}: larger than ${CERT_MAX >> 20} MiB, not a certificate`)
      pems.push(...certificatesIn(readFileSync(file, 'utf8'), file))
    }
  }
  if (pems.length > 0) setDefaultCACertificates([...getCACertificates('default'), ...pems])
}

function certificatesIn(text: string, file: string): string[] {
  const found = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
  if (!found) throw new StoreError(Codes.INVALID_ARGUMENT, `${file}: no PEM certificate in it`)
  return found
}
