// What a registry command trusts, as Docker's daemon does: the machine's CAs (what
// update-ca-certificates puts in /etc/ssl/certs; Node trusts only its bundled roots unless told)
// and a registry's private CA where Docker looks for it, `<certs.d>/<host[:port]>/*.crt`
// (client certificates, `*.cert` with `*.key`, are not read yet). Node's fetch takes no CA per
// request, so they join the process's default trust (tls.setDefaultCACertificates, beside the
// bundled roots and NODE_EXTRA_CA_CERTS): a command talks to one registry and its token realm,
// and trusts them while it runs.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { Codes, StoreError } from '../errors.js'

/** A certificate file larger than this is not one. */
const CERT_MAX = 1 << 20

const read = new Set<string>()
let system = false

/** Adds the machine's CAs (once) and `host`'s CA certificates from `dirs` (once per folder) to this process's trust. */
export function trustForRegistry(host: string, dirs: readonly string[] = []): void {
  const pems: string[] = []
  if (!system) {
    system = true
    try {
      pems.push(...getCACertificates('system'))
    } catch {
      // no system store readable: the bundled roots remain
    }
  }
  // A folder name, never a path: host[:port] as a reference writes it.
  const named = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/.test(host)
  for (const d of named ? dirs : []) {
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
