// Heredocs on RUN, COPY and ADD: bodies, several per line, `<<-`, quoted delimiters.

import { describe, expect, test } from 'vitest'
import { parseDockerfile, resolveRunCommand, type RunInstruction } from '../../../lib/build/parser/index.js'
import { expectParseError, one } from './_helpers.js'

describe('heredocs', () => {
  test('RUN <<EOF takes the body up to the terminator, line endings kept', () => {
    const df = parseDockerfile('FROM scratch\nRUN <<EOF\napt-get update\n  # not a comment here\nEOF\nRUN after\n')
    const [run, after] = df.stages[0].instructions as RunInstruction[]
    expect(run.heredocs).toEqual([{ name: 'EOF', content: 'apt-get update\n  # not a comment here\n', data: 'apt-get update\n  # not a comment here\n', chomp: false, expand: true, fd: 0 }])
    expect([run.startLine, run.endLine, after.startLine]).toEqual([2, 5, 6])
  })

  test('several heredocs on one line are read in order', () => {
    const run = one('RUN <<A cat - /dev/fd/3 3<<\'B\'\none\nA\ntwo\nB\n') as RunInstruction
    expect(run.heredocs.map((h) => [h.name, h.content, h.fd, h.expand])).toEqual([['A', 'one\n', 0, true], ['B', 'two\n', 3, false]])
  })

  test('<<- strips leading tabs from the body and the terminator', () => {
    const run = one('RUN <<-EOF\n\tindented\n\t\tmore\n\tEOF\n') as RunInstruction
    expect(run.heredocs[0]).toMatchObject({ chomp: true, content: '\tindented\n\t\tmore\n', data: 'indented\nmore\n' })
  })

  test.each([
    ['<<"EOF"', false], ["<<'EOF'", false], ['<<E"O"F', false], ['<<EOF', true],
  ])('delimiter %s expands: %s', (marker, expand) => {
    const run = one(`RUN cat ${marker}\n$HOME\nEOF\n`) as RunInstruction
    expect(run.heredocs[0]).toMatchObject({ name: 'EOF', expand, content: '$HOME\n' })
  })

  test('COPY <<EOF /dst creates a file with that content', () => {
    const c = one('COPY <<-EOF <<"RAW" ./local /etc/\n\tkey=$V\n\tEOF\n$KEEP\nRAW\n')
    expect(c).toMatchObject({
      kind: 'COPY',
      sources: ['./local'],
      contents: [{ name: 'EOF', data: 'key=$V\n', expand: true }, { name: 'RAW', data: '$KEEP\n', expand: false }],
      dest: '/etc/',
    })
  })

  test('exec form, other instructions and `<<` without a name take no body', () => {
    const df = parseDockerfile('FROM scratch\nRUN ["cat", "<<EOF"]\nENV A=<<EOF\nRUN echo "a<<b" << 5\nCMD x\n')
    expect(df.stages[0].instructions.map((i) => i.kind)).toEqual(['RUN', 'ENV', 'RUN', 'CMD'])
  })

  test('a quoted `<<` is not a heredoc', () => {
    const df = parseDockerfile('FROM scratch\nRUN echo "<<EOF"\nCMD x\n')
    expect((df.stages[0].instructions[0] as RunInstruction).heredocs).toEqual([])
  })

  test('an unterminated heredoc is an error at the instruction line', () => {
    expectParseError('FROM scratch\nRUN <<EOF\nabc\n', 2, 'unterminated heredoc')
  })

  test('a heredoc destination is an error', () => {
    expectParseError('FROM scratch\nCOPY a <<EOF\nx\nEOF\n', 2, 'COPY cannot accept a heredoc as a destination')
  })

  test('what RUN executes: the body, a script with a shebang, or the whole here-document', () => {
    const body = one('RUN <<-EOF\n\techo hi\nEOF\n') as RunInstruction
    expect(resolveRunCommand(body)).toEqual({ args: ['/bin/sh', '-c', 'echo hi\n'] })
    const script = one('RUN <<py\n#!/usr/bin/env python3\nprint(1)\npy\n') as RunInstruction
    expect(resolveRunCommand(script, ['/bin/bash', '-c'])).toEqual({
      args: ['/bin/bash', '-c', '/dev/pipes/py'],
      inlineFile: { path: '/dev/pipes/py', data: '#!/usr/bin/env python3\nprint(1)\n', mode: 0o755 },
    })
    const doc = one('RUN cat <<A > /a && cat <<B > /b\n1\nA\n2\nB\n') as RunInstruction
    expect(resolveRunCommand(doc).args).toEqual(['/bin/sh', '-c', 'cat <<A > /a && cat <<B > /b\n1\nA\n2\nB'])
    expect(resolveRunCommand(one('RUN ["a", "b"]') as RunInstruction)).toEqual({ args: ['a', 'b'] })
  })
})
