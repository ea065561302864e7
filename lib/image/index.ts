export * from './model.js'
export * from '../reference.js'
export * from '../imageRecords.js'
