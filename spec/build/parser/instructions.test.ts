// Each instruction's shape and BuildKit's checks: exec/shell form, JSON fallback, ENV and
// LABEL forms, flags, HEALTHCHECK, ONBUILD, stages and meta ARGs.

import { describe, expect, test } from 'vitest'
import { parseDockerfile, parseInstruction } from '../../../lib/build/parser/index.js'
import { expectParseError, one, thrown } from './_helpers.js'

describe('exec form and shell form', () => {
  const rows: [string, string, unknown][] = [
    ['a JSON array of strings is exec form', 'RUN ["echo", "a b"]', { form: 'exec', args: ['echo', 'a b'] }],
    ['invalid JSON falls back to shell form', 'RUN [echo, a]', { form: 'shell', command: '[echo, a]' }],
    ['an unclosed array falls back to shell form', 'CMD ["a"', { form: 'shell', command: '["a"' }],
    ['single quotes are not JSON', "ENTRYPOINT ['a']", { form: 'shell', command: "['a']" }],
    ['text after the array is ignored (Go json.Decoder)', 'CMD ["a"] b', { form: 'exec', args: ['a'] }],
    ['an empty array is exec form with no args', 'ENTRYPOINT []', { form: 'exec', args: [] }],
    ['no arguments is an empty shell command', 'CMD', { form: 'shell', command: '' }],
    ['JSON escapes are decoded', 'CMD ["a\\tb", "\\u00e9"]', { form: 'exec', args: ['a\tb', 'é'] }],
  ]
  test.each(rows)('%s', (_n, body, cmd) => {
    const i = one(body)
    expect('cmd' in i && i.cmd).toEqual(cmd)
  })

  test.each(['RUN ["a", 1]', 'CMD [["a"]]', 'ENTRYPOINT ["a", null]', 'SHELL ["sh", {}]'])('a non-string in the array is an error: %s', (body) => {
    expectParseError(`FROM scratch\n${body}`, 2, 'when using JSON array syntax, arrays must be comprised of strings only')
  })

  test('SHELL must be a non-empty JSON array', () => {
    expect(one('SHELL ["/bin/bash", "-c"]')).toMatchObject({ kind: 'SHELL', shell: ['/bin/bash', '-c'] })
    expectParseError('FROM scratch\nSHELL /bin/bash -c', 2, 'SHELL requires the arguments to be in JSON form')
    expectParseError('FROM scratch\nSHELL []', 2, 'SHELL requires at least one argument')
  })
})

describe('RUN flags', () => {
  test('--mount values are kept and parsed, --network and --security too', () => {
    const run = one('RUN --mount=type=cache,target=/root/.cache,id=pip --mount=src=.,dst=/src,ro --network=none --security=insecure pip install')
    expect(run).toMatchObject({
      kind: 'RUN',
      cmd: { form: 'shell', command: 'pip install' },
      network: 'none',
      security: 'insecure',
      flags: ['--mount=type=cache,target=/root/.cache,id=pip', '--mount=src=.,dst=/src,ro', '--network=none', '--security=insecure'],
      mounts: [
        { type: 'cache', options: { type: 'cache', target: '/root/.cache', id: 'pip' } },
        { type: 'bind', options: { source: '.', target: '/src', readonly: 'true' } },
      ],
    })
  })

  test.each([
    ['RUN --mount=type=nfs,target=/x a', 'unsupported mount type "nfs"'],
    ['RUN --mount=target=/x,colour=red a', "unexpected key 'colour' in 'colour=red'"],
    ['RUN --network=bridge a', 'invalid network mode "bridge"'],
    ['RUN --security=weak a', 'security "weak" is not valid'],
    ['RUN --mount=target=/x,nope a', "invalid field 'nope' must be a key=value pair"],
    ['RUN --mount=from=$STAGE,target=/x a', "'from' doesn't support variable expansion, define alias stage instead"],
    ['RUN --network a', 'missing a value on flag: --network'],
    ['RUN --nope=1 a', 'unknown flag: --nope'],
    ['RUN --network=none --network=host a', 'duplicate flag specified: --network'],
  ])('%s → %s', (body, what) => {
    expectParseError(`FROM scratch\n${body}`, 2, what)
  })

  test('a mount type written with a variable is left for build time', () => {
    expect(one('RUN --mount=type=$T,target=/x a')).toMatchObject({ mounts: [{ type: 'bind', options: { type: '$T', target: '/x' } }] })
  })

  test('a word after the flags ends them, and `--` ends them too', () => {
    expect(one('RUN echo --network=none')).toMatchObject({ cmd: { command: 'echo --network=none' }, flags: [] })
    expect(one('RUN -- --x')).toMatchObject({ cmd: { command: '--x' }, flags: [] })
  })
})

