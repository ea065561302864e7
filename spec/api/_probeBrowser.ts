// The probe as a browser would run it: bundled by esbuild for the browser platform (spec/api/
// formats.test.ts) and started in a sandbox without Node's globals.
import * as formats from '../../lib/formats.js'
import { probe } from './_probe.js'

;(globalThis as unknown as { runProbe: () => Promise<string> }).runProbe = () => probe(formats)
