export * from './model.js'
export * from './reference.js'
export * from './store.js'
