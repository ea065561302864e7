// The Dockerfile front end's contract: what parseDockerfile() returns and the executor
// consumes. Words are kept as written (quotes, escapes and `$refs` intact) wherever BuildKit
// substitutes variables at build time; expandInstruction() produces the final values.

export type EscapeChar = '\\' | '`'

/** A parser directive (`# syntax=…`, `# escape=…`, `# check=…`) from the top of the file. */
export interface Directive {
  name: 'syntax' | 'escape' | 'check'
  value: string
  line: number
}

/** A here-document attached to RUN, COPY or ADD (or to ONBUILD of one of them). */
export interface Heredoc {
  /** Delimiter word with quotes removed (`EOF` for `<<"EOF"`). */
  name: string
  /** Body as written: every line with its line ending, terminator excluded. */
  content: string
  /** Body with leading tabs removed from each line when `chomp`, else `content`. */
  data: string
  /** Written `<<-`: leading tabs are stripped from the body and the terminator line. */
  chomp: boolean
  /** false when the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): the body is not expanded. */
  expand: boolean
  /** File-descriptor prefix (`3<<EOF`); 0 when none. */
  fd: number
}

export interface InstructionBase {
  /** 1-based line where the instruction starts. */
  startLine: number
  /** 1-based last line, heredoc bodies included. */
  endLine: number
  /**
   * The logical line as BuildKit keeps it: continuations joined (escape char removed),
   * comment lines dropped, heredoc bodies not included.
   */
  original: string
  /** `--flag[=value]` words before the arguments, quotes removed, in order. */
  flags: string[]
}

/** Exec form (a JSON array of strings) or shell form (run as SHELL + [command]). */
export type CommandLine = { form: 'exec'; args: string[] } | { form: 'shell'; command: string }

export interface FromInstruction extends InstructionBase {
  kind: 'FROM'
  /** Image reference as written (may contain `$ARG` references to meta ARGs). */
  image: string
  /** `AS name`, lowercased (stage names are case-insensitive). */
  name?: string
  /** `--platform=…` as written. */
  platform?: string
}

/**
 * One `RUN --mount=…` as parsed: the CSV fields, keys lowercased and aliases normalised. Values
 * may hold `$VAR`s: resolveRunMount(raw, …) gives the final RunMountSpec at build time.
 */
export interface RunMount {
  /** The type when written literally; 'bind' (the default) when absent or written with a variable. */
  type: 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh'
  /** Fields with `src`→`source`, `dst`/`destination`→`target`, `ro`→`readonly`, `rw`→`readwrite`. */
  options: Record<string, string>
  /** The flag value as written. */
  raw: string
}

/**
 * A RUN mount with variables substituted and BuildKit's defaults applied; targets are absolute
 * and clean, `source` of bind and cache is absolute in its root (`/` when not given).
 */
export type RunMountSpec =
  /** `from`: a stage name or index, or an image; absent: the build context. */
  | { type: 'bind'; target: string; source: string; from?: string; readonly: boolean }
  | {
      type: 'cache'; target: string; id: string; sharing: 'shared' | 'private' | 'locked'
      /** Seed of a new cache: `source` in stage/image `from`. Absent: an empty dir. */
      source: string; from?: string; readonly: boolean; mode?: number; uid?: number; gid?: number
    }
  | { type: 'tmpfs'; target: string; readonly: boolean; size?: number }
  /** `target` absent only with `env` (the secret as a variable). mode default 0400. */
  | { type: 'secret'; id: string; target?: string; env?: string; required: boolean; mode: number; uid: number; gid: number }
  | { type: 'ssh'; id: string; target?: string; required: boolean }

export interface RunInstruction extends InstructionBase {
  kind: 'RUN'
  cmd: CommandLine
  heredocs: Heredoc[]
  mounts: RunMount[]
  /** `--network=default|none|host` */
  network?: string
  /** `--security=insecure|sandbox` */
  security?: string
}

export interface CmdInstruction extends InstructionBase { kind: 'CMD'; cmd: CommandLine }

export interface EntrypointInstruction extends InstructionBase {
  kind: 'ENTRYPOINT'
  /** `ENTRYPOINT []` is exec form with no args: it clears the entrypoint. */
  cmd: CommandLine
}

export interface ShellInstruction extends InstructionBase { kind: 'SHELL'; shell: string[] }

