import { importCommand } from './import.js'
import { imagesCommand } from './images.js'
import { tagCommand } from './tag.js'
import { rmiCommand } from './rmi.js'
import { historyCommand } from './history.js'
import { inspectCommand } from './inspect.js'
import { saveCommand } from './save.js'
import { loadCommand } from './load.js'
import { systemCommand, infoCommand } from './system.js'
import { versionCommand } from './version.js'
import { waitCommand, renameCommand, restartCommand, topCommand, pauseCmd, unpauseCmd, updateCommand } from './lifecycle.js'
import { statsCommand } from './stats.js'
import { fsckCommand } from './fsck.js'
import { runCommand, createCommand } from './run.js'
import { startCommand } from './start.js'
import { stopCommand, killCommand } from './stop.js'
import { psCommand } from './ps.js'
import { logsCommand } from './logs.js'
import { rmCommand } from './rm.js'
import { diffCommand } from './diff.js'
import { commitCommand } from './commit.js'
import { exportCommand } from './export.js'
import { execCommand } from './exec.js'
import { buildCommand } from './build.js'
import { volumeCommand } from './volume.js'
import { builderCommand } from './builder.js'
import { imageGroup, containerGroup } from './groups.js'
import { portCommand } from './port.js'
import { cpCommand } from './cp.js'
import { eventsCommand } from './events.js'
import { networkCommand } from './network.js'
import { loginCommand, logoutCommand, pullCommand, pushCommand } from './registry.js'

export const commands = [
  importCommand, imagesCommand, tagCommand, rmiCommand, historyCommand, inspectCommand, saveCommand, loadCommand,
  systemCommand, fsckCommand, runCommand, createCommand, startCommand, stopCommand, killCommand, psCommand, logsCommand,
  rmCommand, diffCommand, commitCommand, exportCommand, execCommand, buildCommand,
  volumeCommand, builderCommand, imageGroup, containerGroup, infoCommand, versionCommand, waitCommand, renameCommand, restartCommand, topCommand, portCommand, networkCommand, cpCommand, pauseCmd, unpauseCmd, statsCommand, updateCommand, eventsCommand,
  pullCommand, pushCommand, loginCommand, logoutCommand,
]
