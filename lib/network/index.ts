// Container networking: the root's bridge (host side), a container's endpoint on it, published
// ports (the userland proxy) and the `-p` grammar.
export type { Bridge } from './bridge.js'
export { existingBridge, storeBridges } from './bridge.js'
export type { Endpoint } from './attach.js'
export { checkBridgeAllowed, endpointScript, joinBridge, leaveBridge, networkId, plugEndpoint, removeOrphanBridges, rootBridge, unplugEndpoint } from './attach.js'
export type { PortBinding, PublishedPort, Proto } from './ports.js'
export { comparePortKeys, displayPorts, exposedKeys, hostAddress, parsePublish, portKey, publishAll } from './ports.js'
export { publishPorts, type Publisher } from './proxy.js'
export type { NetworkRecord, CreateNetworkOptions } from './networks.js'
export { PREDEFINED, createNetwork, findNetwork, isBridged, listNetworks, networkIface, removeNetwork, requireNetwork } from './networks.js'