/** A `key=value` pair as written (quotes and escapes still in; see expandInstruction). */
export interface KeyValue { key: string; value: string }

export interface EnvInstruction extends InstructionBase {
  kind: 'ENV'
  pairs: KeyValue[]
  /** Written in the legacy `ENV KEY value with spaces` form. */
  legacy: boolean
}

export interface LabelInstruction extends InstructionBase { kind: 'LABEL'; pairs: KeyValue[]; legacy: boolean }

export interface MaintainerInstruction extends InstructionBase { kind: 'MAINTAINER'; maintainer: string }

export interface ExposeInstruction extends InstructionBase {
  kind: 'EXPOSE'
  /** Port words as written, sorted (BuildKit sorts them at parse time). */
  ports: string[]
}

/** A source of COPY/ADD given inline by a heredoc: a file named `name` holding `data`. */
export interface InlineSource { name: string; data: string; expand: boolean }

interface CopyLike extends InstructionBase {
  /** Source paths (heredoc sources excluded), as written. */
  sources: string[]
  /** Heredoc sources (`COPY <<EOF /dst`), in order. */
  contents: InlineSource[]
  dest: string
  chown?: string
  chmod?: string
  link: boolean
  /** `--exclude=pattern` values, in order. */
  exclude: string[]
  heredocs: Heredoc[]
  /** Written as a JSON array. */
  json: boolean
}

export interface CopyInstruction extends CopyLike {
  kind: 'COPY'
  /** `--from=stage|index|image` as written. */
  from?: string
  parents: boolean
}

export interface AddInstruction extends CopyLike {
  kind: 'ADD'
  keepGitDir: boolean
  checksum?: string
}

export interface VolumeInstruction extends InstructionBase { kind: 'VOLUME'; volumes: string[] }
export interface UserInstruction extends InstructionBase { kind: 'USER'; user: string }
export interface WorkdirInstruction extends InstructionBase { kind: 'WORKDIR'; path: string }

/** One name of an ARG instruction; `value` is the default as written, absent when none. */
export interface ArgDeclaration { key: string; value?: string }
export interface ArgInstruction extends InstructionBase { kind: 'ARG'; args: ArgDeclaration[] }

export interface OnbuildInstruction extends InstructionBase {
  kind: 'ONBUILD'
  /**
   * The trigger as stored in the image config `OnBuild` list: the line without `ONBUILD`,
   * followed by any heredoc bodies and terminators. parseInstruction() reads it back.
   */
  trigger: string
  /** The trigger, parsed (never ONBUILD, FROM or MAINTAINER). */
  instruction: Instruction
}

export interface StopsignalInstruction extends InstructionBase { kind: 'STOPSIGNAL'; signal: string }

export interface HealthcheckInstruction extends InstructionBase {
  kind: 'HEALTHCHECK'
  /** `["NONE"]`, `["CMD", …exec args]` or `["CMD-SHELL", command]` (the OCI config form). */
  test: string[]
  /** Durations in nanoseconds; 0 means "inherit" (Docker's zero value). */
  interval: number
  timeout: number
  startPeriod: number
  startInterval: number
  /** 0 means "inherit". */
  retries: number
}

export type Instruction =
  | FromInstruction | RunInstruction | CmdInstruction | EntrypointInstruction | ShellInstruction
  | EnvInstruction | LabelInstruction | MaintainerInstruction | ExposeInstruction
  | CopyInstruction | AddInstruction | VolumeInstruction | UserInstruction | WorkdirInstruction
  | ArgInstruction | OnbuildInstruction | StopsignalInstruction | HealthcheckInstruction

export type InstructionKind = Instruction['kind']

export interface Stage {
  /** `FROM … AS name`, lowercased. */
  name?: string
  /** 0-based position; `COPY --from=<index>` refers to it. */
  index: number
  from: FromInstruction
  /** Every instruction after FROM up to the next FROM, in order (ARG included). */
  instructions: Instruction[]
}

export interface Dockerfile {
  directives: Directive[]
  /** ARGs before the first FROM: they serve FROM lines and can be inherited by `ARG NAME`. */
  metaArgs: ArgInstruction[]
  stages: Stage[]
  escapeChar: EscapeChar
  /** Non-fatal findings (empty continuation lines), BuildKit's wording. */
  warnings: string[]
}
