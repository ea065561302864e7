// `store version`: Docker's Client section (there is no server: store is the whole engine), in
// Docker's layout, or through --format ('json' or a template over {{.Client.…}}, as
// `docker version --format '{{.Client.Version}}'`).

import { defineCommand } from '../_command.js'

export const versionCommand = defineCommand({
  command: 'version',
  describe: 'Show the store version information',
  flags: { format: { alias: 'f', type: 'string', describe: "Format output: 'json' or a Go-style template" } },
  handler: async (argv) => {
    const { VERSION } = await import('../version.js')
    const { renderTemplate } = await import('../_output.js')
    const client = { Version: VERSION, NodeVersion: process.version, Os: process.platform, Arch: process.arch === 'x64' ? 'amd64' : process.arch }
    if (argv.format === 'json') process.stdout.write(JSON.stringify({ Client: client }) + '\n')
    else if (argv.format) process.stdout.write(renderTemplate(argv.format, { Client: client }, 'version') + '\n')
    else {
      const row = (k: string, v: string) => ` ${`${k}:`.padEnd(19)}${v}\n`
      process.stdout.write(`Client: store\n${row('Version', client.Version)}${row('Node version', client.NodeVersion)}${row('OS/Arch', `${client.Os}/${client.Arch}`)}`)
    }
  },
})
