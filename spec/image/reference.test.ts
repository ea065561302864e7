import { describe, expect, test } from 'vitest'
import { parseReference, parseTag } from '../../lib/reference.js'
import { isStoreError } from '../../lib/errors.js'

describe('parseReference()', () => {
  test.each([
    ['busybox', { name: 'busybox' }],
    ['busybox:1.36', { name: 'busybox', tag: '1.36' }],
    ['docker.io/library/busybox:latest', { name: 'busybox', tag: 'latest' }],
    ['acme/app', { name: 'acme/app' }],
    ['localhost:5000/x/y:t', { name: 'localhost:5000/x/y', tag: 't' }],
    ['registry.example.com/a/b/c', { name: 'registry.example.com/a/b/c' }],
    [`busybox@sha256:${'a'.repeat(64)}`, { name: 'busybox', digest: `sha256:${'a'.repeat(64)}` }],
  ])('parses %s', (s, want) => {
    expect(parseReference(s)).toEqual({ tag: undefined, digest: undefined, ...want })
  })

  test.each(['', ':tag', 'a//b', 'a:b:c', 'name:-bad', `x@sha256:abc`, 'a/-b'])('rejects %j', (s) => {
    const e = (() => {
      try {
        parseReference(s)
      } catch (x) {
        return x
      }
    })()
    expect(isStoreError(e, 'INVALID_REFERENCE')).toBe(true)
    expect((e as Error).message).toMatch(/^invalid reference format/)
  })

  test('uppercase repository names get Docker\'s message', () => {
    expect(() => parseReference('Acme/App')).toThrow('invalid reference format: repository name (App) must be lowercase')
    expect(() => parseReference('acme/App')).toThrow('invalid reference format: repository name (acme/App) must be lowercase')
    expect(() => parseReference('UPPER')).toThrow('invalid reference format: repository name (library/UPPER) must be lowercase')
  })

  test('parseTag() defaults to latest', () => {
    expect(parseTag('acme/app')).toBe('acme/app:latest')
    expect(parseTag('acme/app:v1')).toBe('acme/app:v1')
  })
})
