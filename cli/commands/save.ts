import { defineCommand } from '../_command.js'
import { getStore } from '../_context.js'

export const saveCommand = defineCommand({
  command: 'save <images..>',
  describe: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  positionals: { images: { type: 'string', array: true, demandOption: true } },
  flags: {
    output: { alias: 'o', type: 'string', describe: 'Write to a file, instead of STDOUT (a name ending in / or an empty folder: an OCI layout folder)' },
    format: { type: 'string', choices: ['docker', 'oci'], default: 'docker', describe: "docker: Docker's archive (an OCI layout with manifest.json); oci: the OCI layout alone" },
    quiet: { alias: 'q', type: 'boolean', describe: 'Suppress the progress line (shown on a terminal only)' },
  },
  examples: [
    ['store save -o app.tar acme/app', "Docker's archive (docker load, skopeo docker-archive: and oci-archive:)"],
    ['store save --format oci -o app-layout/ acme/app', 'an OCI image layout folder (skopeo oci:app-layout, umoci)'],
  ],
  handler: async (argv) => {
    const store = await getStore(argv)
    const { Codes, StoreError } = await import('../../lib/index.js')
    const { saveImages, saveImagesToFile, saveImagesToFolder } = await import('../../lib/index.js')
    const { statSync } = await import('node:fs')
    const { writeStream } = await import('../_output.js')
    const { progressLine } = await import('../_progress.js')
    if (!argv.output && process.stdout.isTTY) {
      throw new StoreError(Codes.INVALID_ARGUMENT, 'cowardly refusing to save to a terminal. Use the -o flag or redirect')
    }
    const line = progressLine(argv.quiet)
    try {
      const format = argv.format as 'docker' | 'oci'
      if (!argv.output || argv.output === '-') return await writeStream(await saveImages(store, argv.images, { onProgress: line.report, format }))
      const folder = argv.output.endsWith('/') || (statSync(argv.output, { throwIfNoEntry: false })?.isDirectory() ?? false)
      if (folder) await saveImagesToFolder(store, argv.images, argv.output.replace(/\/+$/, '') || '/', { onProgress: line.report, format })
      else await saveImagesToFile(store, argv.images, argv.output, { onProgress: line.report, format })
    } finally {
      line.end()
    }
  },
})
