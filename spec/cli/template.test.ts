// Go templates as Docker's --format runs them. The expected texts are what Docker CLI 28's own
// `docker version --format …` printed on this machine for the same data and templates.

import { describe, expect, test } from 'vitest'
import { execTemplate, goString, parseTemplate } from '../../cli/_template.js'

const data = { Client: { Version: '28.2.2', Os: 'linux', Arch: 'amd64' } }
const run = (tpl: string, d: unknown = data) => execTemplate(parseTemplate(tpl, 'version'), d)

describe('templates as Docker runs them', () => {
  test('fields, pipelines, if, json', () => {
    expect(run('{{.Client.Version | upper}} {{if .Client}}yes{{end}} {{json .Client.Os}}')).toBe('28.2.2 yes "linux"')
  })

  test("range with variables, printf, len, index, join, title, pad, truncate (Docker's functions)", () => {
    expect(
      run('{{range $i, $e := split .Client.Version "."}}[{{$i}}={{$e}}]{{end}} {{printf "%5s|%-4d|%q" "ab" 7 "x"}} {{len .Client.Version}} {{index (split .Client.Version ".") 1}} {{join (split .Client.Version ".") "-"}} {{title "hello world"}} {{pad "x" 2 3}} {{truncate "abcdef" 3}}'),
    ).toBe('[0=28][1=2][2=2]    ab|7   |"x" 6 2 28-2-2 Hello World   x    abc')
  })

  test('with, else if, trim markers, lists as Go prints them, variables, print, and/or/not, range else, comments', () => {
    expect(
      run('{{with .Client}}{{.Os}}/{{.Arch}}{{end}} {{if eq .Client.Os "windows"}}w{{else if eq .Client.Os "linux"}}l{{else}}o{{end}} {{- " x" -}} {{ "y" }}|{{split "a,b" ","}}|{{len (split "a,b" ",")}}|{{$v := .Client.Os}}{{$v}}|{{println "p"}}|{{print 1 2 "a" "b"}}|{{and 1 0}}|{{or 0 "z"}}|{{not 0}}|{{range split "" ","}}e{{else}}none{{end}}|{{.Client.Os | printf "%s!"}}|{{/* c */}}|{{lt 1 2}}'),
    ).toBe('linux/amd64 l xy|[a b]|2|linux|p\n|1 2ab|0|z|true|e|linux!||true')
  })

  test("values: a missing key is <no value>, lists and maps print as Go's (the issue's {{.Config.Env}})", () => {
    expect(run('{{.Nope}}|{{.Config.Env}}|{{.Labels}}', { Config: { Env: ['A=1', 'B=2'] }, Labels: { b: '2', a: '1' } })).toBe('<no value>|[A=1 B=2]|map[a:1 b:2]')
    expect(goString(null)).toBe('<nil>')
    expect(run('{{range .}}{{.}},{{else}}empty{{end}}', [])).toBe('empty')
  })

  test("what does not parse is Docker's error, exit 64", () => {
    const err = (tpl: string) => {
      try {
        parseTemplate(tpl, 'version')
      } catch (e) {
        return [(e as Error).message, (e as { exit: number }).exit]
      }
      return undefined
    }
    expect(err('{{foo}}')).toEqual(['template parsing error: template: version:1: function "foo" not defined', 64])
    expect(err('{{.Client.Version')).toEqual(['template parsing error: template: version:1: unclosed action', 64])
    expect(err('{{range}}')?.[0]).toBe('template parsing error: template: version:1: missing value for range')
    expect(err('{{end}}')?.[0]).toBe('template parsing error: template: version:1: unexpected {{end}}')
    expect(err('{{if 1}}x')?.[0]).toBe('template parsing error: template: version:1: unexpected EOF')
  })
})

