// ARG/ENV scoping and instruction expansion, driven the way the executor will drive them.

import { describe, expect, test } from 'vitest'
import {
  StageScope, definedVars, expandInstruction, parseDockerfile, resolveMetaArgs,
  type ArgInstruction, type EnvInstruction, type Instruction,
} from '../../../lib/build/parser/index.js'
import { thrown } from './_helpers.js'

/** Run a stage's ARG/ENV through a scope; return the scope and every expanded instruction. */
function walk(text: string, buildArgs: Record<string, string> = {}, env: string[] = [], stage = 0) {
  const df = parseDockerfile(text)
  const meta = resolveMetaArgs(df.metaArgs, buildArgs, df.escapeChar)
  const st = df.stages[stage]
  const from = expandInstruction(st.from, definedVars(meta), df.escapeChar)
  const scope = new StageScope({ metaArgs: meta, buildArgs, env, escapeChar: df.escapeChar })
  const out: Instruction[] = []
  for (const i of st.instructions) {
    if (i.kind === 'ARG') out.push({ ...i, args: scope.declare(i) } as ArgInstruction)
    else {
      const x = expandInstruction(i, scope.vars(), df.escapeChar)
      if (x.kind === 'ENV') scope.setEnv(x.pairs)
      out.push(x)
    }
  }
  return { from, scope, out, meta }
}

const env = (i: Instruction) => (i as EnvInstruction).pairs.map((p) => `${p.key}=${p.value}`)

describe('ARG scoping', () => {
  test('meta ARGs serve FROM, with --build-arg overriding their defaults', () => {
    const text = 'ARG IMG=alpine\nARG TAG=${IMG}-3\nFROM ${IMG}:${TAG} AS x\nENV S=[$IMG]'
    expect(walk(text).from.image).toBe('alpine:alpine-3')
    expect(walk(text, { TAG: '9' }).from.image).toBe('alpine:9')
    expect(walk(text, { IMG: 'debian' }).from.image).toBe('debian:debian-3')
    expect(env(walk(text).out[0])).toEqual(['S=[]']) // not visible in the stage without ARG
  })

  test('ARG NAME without a value inside a stage inherits the meta value', () => {
    const { out } = walk('ARG V=1\nFROM x\nARG V\nENV A=$V')
    expect(env(out[1])).toEqual(['A=1'])
    expect((out[0] as ArgInstruction).args).toEqual([{ key: 'V', value: '1' }])
  })

  test('an ARG is visible from its line on, and only in its stage', () => {
    const text = 'FROM x\nENV A=[$V]\nARG V=2\nENV B=[$V]\nFROM y\nENV C=[$V]'
    expect(walk(text).out.filter((i) => i.kind === 'ENV').map(env)).toEqual([['A=[]'], ['B=[2]']])
    expect(env(walk(text, {}, [], 1).out[0])).toEqual(['C=[]'])
  })

  test('--build-arg overrides a default, and is used as given (not expanded)', () => {
    const { out } = walk('FROM x\nARG V=dflt\nENV A=$V', { V: '$HOME' })
    expect(env(out[1])).toEqual(['A=$HOME'])
  })

  test('a default is expanded with what is visible at its line', () => {
    const { out } = walk('FROM x\nENV E=e\nARG A=1 B=${A}-$E\nENV R=$B')
    expect(env(out[2])).toEqual(['R=1-e'])
  })

  test('ENV beats ARG of the same name, before or after it', () => {
    const before = walk('FROM x\nARG V=arg\nENV V=env\nENV R=$V', { V: 'cli' })
    expect(env(before.out[2])).toEqual(['R=env'])
    const after = walk('FROM x\nENV V=env\nARG V=arg\nENV R=$V')
    expect(env(after.out[2])).toEqual(['R=env'])
    expect(walk('FROM x\nARG PATH=/mine\nENV R=$PATH', {}, ['PATH=/usr/bin']).out.map((i) => i.kind === 'ENV' && env(i))[1]).toEqual(['R=/usr/bin'])
  })

  test('ARG values reach RUN but not the image config', () => {
    const { scope } = walk('FROM x\nARG A=1\nARG NOVAL\nENV B=2\nARG B=3', {}, ['PATH=/bin'])
    expect(scope.configEnv()).toEqual(['PATH=/bin', 'B=2'])
    expect(scope.runEnv()).toEqual(['PATH=/bin', 'B=2', 'A=1'])
    expect(scope.declaredArgs()).toEqual([{ key: 'A', value: '1' }, { key: 'NOVAL' }, { key: 'B', value: '3' }])
  })

  test('predefined meta args (platform) are usable in FROM without a declaration', () => {
    const df = parseDockerfile('ARG TARGETARCH\nFROM --platform=$BUILDPLATFORM img-$TARGETARCH')
    const meta = resolveMetaArgs(df.metaArgs, {}, '\\', { BUILDPLATFORM: 'linux/amd64', TARGETARCH: 'arm64' })
    expect(expandInstruction(df.stages[0].from, definedVars(meta))).toMatchObject({ image: 'img-arm64', platform: 'linux/amd64' })
  })

  test('a clone is independent', () => {
    const s = new StageScope({ env: ['A=1'] })
    const c = s.clone()
    c.setEnv([{ key: 'A', value: '2' }])
    expect([s.vars().get('A'), c.vars().get('A')]).toEqual(['1', '2'])
  })
})

