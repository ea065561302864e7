// Docker's CLI check for -it (CheckTty): with stdin attached and a terminal asked for, stdin must
// be a terminal (`echo | docker run -it …` fails before anything is made). Said bare, exit 1.

export function checkTty(interactive: boolean | undefined, tty: boolean | undefined): void {
  if (interactive && tty && !process.stdin.isTTY) throw Object.assign(new Error('the input device is not a TTY'), { bare: true, exit: 1 })
}
