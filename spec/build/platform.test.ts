// The build platform: BuildKit's automatic ARGs name the host; FROM --platform must name it.

import { expect, test } from 'vitest'
import { namesPlatform, platformArgs } from '../../lib/platform.js'

const amd64 = { os: 'linux', arch: 'amd64' }

test('FROM --platform names the host in any of its usual spellings', () => {
  for (const s of ['linux', 'linux/amd64', 'Linux/AMD64', 'linux/x86_64', 'linux/amd64/v1']) expect(namesPlatform(s, amd64), s).toBe(true)
  for (const s of ['linux/arm64', 'windows/amd64', 'linux/amd64/v3', 'darwin']) expect(namesPlatform(s, amd64), s).toBe(false)
  expect(namesPlatform('linux/aarch64/v8', { os: 'linux', arch: 'arm64' })).toBe(true)
})

test('the automatic platform ARGs', () => {
  expect(platformArgs(amd64)).toEqual({
    BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64', BUILDVARIANT: '',
    TARGETPLATFORM: 'linux/amd64', TARGETOS: 'linux', TARGETARCH: 'amd64', TARGETVARIANT: '',
  })
})
