// Registry credentials as Docker's client keeps them: `auths` in config.json, each host's
// `auth` the base64 of `user:password` (credential helpers are not run). `store login` writes
// the same shape, so either tool reads what the other wrote.

import { readFileSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { writeFileAtomic } from '../_fs.js'
import type { Credentials } from './client.js'

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>
  [k: string]: unknown
}

const keysFor = (host: string) => (host === 'registry-1.docker.io' ? ['https://index.docker.io/v1/', 'docker.io', host] : [host, `https://${host}`, `http://${host}`])

/** A reader of the file's credentials for a registry host (the file read once, when first asked). */
export function credentialsFrom(file: string | undefined): (host: string) => Credentials | undefined {
  let config: DockerConfig | undefined
  return (host) => {
    if (!file) return undefined
    if (config === undefined) {
      try {
        config = JSON.parse(readFileSync(file, 'utf8')) as DockerConfig
      } catch {
        config = {}
      }
    }
    for (const k of keysFor(host)) {
      const a = config.auths?.[k]
      if (!a) continue
      if (a.auth) {
        const text = Buffer.from(a.auth, 'base64').toString('utf8')
        const i = text.indexOf(':')
        if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) }
      }
      if (a.username && a.password) return { username: a.username, password: a.password }
    }
    return undefined
  }
}

/** Keeps (or with no credentials, forgets) a host's credentials in the file, the rest of it untouched; mode 0600. */
export async function storeCredentials(file: string, host: string, creds: Credentials | undefined): Promise<boolean> {
  let config: DockerConfig = {}
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as DockerConfig
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  const auths = { ...(config.auths ?? {}) }
  const key = keysFor(host)[0]
  const had = keysFor(host).some((k) => k in auths)
  for (const k of keysFor(host)) delete auths[k]
  if (creds) auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFileAtomic(file, JSON.stringify({ ...config, auths }, null, '\t') + '\n', 0o600)
  return had
}
