// `store pull`, `push`, `login` and `logout`: Docker's commands for registries, with its output
// (status lines, then the image's full reference) and its flags.

import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const pullCommand = defineCommand({
  command: 'pull <name>',
  describe: 'Download an image from a registry',
  positionals: { name: { type: 'string', demandOption: true, describe: 'NAME[:TAG|@DIGEST]' } },
  flags: {
    'all-tags': { alias: 'a', type: 'boolean', describe: 'Download all tagged images in the repository' },
    platform: { type: 'string', describe: 'Set platform if server is multi-platform capable (os/arch[/variant])' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress verbose output' },
  },
  examples: [['STORE_INSECURE_REGISTRIES=registry.lan:5000 store pull registry.lan:5000/acme/app:1', 'a registry without TLS (loopback ones need nothing)']],
  handler: async (argv) => {
    const store = await getStore(argv)
    const { pullImage, pullAllTags, parseReference } = await import('../../lib/index.js')
    const { layerLines } = await import('../_progress.js')
    // Docker's view: a row per layer on a terminal, each status line once in a pipe.
    const view = layerLines(argv.quiet)
    const r0 = parseReference(argv.name)
    const o = { platform: argv.platform, onStatus: view.status, onProgress: view.report }
    if (argv['all-tags']) {
      if (r0.tag || r0.digest) throw Object.assign(new Error("tag can't be used with --all-tags/-a"), { bare: true, exit: 1 })
      process.stdout.write(`${(await pullAllTags(store, argv.name, o)).reference}\n`)
      return
    }
    if (!r0.tag && !r0.digest) view.status('Using default tag: latest')
    const r = await pullImage(store, argv.name, o)
    process.stdout.write(`${r.reference}\n`)
  },
})

export const pushCommand = defineCommand({
  command: 'push <name>',
  describe: 'Upload an image to a registry',
  positionals: { name: { type: 'string', demandOption: true, describe: 'NAME[:TAG]' } },
  flags: {
    'all-tags': { alias: 'a', type: 'boolean', describe: 'Push all tags of an image to the repository' },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress verbose output' },
  },
  handler: async (argv) => {
    const store = await getStore(argv)
    const { pushImage, pushAllTags, parseReference } = await import('../../lib/index.js')
    const { layerLines } = await import('../_progress.js')
    const view = layerLines(argv.quiet)
    const r0 = parseReference(argv.name)
    if (argv['all-tags']) {
      if (r0.tag || r0.digest) throw Object.assign(new Error("tag can't be used with --all-tags/-a"), { bare: true, exit: 1 })
      await pushAllTags(store, argv.name, { onStatus: view.status, onProgress: view.report })
      if (argv.quiet) process.stdout.write(`${argv.name}\n`)
      return
    }
    if (!r0.tag) view.status('Using default tag: latest')
    const r = await pushImage(store, argv.name, { onStatus: view.status, onProgress: view.report })
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
