// `--change` (import, commit) goes through the Dockerfile parser and the builder's own config
// table. Expected values are what Docker 20.10's `docker import --change` gave for the same
// changes on this machine (2026-12-03), errors in its words.

import { describe, expect, test } from 'vitest'
import { applyChanges } from '../../lib/image/changes.js'
import type { RunConfig } from '../../lib/image/model.js'

const applied = (changes: string[], cfg: RunConfig = {}) => {
  applyChanges(cfg, changes)
  return cfg
}

describe('applyChanges', () => {
  test('as Docker applies them: ENV expands against the config\'s ENV, WORKDIR is relative, a CMD set first survives ENTRYPOINT', () => {
    expect(applied(['ENV A=1', 'ENV B=$A', 'WORKDIR sub', 'WORKDIR x', 'CMD echo hi', 'ENTRYPOINT ["e"]', 'EXPOSE 80', 'LABEL "a b"=c'])).toEqual({
      ExposedPorts: { '80/tcp': {} }, Env: ['A=1', 'B=1'], Entrypoint: ['e'], Cmd: ['/bin/sh', '-c', 'echo hi'], WorkingDir: '/sub/x', Labels: { 'a b': 'c' },
    })
  })

  test('ENTRYPOINT without a CMD among the changes clears the inherited CMD (moby\'s dispatchEntrypoint); CMD after it sets one', () => {
    expect(applied(['ENTRYPOINT ["e"]'], { Cmd: ['old'] })).toEqual({ Entrypoint: ['e'], Cmd: null })
    expect(applied(['ENTRYPOINT ["e"]', 'CMD ["x"]'], { Cmd: ['old'] })).toEqual({ Entrypoint: ['e'], Cmd: ['x'] })
  })

  test('an ENV already there is replaced in place; HEALTHCHECK, STOPSIGNAL, USER, VOLUME and ONBUILD are accepted', () => {
    expect(applied(['ENV PATH=/x:$PATH', 'HEALTHCHECK CMD true', 'STOPSIGNAL SIGINT', 'USER 1000', 'VOLUME ["/data"]', 'ONBUILD RUN true'], { Env: ['PATH=/bin', 'Z=1'] })).toEqual({
      Env: ['PATH=/x:/bin', 'Z=1'], Healthcheck: { Test: ['CMD-SHELL', 'true'] }, StopSignal: 'SIGINT', User: '1000', Volumes: { '/data': {} }, OnBuild: ['RUN true'],
    })
  })

  test('what --change refuses, in Docker\'s words', () => {
    for (const [change, message] of [
      ['RUN x', 'run is not a valid change command'],
      ['MAINTAINER me', 'maintainer is not a valid change command'],
      ['SHELL ["a"]', 'shell is not a valid change command'],
      ['ENV', 'ENV requires at least one argument'],
      ['LABEL', 'LABEL requires at least one argument'],
      ['USER', 'USER requires exactly one argument'],
    ]) {
      expect(() => applyChanges({}, [change]), change).toThrow(message)
    }
  })
})