describe('expandInstruction', () => {
  test('within one ENV every reference sees the values from before it', () => {
    const { out } = walk('FROM x\nENV A=1\nENV A=2 B=$A C="${A} x"')
    expect(env(out[1])).toEqual(['A=2', 'B=1', 'C=1 x'])
  })

  test('ENV keys and values lose their quotes and escapes', () => {
    const { out } = walk('FROM x\nENV A="a b" B=\'$c\' C=d\\ e D="\\$x"\nENV LEG  some "quoted" $A')
    expect(env(out[0])).toEqual(['A=a b', 'B=$c', 'C=d e', 'D=$x'])
    expect(env(out[1])).toEqual(['LEG=some quoted a b'])
  })

  test('COPY, ADD, WORKDIR, USER, VOLUME, STOPSIGNAL, EXPOSE, LABEL expand; RUN and CMD do not', () => {
    const { out } = walk(
      'FROM x\nARG D=/app\nARG U=1000\nARG P="80 443/udp"\n' +
        'COPY --chown=$U:$U --from=$D src/$U ${D}/\nADD --chmod=$U <<EOF $D/f\nv=$U \'$U\'\nEOF\n' +
        'WORKDIR $D/w\nUSER $U\nVOLUME $D/v ["$D"]\nSTOPSIGNAL SIG${U:+KILL}\nEXPOSE $P 8080\nLABEL "k $U"=$D\n' +
        'RUN echo $D\nCMD echo $D\n',
    )
    const kinds = Object.fromEntries(out.filter((i) => i.kind !== 'ARG').map((i) => [i.kind, i]))
    expect(kinds.COPY).toMatchObject({ chown: '1000:1000', from: '$D', sources: ['src/1000'], dest: '/app/' })
    expect(kinds.ADD).toMatchObject({ chmod: '1000', dest: '/app/f', contents: [{ data: "v=1000 '1000'\n" }] })
    expect(kinds.WORKDIR).toMatchObject({ path: '/app/w' })
    expect(kinds.USER).toMatchObject({ user: '1000' })
    expect(kinds.VOLUME).toMatchObject({ volumes: ['/app/v', '[/app]'] }) // quotes go, brackets stay
    expect(kinds.STOPSIGNAL).toMatchObject({ signal: 'SIGKILL' })
    expect(kinds.EXPOSE).toMatchObject({ ports: ['80', '443/udp', '8080'] })
    expect(kinds.LABEL).toMatchObject({ pairs: [{ key: 'k 1000', value: '/app' }] })
    expect(kinds.RUN).toMatchObject({ cmd: { command: 'echo $D' } })
    expect(kinds.CMD).toMatchObject({ cmd: { command: 'echo $D' } })
  })

  test('a quoted heredoc body is not expanded', () => {
    const { out } = walk('FROM x\nARG V=1\nCOPY <<"EOF" /f\n$V\nEOF\n')
    expect(out[1]).toMatchObject({ contents: [{ data: '$V\n' }] })
  })

  test('errors carry the instruction line', () => {
    const e = thrown(() => walk('FROM x\n\nWORKDIR ${NOPE:?set NOPE}'))
    expect(e.message).toBe('dockerfile parse error on line 3: failed to process "${NOPE:?set NOPE}": NOPE: set NOPE')
    expect(e.line).toBe(3)
    expect(thrown(() => walk('ARG B\nFROM $B')).message).toBe('dockerfile parse error on line 2: base name ($B) should not be blank')
    expect(thrown(() => walk('FROM x\nARG A=${X:?no}')).line).toBe(2)
  })
})
