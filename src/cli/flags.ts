// The command-line flags as the docs list them: name, value, the commands that take each, and what it does.
// Derived from the definition in commands.ts; docs/cli.md's flags table is generated from this list
// (`npm run docs`).

import { FLAG_SPECS, commandsTaking, type FlagName, type FlagSpec } from './commands.js';

/** One command-line flag, for the docs. */
export interface FlagDoc {
  /** The flag as typed, with its leading dashes: `--param`. */
  name: string;
  /** The value it takes, as the docs write it (`k=v`, `FILE`); absent for a switch. */
  value?: string;
  /** The commands that accept it. */
  commands: readonly string[];
  /** What it does, in Markdown. */
  meaning: string;
}

export const FLAGS: readonly FlagDoc[] = (Object.entries(FLAG_SPECS) as [FlagName, FlagSpec][]).map(([name, spec]) => {
  const commands = commandsTaking(name);
  return {
    name: `--${name}`,
    ...(spec.value === undefined ? {} : { value: spec.value }),
    // A flag no command takes is one of `runbook` itself (`--version`).
    commands: commands.length > 0 ? commands : ['(no command)'],
    meaning: spec.meaning,
  };
});