describe('named templates, break and continue as Docker runs them', () => {
  // [message, exit] of what parsing or running `tpl` throws.
  const fails = (tpl: string, name = 'version') => {
    try {
      execTemplate(parseTemplate(tpl, name), data)
    } catch (e) {
      return [(e as Error).message, (e as { exit: number }).exit]
    }
    return undefined
  }
  const parseError = (msg: string) => [`template parsing error: template: version:1: ${msg}`, 64]

  test('{{define}} is not output where it stands; {{template}} runs it with dot (and $) the pipeline, or nothing', () => {
    expect(run('{{define "x"}}[{{.}}]{{end}}{{template "x"}}|{{template "x" 5}}|{{template "x" .Client.Os}}')).toBe('[<no value>]|[5]|[linux]')
    expect(run('{{define "a"}}[{{$}}]{{end}}{{template "a" .Client.Os}}{{template "a"}}')).toBe('[linux][<no value>]')
    expect(run('{{define "x"}}A{{.Client.Version}}{{end}}{{template "x" .}}')).toBe('A28.2.2')
    expect(run('{{define "a"}}{{.}}{{end}}{{template "a" $v := 7}}{{$v}}')).toBe('77') // the pipeline's variable stays
    expect(run('{{define "a"}}{{$}}{{end}}{{range split "p,q" ","}}{{template "a" .}}{{end}}')).toBe('pq')
    expect(run('{{- define "a" -}}  A  {{- end -}}  [{{template "a"}}]')).toBe('[A]')
    expect(run('{{define "a"}}x{{end}}')).toBe('') // only a define: the template itself is empty
  })

  test('{{block}} defines and runs; a blank body gives way to the other, two bodies are an error', () => {
    expect(run('{{block "b" .Client}}{{.Os}}{{end}}-{{template "b" .Client}}')).toBe('linux-linux')
    expect(run('{{if 1}}{{block "b" 5}}<{{.}}>{{end}}{{end}}{{template "b" 6}}')).toBe('<5><6>')
    expect(run('{{define "a"}}{{.Client.Version}}{{block "in" .Client}}{{.Os}}{{end}}{{end}}{{template "a" .}}|{{template "in" .Client}}')).toBe('28.2.2linux|linux')
    expect(run('{{define "b"}} {{end}}{{block "b" .}}B{{end}}')).toBe('B')
    expect(run('{{define "b"}}D{{end}}{{block "b" .}} {{end}}')).toBe('D')
    expect(run('{{block "b" .}}B{{end}}{{define "b"}}{{/* c */}} {{end}}')).toBe('B')
    expect(run('{{define "a"}}A{{end}}{{define "a"}}{{end}}{{template "a"}}')).toBe('A')
    expect(fails('{{define "b"}}D{{end}}{{block "b" .}}B{{end}}')).toEqual(parseError('template: multiple definition of template "b"'))
    expect(fails('{{block "b" .}}B{{end}}{{define "b"}}D{{end}}')).toEqual(parseError('template: multiple definition of template "b"'))
    // The template itself is one of the set: an empty one runs a define of its name.
    expect(run('{{define "version"}}X{{end}}  ')).toBe('X')
    expect(fails('{{define "version"}}X{{end}}Y')).toEqual(parseError('template: multiple definition of template "version"'))
  })

  test('{{break}} and {{continue}} act on the innermost range, through if and with', () => {
    expect(run('{{range $i, $e := split "a,b,c,d" ","}}{{if eq $e "c"}}{{break}}{{end}}{{$e}}{{end}}|{{range split "a,b,c,d" ","}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}')).toBe('ab|acd')
    expect(run('{{range $o := split "1,2,3" ","}}{{range split "a,b,c" ","}}{{if eq . "b"}}{{continue}}{{end}}{{if eq $o "2"}}{{break}}{{end}}{{$o}}{{.}} {{end}}{{if eq $o "2"}}{{break}}{{end}}|{{end}}')).toBe('1a 1c |')
    expect(run('{{range 5}}{{with .}}{{if eq . 3}}{{break}}{{end}}{{end}}{{.}}{{end}}')).toBe('012')
    expect(run('{{range 3}}{{range 3}}{{.}}{{continue}}X{{end}};{{end}}')).toBe('012;012;012;')
    expect(run('{{define "a"}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}{{end}}{{template "a" 5}}')).toBe('01')
    // In an inner range's else, Go's {{break}} ends only that range; {{continue}} goes on to the outer one's next item.
    expect(run('{{range split "a,b" ","}}{{.}}{{range 0}}{{else}}{{break}}{{end}}x{{end}}')).toBe('axbx')
    expect(run('{{range split "a,b" ","}}{{.}}{{range 0}}{{else}}{{continue}}{{end}}x{{end}}')).toBe('ab')
  })

  test("what does not parse is Docker's error, exit 64", () => {
    expect(fails('{{break}}')).toEqual(parseError('{{break}} outside {{range}}'))
    expect(fails('{{continue}}')).toEqual(parseError('{{continue}} outside {{range}}'))
    expect(fails('{{range 3}}{{.}}{{else}}{{break}}{{end}}')).toEqual(parseError('{{break}} outside {{range}}'))
    expect(fails('{{range 3}}{{block "x" .}}{{break}}{{end}}{{end}}')).toEqual(parseError('{{break}} outside {{range}}'))
    expect(fails('a\n{{range 1}}\n{{break}}{{end}}{{break}}')).toEqual(['template parsing error: template: version:3: {{break}} outside {{range}}', 64])
    expect(fails('{{break 1}}')).toEqual(parseError('unexpected "1" in {{break}}'))
    expect(fails('{{range 3}}{{continue .}}{{end}}')).toEqual(parseError('unexpected <.> in {{continue}}'))
    expect(fails('{{if 1}}{{define "x"}}a{{end}}{{end}}')).toEqual(parseError('unexpected <define> in command'))
    expect(fails('{{define "x"}}a{{else}}b{{end}}')).toEqual(parseError('unexpected {{else}} in define clause'))
    expect(fails('{{define "x"}}a')).toEqual(parseError('unexpected EOF'))
    expect(fails('{{define}}')).toEqual(parseError('unexpected "}}" in define clause'))
    expect(fails('{{define x}}a{{end}}')).toEqual(parseError('unexpected "x" in define clause'))
    expect(fails('{{define "x" .}}a{{end}}')).toEqual(parseError('unexpected <.> in define clause'))
    expect(fails('{{template}}')).toEqual(parseError('unexpected "}}" in template clause'))
    expect(fails('{{template .Foo}}')).toEqual(parseError('unexpected ".Foo" in template clause'))
    expect(fails('{{block "x"}}a{{end}}')).toEqual(parseError('missing value for block clause'))
    expect(fails('{{block "x" .}}a{{else}}b{{end}}')).toEqual(parseError('unexpected {{else}} in block clause'))
  })

  test("a template not defined is Go's execution error where it is called, exit 1 (after \"template parsing error: \" for lists)", () => {
    expect(fails('{{template "x"}}')).toEqual(['template: version:1:11: executing "version" at <{{template "x"}}>: template "x" not defined', 1])
    expect(fails('{{template "x"}}', '')).toEqual(['template parsing error: template: :1:11: executing "" at <{{template "x"}}>: template "x" not defined', 1])
    expect(fails('{{if 0}}{{template "x"}}{{end}}')).toBeUndefined() // looked up only when run
    expect(fails('{{define "a"}}\n  {{template "b" .Client}}\n{{end}}{{template "a" .}}')?.[0]).toBe('template: version:2:13: executing "a" at <{{template "b" .Client}}>: template "b" not defined')
    expect(fails('{{template "a"   .Client.Version   |   upper  }}')?.[0]).toBe('template: version:1:11: executing "version" at <{{template "a" .Client.Version | upper}}>: template "a" not defined')
    expect(fails("{{template `a` 0x10 'c' (print \"x\")}}")?.[0]).toBe('template: version:1:11: executing "version" at <{{template "a" 0x10 \'c\' (print "x")}}>: template "a" not defined')
  })

  test('recursion stops at a depth the JS stack holds (Go: 100000)', () => {
    expect(fails('{{define "r"}}{{template "r" .}}{{end}}{{template "r" 1}}')).toEqual(['template: version:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (1000)', 1])
    const nested = '{{define "r"}}' + '{{with 1}}{{range 1}}'.repeat(10) + '{{template "r" $}}' + '{{end}}{{end}}'.repeat(10) + '{{end}}{{template "r" 1}}'
    expect(fails(nested)?.[0]).toMatch(/exceeded maximum template depth \(1000\)$/)
    expect(run('{{define "r"}}{{if lt (len .) 300}}{{template "r" (printf "%sx" .)}}{{else}}{{len .}}{{end}}{{end}}{{template "r" ""}}')).toBe('300')
  })
})
