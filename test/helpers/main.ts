// Runs a command in-process through `main(argv, io)`, capturing what it prints.

import { main } from '../../src/cli/main.js';
import { ROOT } from './cli.js';

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runMain(argv: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
  });
  return { code, stdout, stderr };
}
