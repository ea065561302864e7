// Whether a process exists: signal 0 sends nothing; EPERM means it exists under another user.

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