describe('ENV and LABEL', () => {
  const rows: [string, string, { key: string; value: string }[], boolean][] = [
    ['key=value pairs', 'ENV A=1 B=2', [{ key: 'A', value: '1' }, { key: 'B', value: '2' }], false],
    ['quoted values keep their quotes until expansion', 'ENV A="a b" B=\'c d\'', [{ key: 'A', value: '"a b"' }, { key: 'B', value: "'c d'" }], false],
    ['an escaped space stays in the value', 'ENV A=a\\ b C=d', [{ key: 'A', value: 'a\\ b' }, { key: 'C', value: 'd' }], false],
    ['an empty value', 'ENV A= B=""', [{ key: 'A', value: '' }, { key: 'B', value: '""' }], false],
    ['the legacy form takes the rest of the line', 'ENV PATH /usr/bin:/bin   and more', [{ key: 'PATH', value: '/usr/bin:/bin   and more' }], true],
    ['the legacy form when the first word has no =', 'ENV A b=c', [{ key: 'A', value: 'b=c' }], true],
    ['a value split over continuation lines', 'ENV A=1 \\\n    B=2', [{ key: 'A', value: '1' }, { key: 'B', value: '2' }], false],
  ]
  test.each(rows)('ENV: %s', (_n, body, pairs, legacy) => {
    expect(one(body)).toMatchObject({ kind: 'ENV', pairs, legacy })
    expect(one(body.replace('ENV', 'LABEL'))).toMatchObject({ kind: 'LABEL', pairs, legacy })
  })

  test.each([
    ['ENV A', 'ENV must have two arguments'],
    ['ENV', 'ENV requires at least one argument'],
    ['ENV A=1 B', 'Syntax error - can\'t find = in "B". Must be of the form: name=value'],
    ['ENV =1', 'ENV names can not be blank'],
    ['LABEL a', 'LABEL must have two arguments'],
  ])('%s → %s', (body, what) => {
    expectParseError(`FROM scratch\n${body}`, 2, what)
  })
})

describe('ARG', () => {
  test('names with and without defaults, several per line, quotes kept', () => {
    expect(one('ARG A B=2 C="x y"')).toMatchObject({ kind: 'ARG', args: [{ key: 'A' }, { key: 'B', value: '2' }, { key: 'C', value: '"x y"' }] })
    expect(one('ARG A')).toEqual(expect.objectContaining({ args: [{ key: 'A' }] }))
  })
  test('errors', () => {
    expectParseError('FROM scratch\nARG', 2, 'ARG requires at least one argument')
    expectParseError('FROM scratch\nARG =x', 2, 'ARG names can not be blank')
  })
})

