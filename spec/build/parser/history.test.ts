// history `created_by` lines in BuildKit's format, and EXPOSE port keys.

import { describe, expect, test } from 'vitest'
import {
  HISTORY_COMMENT, exposedPorts, historyCreatedBy, parseDockerfile, commandArgs,
  type ExposeInstruction, type Instruction,
} from '../../../lib/build/parser/index.js'
import { one, thrown } from './_helpers.js'

describe('historyCreatedBy', () => {
  const rows: [string, string | undefined][] = [
    ['RUN apt-get update && make', 'RUN /bin/sh -c apt-get update && make # buildkit'],
    ['RUN ["make", "all"]', 'RUN make all # buildkit'],
    ['RUN <<EOF\necho hi\nEOF', 'RUN /bin/sh -c echo hi\n # buildkit'],
    ['COPY a b /dst/', 'COPY a b /dst/ # buildkit'],
    ['COPY --from=x --chown=1 /out /', 'COPY /out / # buildkit'],
    ['ADD <<EOF x /d\nhi\nEOF', 'ADD x <<EOF /d # buildkit'],
    ['ENV A=1 B=2', 'ENV A=1 B=2'],
    ['LABEL a=b', 'LABEL a=b'],
    ['CMD ["a", "b c"]', 'CMD ["a" "b c"]'],
    ['CMD echo "hi"', 'CMD ["/bin/sh" "-c" "echo \\"hi\\""]'],
    ['ENTRYPOINT ["a", "b"]', 'ENTRYPOINT ["a" "b"]'],
    ['ENTRYPOINT []', 'ENTRYPOINT []'],
    ['WORKDIR /x', 'WORKDIR /x'],
    ['USER app', 'USER app'],
    ['VOLUME /a /b', 'VOLUME [/a /b]'],
    ['STOPSIGNAL SIGINT', 'STOPSIGNAL SIGINT'],
    ['SHELL ["/bin/bash", "-c"]', 'SHELL [/bin/bash -c]'],
    ['MAINTAINER me', 'MAINTAINER me'],
    ['EXPOSE 80 443/udp 8000-8001', 'EXPOSE [443/udp 80/tcp 8000/tcp 8001/tcp]'],
    ['ARG A=1 B', 'ARG A=1 B'],
    ['HEALTHCHECK --interval=5m --timeout=3s --retries=3 CMD curl -f x', 'HEALTHCHECK &{["CMD-SHELL" "curl -f x"] "5m0s" "3s" "0s" "0s" \'\\x03\'}'],
    ['HEALTHCHECK --start-period=1.5s --start-interval=100ms CMD ["a"]', 'HEALTHCHECK &{["CMD" "a"] "0s" "0s" "1.5s" "100ms" \'\\x00\'}'],
    ['HEALTHCHECK NONE', 'HEALTHCHECK &{["NONE"] "0s" "0s" "0s" "0s" \'\\x00\'}'],
    ['ONBUILD RUN x', undefined],
  ]
  test.each(rows)('%s', (body, createdBy) => {
    expect(historyCreatedBy(one(body))).toBe(createdBy)
  })

  test('FROM has no history entry', () => {
    expect(historyCreatedBy(parseDockerfile('FROM x').stages[0].from)).toBeUndefined()
  })

  test('RUN lists the ARGs in effect, an ENV shadowing one shows the ENV value', () => {
    const run = one('RUN make')
    const args = [{ key: 'A', value: '1' }, { key: 'B' }, { key: 'C', value: 'arg' }]
    expect(historyCreatedBy(run, { args, vars: new Map([['A', '1'], ['C', 'env']]), shell: ['/bin/bash', '-c'] }))
      .toBe('RUN |3 A=1 B= C=env /bin/bash -c make # buildkit')
  })

  test('a relative WORKDIR is resolved against the previous one', () => {
    expect(historyCreatedBy(one('WORKDIR b/../c'), { workdir: '/a' })).toBe('WORKDIR /a/c')
    expect(historyCreatedBy(one('WORKDIR rel'))).toBe('WORKDIR /rel')
  })

  test('the history comment', () => {
    expect(HISTORY_COMMENT).toBe('buildkit.dockerfile.v0')
  })

  test('commandArgs builds the config value', () => {
    expect(commandArgs({ form: 'shell', command: 'x' }, ['pwsh', '-c'])).toEqual(['pwsh', '-c', 'x'])
  })
})

describe('exposedPorts', () => {
  const ports = (words: string[]): string[] => exposedPorts({ ...(one('EXPOSE 1') as ExposeInstruction), ports: words })
  test.each([
    [['80'], ['80/tcp']],
    [['53/UDP', '9/sctp'], ['53/udp', '9/sctp']],
    [['7000-7002/tcp'], ['7000/tcp', '7001/tcp', '7002/tcp']],
    [['127.0.0.1:8080:80'], ['80/tcp']],
    [['8080:80/udp'], ['80/udp']],
  ] as [string[], string[]][])('%j → %j', (words, out) => {
    expect(ports(words)).toEqual(out)
  })
  test.each([
    ['80/icmp', 'invalid proto: icmp'],
    ['http', 'invalid containerPort: http'],
    ['70000', 'invalid containerPort: 70000'],
    ['90-80', 'invalid containerPort: 90-80'],
    ['1.2.3:80:80', 'invalid IP address: 1.2.3'],
  ])('%s → %s', (word, what) => {
    const e = thrown(() => ports([word]))
    expect(e.message).toBe(`dockerfile parse error on line 2: ${what}`)
  })
})

// Keep the type import used for readers who jump here from the executor.
export type { Instruction }
