// Random access by relative path into a live tree, with the fd discipline of dirFd.ts: the
// dirs of the current path stay open, so visiting paths in tree order (parents before children,
// as change lists and tar writers do) opens each dir once.

import { DirFd } from './dirFd.js'

export class TreeReader {
  /** Open dirs of the current path: stack[0] is the root, stack[i] the i-th component. */
  private readonly stack: DirFd[]
  private names: string[] = []

  constructor(root: string) {
    this.stack = [DirFd.open(root)]
  }

  /** The open dir at resolved `rel` ('' = the root). Throws ELOOP/ENOTDIR if a component is not a real dir. */
  dir(rel: string): DirFd {
    const want = rel === '' ? [] : rel.split('/')
    let same = 0
    while (same < this.names.length && same < want.length && this.names[same] === want[same]) same++
    while (this.names.length > same) {
      this.stack.pop()!.close()
      this.names.pop()
    }
    for (let i = same; i < want.length; i++) {
      this.stack.push(this.stack[this.stack.length - 1].dir(want[i]))
      this.names.push(want[i])
    }
    return this.stack[this.stack.length - 1]
  }

  /** The dir holding `rel` and the entry's name in it. */
  parentOf(rel: string): { dir: DirFd; name: string } {
    const i = rel.lastIndexOf('/')
    return { dir: this.dir(i < 0 ? '' : rel.slice(0, i)), name: rel.slice(i + 1) }
  }

  close(): void {
    for (const d of this.stack.splice(0)) d.close()
    this.names = []
  }
}
