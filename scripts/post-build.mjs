// After tsc: make the CLI entry points executable (npm link / bin installs use them directly).
import { chmodSync, existsSync } from 'node:fs'

for (const f of ['dist/cli/main.js', 'dist/cli/monitor.js']) {
  if (existsSync(f)) chmodSync(f, 0o755)
}
