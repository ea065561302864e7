// Every launcher, the same contract (see _suite.ts).
import { launcherSuite } from './_suite.js'

launcherSuite('builtin')
launcherSuite('runc')
launcherSuite('crun')