describe('FROM and stages', () => {
  test('stages, names, platform and meta ARGs', () => {
    const df = parseDockerfile('ARG BASE=alpine\nARG V\nFROM --platform=$BUILDPLATFORM ${BASE}:$V AS Build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n')
    expect(df.metaArgs.map((a) => a.args)).toEqual([[{ key: 'BASE', value: 'alpine' }], [{ key: 'V' }]])
    expect(df.stages.map((s) => [s.index, s.name, s.from.image, s.from.platform, s.instructions.length])).toEqual([
      [0, 'build', '${BASE}:$V', '$BUILDPLATFORM', 1],
      [1, undefined, 'scratch', undefined, 1],
    ])
  })

  test.each([
    ['FROM', 'FROM requires either one or three arguments'],
    ['FROM a b', 'FROM requires either one or three arguments'],
    ['FROM a AS 1x', 'invalid name for build stage: "1x", name can\'t start with a number or contain symbols'],
    ['FROM a AS x$y', 'invalid name for build stage: "x$y", name can\'t start with a number or contain symbols'],
    ['FROM --plat=x a', 'unknown flag: --plat'],
  ])('%s → %s', (text, what) => {
    expectParseError(text, 1, what)
  })

  test('a duplicate stage name is a warning', () => {
    expect(parseDockerfile('FROM a AS x\nFROM b AS X').warnings[0]).toMatch(/Duplicate stage name "x"/)
  })
})

describe('COPY and ADD', () => {
  test('flags are kept', () => {
    expect(one('COPY --from=build --chown=1:2 --chmod=755 --link --exclude=*.md --exclude=.git --parents a b /dst/')).toMatchObject({
      kind: 'COPY', from: 'build', chown: '1:2', chmod: '755', link: true, parents: true,
      exclude: ['*.md', '.git'], sources: ['a', 'b'], dest: '/dst/', json: false,
    })
    expect(one('ADD --keep-git-dir=true --checksum=sha256:abc --link=false https://x/y.tgz /')).toMatchObject({
      kind: 'ADD', keepGitDir: true, checksum: 'sha256:abc', link: false, sources: ['https://x/y.tgz'], dest: '/',
    })
  })
  test('JSON form allows spaces in paths', () => {
    expect(one('COPY ["a b", "/c d/"]')).toMatchObject({ sources: ['a b'], dest: '/c d/', json: true })
  })
  test.each([
    ['COPY a', 'COPY requires at least two arguments, but only one was provided. Destination could not be determined'],
    ['ADD', 'ADD requires at least two arguments, but only one was provided. Destination could not be determined'],
    ['COPY --from a b', 'missing a value on flag: --from'],
    ['COPY --link=maybe a b', 'expecting boolean value for flag --link, not: maybe'],
    ['ADD --from=x a b', 'unknown flag: --from'],
  ])('%s → %s', (body, what) => {
    expectParseError(`FROM scratch\n${body}`, 2, what)
  })
})

describe('single-argument and list instructions', () => {
  test('shapes', () => {
    expect(one('USER app:app')).toMatchObject({ kind: 'USER', user: 'app:app' })
    expect(one('WORKDIR /my dir')).toMatchObject({ kind: 'WORKDIR', path: '/my dir' })
    expect(one('STOPSIGNAL SIGKILL')).toMatchObject({ kind: 'STOPSIGNAL', signal: 'SIGKILL' })
    expect(one('MAINTAINER Jo <jo@x>')).toMatchObject({ kind: 'MAINTAINER', maintainer: 'Jo <jo@x>' })
    expect(one('EXPOSE 8080/udp 443 80')).toMatchObject({ kind: 'EXPOSE', ports: ['443', '80', '8080/udp'] })
    expect(one('VOLUME /a /b')).toMatchObject({ kind: 'VOLUME', volumes: ['/a', '/b'] })
    expect(one('VOLUME ["/a b"]')).toMatchObject({ volumes: ['/a b'] })
  })
  test.each([
    ['USER', 'USER requires exactly one argument'],
    ['WORKDIR', 'WORKDIR requires exactly one argument'],
    ['EXPOSE', 'EXPOSE requires at least one argument'],
    ['VOLUME', 'VOLUME requires at least one argument'],
    ['VOLUME [" "]', 'VOLUME specified can not be an empty string'],
    ['USER --x=1 a', 'unknown flag: --x'],
  ])('%s → %s', (body, what) => {
    expectParseError(`FROM scratch\n${body}`, 2, what)
  })
})

