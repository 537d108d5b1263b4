// The usage text of `runbook help` and each command's `--help`, rendered from the definition in
// commands.ts. Flag meanings are Markdown there; here they are shown as plain text.

import { COMMANDS, FLAG_SPECS, summarySentence, type CommandSpec, type FlagName, type FlagSpec } from './commands.js';

const WIDTH = 100;
/** Where the summaries of the usage text start. */
const COLUMN = 38;

/** `--param k=v`, `--sim`. */
export function flagLabel(name: FlagName): string {
  const spec: FlagSpec = FLAG_SPECS[name];
  return `--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;
}

/** Commands with at most this many flags spell them out in their synopsis instead of `[options]`. */
const SPELLED_OUT = 3;

function ownFlags(command: CommandSpec): FlagName[] {
  return command.flags.filter((f) => f !== 'help');
}

/** `runbook plan FILE [options]`, `runbook sim [--port N] [--host H] [--config FILE]`. */
function synopsis(command: CommandSpec): string {
  const flags = ownFlags(command);
  const options =
    flags.length > SPELLED_OUT ? ['[options]'] : flags.map((f) => `[${flagLabel(f)}]${(FLAG_SPECS[f] as FlagSpec).multiple ? '...' : ''}`);
  return ['runbook', command.name, command.args, ...options].filter((part) => part !== '').join(' ');
}

/** The top-level usage: every command with its summary and flags, how to get help, the exit codes. */
export function usageText(): string {
  const lines = ['runbook: declarative runbooks for OceanBase OCP and BMC BAO maintenance', '', 'Usage:'];
  const entry = (left: string, summary: string): string[] =>
    left.length < COLUMN ? [`  ${left.padEnd(COLUMN)}${summary}`] : [`  ${left}`, `  ${''.padEnd(COLUMN)}${summary}`];
  for (const command of COMMANDS) lines.push(...entry(synopsis(command), command.summary));
  lines.push(...entry('runbook help COMMAND', "a command's usage, flags and examples (or: runbook COMMAND --help)"));
  lines.push(...entry('runbook --version', 'print the version'));
  const many = COMMANDS.filter((c) => ownFlags(c).length > SPELLED_OUT);
  const names = many.map((c) => c.name);
  lines.push('', `Flags of ${names.slice(0, -1).join(', ')} and ${names.at(-1)} (runbook help COMMAND says what each does):`);
  for (const command of many) {
    lines.push(...wrap(`${command.name}: ${ownFlags(command).map(flagLabel).join(', ')}`, '  ', '    ', ', '));
  }
  lines.push(
    '',
    ...wrap(
      'Exit codes: 0 succeeded, 1 the run failed, 2 invalid input or usage, 3 done within budget (some operations failed, tolerated by maxErrors or continueOnError), 4 an output file could not be written, 5/6 plan --detailed-exitcode: changes / would fail, 75 another run holds the lock, 130/143 interrupted by SIGINT/SIGTERM. Docs: README.md',
      '',
      '',
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** One command's help: its synopsis, what it does, each flag with its meaning, and examples. */
export function commandHelp(command: CommandSpec): string {
  const lines = [`Usage: ${synopsis(command)}`, '', summarySentence(command), '', 'Options:'];
  const column = Math.max(...command.flags.map((f) => flagLabel(f).length)) + 4;
  for (const name of command.flags) {
    const label = `  ${flagLabel(name).padEnd(column)}`;
    lines.push(...wrap(plain(FLAG_SPECS[name].meaning), label, ' '.repeat(label.length)));
  }
  lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`), '', 'Docs: docs/cli.md');
  return `${lines.join('\n')}\n`;
}

/** Markdown to plain text: `code` loses its backticks, [text](page.md) becomes `text (docs/page.md)`. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\(([^)]*)\)/g, '$1 (docs/$2)').replace(/`([^`]*)`/g, '$1');
}

/**
 * Breaks a paragraph into lines of at most WIDTH characters, between the parts `separator` divides it
 * into; the first line starts with `first`, the others with `rest`.
 */
function wrap(paragraph: string, first: string, rest: string, separator = ' '): string[] {
  const lines: string[] = [];
  const glue = separator.trimEnd();
  let line = first;
  for (const word of paragraph.split(separator)) {
    const start = line === first || line === rest;
    if (!start && line.length + separator.length + word.length > WIDTH) {
      lines.push(line + glue);
      line = rest + word;
    } else {
      line += start ? word : separator + word;
    }
  }
  lines.push(line);
  return lines;
}
