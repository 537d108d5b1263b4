// The one definition of the command line: every flag (its value, whether it repeats, what it does) and
// every command (its arguments, flags and examples). The parser's option sets, the usage text, each
// command's `--help` and the flags table of docs/cli.md are all derived from it, so they cannot disagree.

import type { ParseArgsConfig } from 'node:util';

/** One flag. The key of FLAG_SPECS is its name without the leading dashes. */
export interface FlagSpec {
  /** The value it takes, as help and docs write it (`k=v`, `FILE`); absent for a switch. */
  value?: string;
  /** True when it may be given more than once; its values are collected in order. */
  multiple?: boolean;
  /** A one-letter alias (`-h`). */
  short?: string;
  /** What it does, with its default, in Markdown. */
  meaning: string;
}

/** Every flag, in the order of the docs table. */
export const FLAG_SPECS = {
  param: {
    value: 'k=v',
    multiple: true,
    meaning: 'set a param, parsed by its declared type: `hosts=[20,21]` or `hosts=20,21`; repeatable',
  },
  'params-file': {
    value: 'FILE',
    multiple: true,
    meaning:
      'set params from a YAML or JSON mapping of names to values; repeatable, a later file overrides an earlier one and `--param` overrides both (see [Params](format.md#params)). With `apply` and `--resume`, the params the plan or report recorded come first, under the files',
  },
  plugin: { value: 'PATH', multiple: true, meaning: "load a plugin module besides the runbook's `plugins:`; repeatable" },
  sim: { meaning: 'start the built-in simulator and point every `ocp` and `bao` connection at it' },
  'sim-config': { value: 'FILE', meaning: "with `--sim`: the simulator's configuration" },
  'log-level': {
    value: 'L',
    meaning: '`trace` `debug` `info` `warn` `error` `fatal` `silent`; default `warn`, or `info` with `--log-file`',
  },
  'log-file': { value: 'FILE', meaning: 'NDJSON logs to FILE (appended, mode 0600) instead of stderr; its folder must exist' },
  json: { meaning: 'print the plan as JSON (`schemas/plan.schema.json`)' },
  online: { meaning: 'read-only lookups to resolve aliases and predict outcomes' },
  out: {
    value: 'FILE',
    meaning: 'plan: save the plan for `apply` (never over the runbook itself); report: write the rebuilt report; the folder must exist',
  },
  'detailed-exitcode': {
    meaning:
      'exit 0 when the plan changes nothing, 5 when it would change something, 6 when something would fail (see [Plans](plans.md#detailed-exit-codes))',
  },
  report: { value: 'FILE', meaning: 'write the JSON report atomically, and the journal to `FILE.journal.jsonl`; the folder must exist' },
  'report-dir': {
    value: 'DIR',
    meaning:
      'write `DIR/<runbook>-<UTC timestamp>.json` (and its journal); DIR is created if its parent exists (never at the root of the file system)',
  },
  junit: { value: 'FILE', meaning: 'JUnit XML: a testcase per operation, failures with their message' },
  'summary-md': { value: 'FILE', meaning: 'a Markdown table for a pull-request comment or a CI job summary' },
  html: {
    value: 'FILE',
    meaning:
      'one self-contained HTML page: summary, steps, a timeline of the operations, failures, filters by step and status (see [HTML](reports.md#html))',
  },
  concurrency: { value: 'N', meaning: "override the runbook's global concurrency" },
  'dry-run': { meaning: 'do what `plan` does, and also write a report with `mode: dry-run`' },
  resume: { value: 'FILE', meaning: 'run again only the operations that did not end `changed` or `unchanged` in that report or journal' },
  grace: {
    value: 'DURATION',
    meaning:
      'after SIGINT/SIGTERM, time in-flight operations get before they are aborted (default `30s`); then the operations still in flight end `CANCELLED`, whether or not their action settles, the report is written, the lock released and the process exits 130/143, even if a plugin keeps a timer running. A second signal aborts at once, with the same ending',
  },
  quiet: {
    meaning:
      'print nothing when every step ran and every operation succeeded; otherwise the summary, one line per failed, skipped or cancelled step and per step that tolerated failures, and one per failed operation',
  },
  lock: {
    value: 'FILE',
    meaning:
      'lock file (default: one per runbook file, in `$XDG_RUNTIME_DIR/runbook-locks/` or else `<temp folder>/runbook-locks-<uid>/`; see [Locks](cron.md#locks))',
  },
  from: { value: 'FILE', meaning: 'revert: the report or journal of the run to undo (a journal left by a crash will do)' },
  'revert-from': {
    value: 'FILE',
    meaning:
      'plan: preview the revert of the run that report or journal records, as `revert --from FILE` would run it; with `--out`, `apply` runs it as a revert (see [Undo a run](revert.md#preview-a-revert))',
  },
  'skip-irreversible': {
    meaning: 'revert, plan `--revert-from`: leave alone what actions without an inverse changed, and name them, instead of refusing',
  },
  'accept-changed-runbook': {
    meaning: 'revert, plan `--revert-from`: undo although the runbook file changed since the run (its sha256 differs)',
  },
  'max-age': { value: 'DURATION', meaning: 'refuse a plan older than this (default `1h`)' },
  port: { value: 'N', meaning: 'the port the simulator listens on (default `8080`)' },
  host: { value: 'H', meaning: 'the address the simulator listens on (default `127.0.0.1`)' },
  config: { value: 'FILE', meaning: "the simulator's configuration (see [The simulator](simulator.md))" },
  help: { short: 'h', meaning: "print the command's usage, flags and examples, and exit 0 (also `-h`, or `runbook help COMMAND`)" },
  version: { meaning: 'print the version of runbook and exit 0: `runbook --version`, without a command' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAG_SPECS;

/** One command. */
export interface CommandSpec {
  name: string;
  /** Its arguments, as the usage writes them: `FILE...`, `PLAN`, or '' for none. */
  args: string;
  /** What it does, one line. */
  summary: string;
  /** Its flags, in the order its help lists them. */
  flags: readonly FlagName[];
  /** Command lines that show it at work. */
  examples: readonly string[];
}

const LOGGING: readonly FlagName[] = ['log-level', 'log-file'];
const COMMON: readonly FlagName[] = ['param', 'params-file', 'plugin', 'sim', 'sim-config', ...LOGGING];
const OUTPUTS: readonly FlagName[] = ['report', 'report-dir', 'junit', 'summary-md', 'html'];
const EXECUTION: readonly FlagName[] = [...COMMON, ...OUTPUTS, 'concurrency', 'grace', 'quiet', 'lock'];
const EXAMPLE = 'runbooks/examples/stop-obstat.yaml';

/** Every command, in the order of the usage text. */
export const COMMANDS = [
  {
    name: 'validate',
    args: 'FILE...',
    summary: 'check runbooks against the format; exit 0 or 2',
    flags: ['plugin', 'help'],
    examples: [`runbook validate ${EXAMPLE}`, 'runbook validate runbooks/*.yaml --plugin ./plugins/acme.js'],
  },
  {
    name: 'plan',
    args: 'FILE',
    summary: 'preview: every request it would send (offline: sends nothing)',
    flags: [...COMMON, 'json', 'online', 'out', 'detailed-exitcode', 'revert-from', 'skip-irreversible', 'accept-changed-runbook', 'help'],
    examples: [
      `runbook plan ${EXAMPLE} --param hosts=20,21`,
      `runbook plan ${EXAMPLE} --sim --online`,
      `runbook plan ${EXAMPLE} --out plan.json`,
      `runbook plan ${EXAMPLE} --revert-from reports/out.json --online --out revert-plan.json`,
    ],
  },
  {
    name: 'run',
    args: 'FILE',
    summary: 'run it: a line per operation, a summary, a report',
    flags: [...EXECUTION, 'dry-run', 'resume', 'help'],
    examples: [
      `runbook run ${EXAMPLE} --sim --report-dir reports`,
      `runbook run ${EXAMPLE} --quiet --report out.json`,
      `runbook run ${EXAMPLE} --resume out.json`,
    ],
  },
  {
    name: 'apply',
    args: 'PLAN',
    summary: 'run exactly the operations of a saved plan',
    flags: [...EXECUTION, 'max-age', 'help'],
    examples: ['runbook apply plan.json --report out.json', 'runbook apply plan.json --max-age 15m'],
  },
  {
    name: 'revert',
    args: 'FILE',
    summary: 'undo what a run changed: the inverse of each operation that ended changed, steps in reverse order',
    flags: [...EXECUTION, 'from', 'skip-irreversible', 'accept-changed-runbook', 'help'],
    examples: [
      `runbook revert ${EXAMPLE} --from reports/out.json`,
      `runbook revert ${EXAMPLE} --from out.json.journal.jsonl --skip-irreversible`,
    ],
  },
  {
    name: 'report',
    args: 'REPORT|JOURNAL',
    summary: "rebuild a run's report (and JUnit, Markdown, HTML) from its journal, or write JUnit, Markdown, HTML from a report",
    flags: ['out', 'junit', 'summary-md', 'html', 'help'],
    examples: ['runbook report out.json.journal.jsonl --out out.json --junit junit.xml', 'runbook report out.json --html out.html'],
  },
  {
    name: 'schema',
    args: '',
    summary: 'print the runbook JSON Schema (with plugin actions)',
    flags: ['plugin', 'help'],
    examples: ['runbook schema > runbook.schema.json', 'runbook schema --plugin ./plugins/acme.js'],
  },
  {
    name: 'sim',
    args: '',
    summary: 'start the local OCP and BAO simulator',
    flags: ['port', 'host', 'config', 'help'],
    examples: ['runbook sim --port 8080', 'runbook sim --port 0 --config sim.json'],
  },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof COMMANDS)[number]['name'];

/** A command's summary as a sentence: capitalised, with a full stop. */
export function summarySentence(command: CommandSpec): string {
  return `${command.summary.charAt(0).toUpperCase()}${command.summary.slice(1)}.`;
}

/** The command of that name, or undefined. */
export function findCommand(name: string): CommandSpec | undefined {
  return (COMMANDS as readonly CommandSpec[]).find((c) => c.name === name);
}

/** The commands that take a flag, in the order of COMMANDS. */
export function commandsTaking(flag: FlagName): string[] {
  return COMMANDS.filter((c) => (c.flags as readonly FlagName[]).includes(flag)).map((c) => c.name);
}

/** The option set of `node:util` parseArgs for a command. */
export function parseOptions(command: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const name of command.flags) {
    const spec: FlagSpec = FLAG_SPECS[name];
    options[name] = {
      type: spec.value === undefined ? 'boolean' : 'string',
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short === undefined ? {} : { short: spec.short }),
    };
  }
  return options;
}

/** The values parseArgs returns for a command's option set. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A string flag's value. */
export function text(values: OptionValues, name: FlagName): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A switch: true when given. */
export function isSet(values: OptionValues, name: FlagName): boolean {
  return values[name] === true;
}

/** A repeatable flag's values, in order. */
export function list(values: OptionValues, name: FlagName): string[] {
  const v = values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
