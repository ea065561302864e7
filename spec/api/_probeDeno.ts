// The probe under Deno, from the TypeScript sources (deno.json: sloppy imports map `.js` to `.ts`).
import * as formats from '../../lib/formats.js'
import { probe } from './_probe.js'

console.log(await probe(formats))
