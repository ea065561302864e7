import { createInterface } from 'node:readline/promises'

/** Docker's y/N prompt; no terminal or no answer means no. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const a = await rl.question(question)
    return /^y(es)?$/i.test(a.trim())
  } catch {
    return false
  } finally {
    rl.close()
  }
}