describe('HEALTHCHECK', () => {
  test('options become nanoseconds; shell form is CMD-SHELL', () => {
    expect(one('HEALTHCHECK --interval=5m --timeout=3s --start-period=1.5s --retries=3 CMD curl -f http://x/ || exit 1')).toMatchObject({
      kind: 'HEALTHCHECK', test: ['CMD-SHELL', 'curl -f http://x/ || exit 1'],
      interval: 300e9, timeout: 3e9, startPeriod: 1.5e9, startInterval: 0, retries: 3,
    })
    expect(one('healthcheck cmd ["curl", "x"]')).toMatchObject({ test: ['CMD', 'curl', 'x'], interval: 0 })
    expect(one('HEALTHCHECK NONE')).toMatchObject({ test: ['NONE'] })
  })
  test.each([
    ['HEALTHCHECK', 'HEALTHCHECK requires at least one argument'],
    ['HEALTHCHECK NONE x', 'HEALTHCHECK NONE takes no arguments'],
    ['HEALTHCHECK PING x', 'Unknown type "PING" in HEALTHCHECK (try CMD)'],
    ['HEALTHCHECK CMD []', 'Missing command after HEALTHCHECK CMD'],
    ['HEALTHCHECK --interval=1x CMD a', 'time: unknown unit "x" in duration "1x"'],
    ['HEALTHCHECK --interval=5 CMD a', 'time: missing unit in duration "5"'],
    ['HEALTHCHECK --timeout=10us CMD a', 'Interval "timeout" cannot be less than 1ms'],
    ['HEALTHCHECK --retries=-1 CMD a', '--retries cannot be negative (-1)'],
    ['HEALTHCHECK --retries=x CMD a', 'strconv.ParseInt: parsing "x": invalid syntax'],
  ])('%s → %s', (body, what) => {
    expectParseError(`FROM scratch\n${body}`, 2, what)
  })
})

describe('ONBUILD', () => {
  test('the inner instruction is parsed and the raw trigger kept', () => {
    const ob = one('onbuild   RUN --mount=type=cache,target=/c make  all')
    expect(ob).toMatchObject({ kind: 'ONBUILD', trigger: 'RUN --mount=type=cache,target=/c make  all' })
    expect(ob.kind === 'ONBUILD' && ob.instruction).toMatchObject({ kind: 'RUN', cmd: { command: 'make  all' }, startLine: 2 })
  })
  test('a heredoc trigger carries its body and terminator', () => {
    const ob = one('ONBUILD COPY <<EOF /x\nhello\nEOF\n')
    expect(ob.kind === 'ONBUILD' && ob.trigger).toBe('COPY <<EOF /x\nhello\nEOF')
    const again = parseInstruction(ob.kind === 'ONBUILD' ? ob.trigger : '', 7)
    expect(again).toMatchObject({ kind: 'COPY', contents: [{ name: 'EOF', data: 'hello\n' }], startLine: 7, endLine: 9 })
  })
  test.each([
    ['ONBUILD ONBUILD RUN a', "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ['ONBUILD FROM a', "FROM isn't allowed as an ONBUILD trigger"],
    ['ONBUILD maintainer me', "MAINTAINER isn't allowed as an ONBUILD trigger"],
    ['ONBUILD', 'ONBUILD requires at least one argument'],
    ['ONBUILD FOO x', 'unknown instruction: FOO'],
  ])('%s → %s', (body, what) => {
    expectParseError(`FROM scratch\n${body}`, 2, what)
  })
  test('parseInstruction reads one trigger and numbers it at the given line', () => {
    expect(parseInstruction('ENV A=1', 12)).toMatchObject({ kind: 'ENV', startLine: 12 })
    const e = thrown(() => parseInstruction('RUN a\nRUN b', 4))
    expect(e.message).toBe('dockerfile parse error on line 4: onbuild trigger should be a single expression')
    expect(thrown(() => parseInstruction('BAD x', 9)).line).toBe(9)
  })
})
