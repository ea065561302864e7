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
