// Container names: Docker's adjective_surname when none is given, unique in the store.

import { randomInt } from 'node:crypto'
import { Codes, StoreError } from '../errors.js'

const LEFT = ['admiring', 'bold', 'brave', 'clever', 'dazzling', 'eager', 'elegant', 'focused', 'gallant', 'happy', 'hopeful', 'jolly', 'keen', 'loving', 'modest', 'nifty', 'optimistic', 'quirky', 'relaxed', 'serene', 'sharp', 'stoic', 'tender', 'vibrant', 'wizardly', 'zealous']
const RIGHT = ['albattani', 'babbage', 'bardeen', 'curie', 'darwin', 'dijkstra', 'einstein', 'euclid', 'feynman', 'galileo', 'hopper', 'hypatia', 'kepler', 'knuth', 'lamarr', 'lovelace', 'mccarthy', 'noether', 'pascal', 'ritchie', 'shannon', 'thompson', 'torvalds', 'turing', 'wozniak']

export function randomName(): string {
  return `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

export function validateName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name
  if (!NAME_RE.test(n)) {
    throw new StoreError(Codes.INVALID_ARGUMENT, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  }
  return n
}

export function nameInUse(name: string, id: string): StoreError {
  return new StoreError(
    Codes.NAME_IN_USE,
    `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    { data: { name, id } },
  )
}
