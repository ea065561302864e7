// Progress of long work (import, load, save, fsck, df), as numbers: the library reports, the CLI
// draws (cli/_progress.ts: a line on a terminal, nothing in a pipe). Pure.

export interface Progress {
  /** What is being done, as the line starts: "Importing", "Loading"… */
  label: string
  /** Units done so far. */
  done: number
  /** Units in all, when known (a file's size); the line then shows an ETA. */
  total?: number
  unit: 'bytes' | 'items'
  /** What an item is, as the line names it ("layers"); default "blobs". */
  noun?: string
  /** The short ID of a layer when several move at once (pull, push): the view gives each its row. */
  id?: string
}

export type OnProgress = (p: Progress) => void

/** `src` passed through unchanged, reporting the bytes that went by (and once more at the end). */
export async function* counted(src: AsyncIterable<Uint8Array>, on: OnProgress | undefined, label: string, total?: number): AsyncGenerator<Uint8Array> {
  if (!on) return yield* src
  let done = 0
  on({ label, done, total, unit: 'bytes' })
  for await (const b of src) {
    done += b.length
    on({ label, done, total, unit: 'bytes' })
    yield b
  }
}
