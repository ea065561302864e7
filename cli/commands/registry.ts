// `store pull`, `push`, `login` and `logout`: Docker's commands for registries, with its output
// (status lines, then the image's full reference) and its flags.

import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const pullCommand = defineCommand({
  command: 'pull <name>',
  describe: 'Download an image from a registry',
  positionals: { name: { type: 'string', demandOption: true, describe: 'NAME[:TAG|@DIGEST]' } },
  flags: {
    platform: { type: 'string', describe: 'Set platform if server is multi-platform capable (os/arch[/variant])' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress verbose output' },
  },
  examples: [['STORE_INSECURE_REGISTRIES=registry.lan:5000 store pull registry.lan:5000/acme/app:1', 'a registry without TLS (loopback ones need nothing)']],
  handler: async (argv) => {
    const store = await getStore(argv)
    const { pullImage, parseReference } = await import('../../lib/index.js')
    const say = argv.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`)
    const r0 = parseReference(argv.name)
    if (!r0.tag && !r0.digest) say?.('Using default tag: latest')
    const { progressLine } = await import('../_progress.js')
    // On a terminal, the layer being downloaded as a line (cleared before each status line).
    const line = progressLine(argv.quiet)
    const status = say && ((l: string) => (line.end(), say(l)))
    const r = await pullImage(store, argv.name, { platform: argv.platform, onStatus: status, onProgress: line.report }).finally(line.end)
    process.stdout.write(`${r.reference}\n`)
  },
})

export const pushCommand = defineCommand({
  command: 'push <name>',
  describe: 'Upload an image to a registry',
  positionals: { name: { type: 'string', demandOption: true, describe: 'NAME[:TAG]' } },
  flags: { quiet: { alias: 'q', type: 'boolean', describe: 'Suppress verbose output' } },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { pushImage, parseReference } = await import('../../lib/index.js')
    const say = argv.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`)
    if (!parseReference(argv.name).tag) say?.('Using default tag: latest')
    const { progressLine } = await import('../_progress.js')
    const line = progressLine(argv.quiet)
    const status = say && ((l: string) => (line.end(), say(l)))
    const r = await pushImage(store, argv.name, { onStatus: status, onProgress: line.report }).finally(line.end)
    if (argv.quiet) process.stdout.write(`${r.reference}\n`)
  },
})

export const loginCommand = defineCommand({
  command: 'login <server>',
  describe: 'Log in to a registry (credentials kept as Docker keeps them, in ~/.docker/config.json)',
  positionals: { server: { type: 'string', demandOption: true, describe: 'SERVER (host[:port])' } },
  flags: {
    username: { alias: 'u', type: 'string', describe: 'Username' },
    password: { alias: 'p', type: 'string', describe: 'Password' },
    'password-stdin': { type: 'boolean', describe: 'Take the password from stdin' },
  },
  handler: async (argv) => {
    const { Codes, StoreError, registryLogin } = await import('../../lib/index.js')
    let password = argv.password
    if (argv['password-stdin']) {
      if (password !== undefined) throw new StoreError(Codes.INVALID_ARGUMENT, '--password and --password-stdin are mutually exclusive')
      const parts: Buffer[] = []
      for await (const b of process.stdin) parts.push(b as Buffer)
      password = Buffer.concat(parts).toString('utf8').replace(/\r?\n$/, '')
    }
    if (!argv.username || password === undefined) throw new StoreError(Codes.INVALID_ARGUMENT, 'store login needs --username and --password or --password-stdin (it does not prompt)')
    if (argv.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n')
    const store = await getStore(argv)
    await registryLogin(store, argv.server, { username: argv.username, password })
    process.stdout.write('Login Succeeded\n')
  },
})

export const logoutCommand = defineCommand({
  command: 'logout <server>',
  describe: 'Log out from a registry',
  positionals: { server: { type: 'string', demandOption: true, describe: 'SERVER (host[:port])' } },
  handler: async (argv) => {
    const { registryLogin } = await import('../../lib/index.js')
    const store = await getStore(argv)
    const had = await registryLogin(store, argv.server)
    process.stdout.write(had ? `Removing login credentials for ${argv.server}\n` : `Not logged in to ${argv.server}\n`)
  },
})
