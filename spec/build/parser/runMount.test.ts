// resolveRunMount(): a RUN --mount value at build time, with BuildKit's defaults and words
// (instructions/commands_runmount.go with an expander, dockerfile2llb/convert_runmount.go).

import { describe, expect, test } from 'vitest'
import { resolveRunMount } from '../../../lib/build/parser/index.js'

const vars: Record<string, string> = { DIR: '/cache/go', ID: 'gomod', T: 'cache' }
const expand = (w: string) => w.replace(/\$(\w+)/g, (_m, k: string) => vars[k] ?? '')
const mount = (raw: string, workdir = '/') => resolveRunMount(raw, expand, workdir)
const fails = (raw: string, workdir = '/') => {
  try {
    mount(raw, workdir)
  } catch (e) {
    return (e as Error).message
  }
  throw new Error(`${raw} was accepted`)
}

describe('resolveRunMount() defaults', () => {
  test.each([
    ['a bind is the default type, read-only, of the whole source', 'target=/src', { type: 'bind', target: '/src', source: '/', readonly: true }],
    ['rw makes a bind writable; source is made absolute and clean', 'type=bind,src=a/../b,dst=/x,rw', { type: 'bind', target: '/x', source: '/b', readonly: false }],
    ['from names a stage or image', 'from=build,source=/out,target=/in', { type: 'bind', from: 'build', source: '/out', readonly: true }],
    ['a cache is writable, shared, its id the target', 'type=cache,target=/root/.cache/', { type: 'cache', id: '/root/.cache', sharing: 'shared', readonly: false, source: '/' }],
    ['a cache takes mode (octal), uid, gid and sharing', 'type=cache,target=/c,id=x,sharing=LOCKED,mode=0700,uid=1000,gid=1000', { id: 'x', sharing: 'locked', mode: 0o700, uid: 1000, gid: 1000 }],
    ['a tmpfs takes a size in binary units', 'type=tmpfs,target=/t,size=64m', { type: 'tmpfs', target: '/t', size: 64 << 20, readonly: false }],
    ['a secret defaults to /run/secrets/<id>, 0400, 0:0, not required', 'type=secret,id=npmrc', { type: 'secret', id: 'npmrc', target: '/run/secrets/npmrc', mode: 0o400, uid: 0, gid: 0, required: false }],
    ['a secret id defaults to the target base name', 'type=secret,target=/etc/key.pem,required', { id: 'key.pem', target: '/etc/key.pem', required: true }],
    ['source is the secret id too', 'type=secret,source=tok,mode=0440,gid=5', { id: 'tok', target: '/run/secrets/tok', mode: 0o440, gid: 5 }],
    ['an ssh mount defaults to the id "default"', 'type=ssh', { type: 'ssh', id: 'default', required: false }],
  ])('%s', (_name, raw, want) => {
    expect(mount(raw)).toMatchObject(want)
  })

  test('values are substituted with the stage variables, keys are not', () => {
    expect(mount('type=$T,id=$ID,target=$DIR')).toEqual({ type: 'cache', id: 'gomod', target: '/cache/go', sharing: 'shared', source: '/', readonly: false })
  })

  test('a relative target is under the WORKDIR', () => {
    expect(mount('target=src', '/app')).toMatchObject({ target: '/app/src' })
    expect(mount('target=.', '/app')).toMatchObject({ target: '/app' })
  })
})

describe('resolveRunMount() refuses with BuildKit\'s words', () => {
  test.each([
    ['type=nfs,target=/x', 'unsupported mount type "nfs"'],
    ['target=/x,colour=red', "unexpected key 'colour' in 'colour=red'"],
    ['target=/x,foo', "invalid field 'foo' must be a key=value pair"],
    ['target=/x,ro=maybe', 'invalid value for ro: maybe'],
    ['target=/x,required', "unexpected key 'required' for mount type 'bind'"],
    ['type=cache,target=/x,size=1m', "unexpected key 'size' for mount type 'cache'"],
    ['type=tmpfs,target=/x,size=lots', 'invalid value for size: lots'],
    ['type=cache,target=/x,mode=999', 'invalid value 999 for mode'],
    ['type=cache,target=/x,uid=-1', 'invalid value -1 for uid'],
    ['type=cache,target=/x,gid=root', 'invalid value root for gid'],
    ['type=cache,target=/x,sharing=global', 'unsupported sharing value "global"'],
    ['target=/x,mode=0755', 'mode not allowed for "bind" type mounts'],
    ['type=tmpfs,target=/x,uid=0', 'uid not allowed for "tmpfs" type mounts'],
    ['type=secret,id=a,from=x', 'secret mount should not have a from'],
    ['type=secret,id=a,sharing=locked', 'secret mount should not define sharing'],
    ['type=secret', 'invalid secret mount. one of source, target required'],
    ['type=secret,source=a,id=b', "both source and id can't be set"],
    ['target=/x,sharing=private', 'invalid cache sharing set for bind mount'],
    ['type=ssh,source=/a', 'ssh does not support source'],
    ['target=/', 'invalid mount target "/"'],
    ['type=cache', 'invalid mount target "/"'],
    ['target=/x,env=A', "unexpected key 'env' for mount type 'bind'"],
  ])('%s → %s', (raw, what) => {
    expect(fails(raw)).toBe(what)
  })
})
