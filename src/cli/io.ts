// What a command may touch of the outside world, passed in so that commands can be run in-process.

export interface Output {
  write(text: string): unknown;
  /** A terminal: a running step redraws its progress line in place, and colour is on (see colour.ts). */
  isTTY?: boolean;
  /** The terminal's width, when it is one. */
  columns?: number;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
