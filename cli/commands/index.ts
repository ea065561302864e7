import { importCommand } from './import.js'
import { imagesCommand } from './images.js'
import { tagCommand } from './tag.js'
import { rmiCommand } from './rmi.js'
import { historyCommand } from './history.js'
import { inspectCommand } from './inspect.js'
import { saveCommand } from './save.js'
import { loadCommand } from './load.js'
import { systemCommand } from './system.js'
import { fsckCommand } from './fsck.js'

export const commands = [
  importCommand, imagesCommand, tagCommand, rmiCommand, historyCommand, inspectCommand, saveCommand, loadCommand,
  systemCommand, fsckCommand,
]
