// MountStep -> /bin/sh command line. The launcher embeds these in its generated script (run in
// the container's private mount namespace); the drivers use them for probes and withMergedRoot.
// Paths and options are shell-quoted; overlay lowerdirs are short relative links (l/<n>), so
// no option value ever needs escaping for the kernel's comma-separated option parser.

import type { MountStep } from './types.js'
import { shQuote as q } from '../_exec.js'

/** One shell command performing `step` (cwd handled with a cd, and back to /). */
export function mountStepCommand(step: MountStep): string {
  const opts = step.options.filter((o) => o !== '')
  let cmd: string
  switch (step.type) {
    case 'bind': {
      const rec = opts.includes('rbind') ? '--rbind' : '--bind'
      cmd = `mount ${rec} ${q(step.source)} ${q(step.target)}`
      const flags = opts.filter((o) => ['ro', 'nosuid', 'nodev', 'noexec'].includes(o))
      // Per-mount flags of a bind mount only apply through a remount (mount(8) ignores them).
      if (flags.length > 0) cmd += ` && mount -o ${q(['remount', 'bind', ...flags].join(','))} ${q(step.target)}`
      break
    }
    case 'fuse-overlayfs':
      // Its stderr is kept only on failure: it prints notices ("unknown argument ignored:
      // lazytime") that would otherwise reach the container's stderr. The daemon it leaves
      // detaches its stdio, so the capture ends when the mount is made.
      cmd = `{ e=$(fuse-overlayfs -o ${q(opts.join(','))} ${q(step.target)} 2>&1) || { printf '%s\n' "$e" >&2; false; }; }`
      break
    default:
      cmd = `mount -t ${q(step.type)} ${opts.length ? `-o ${q(opts.join(','))} ` : ''}${q(step.source)} ${q(step.target)}`
  }
  return step.cwd ? `cd ${q(step.cwd)} && ${cmd} && cd /` : cmd
}

/** The steps as a script that stops at the first failure (`set -e` would not: && lists). */
export function mountStepsScript(steps: MountStep[]): string {
  return steps.map((s) => `${mountStepCommand(s)} || exit 32`).join('\n') + '\n'
}
