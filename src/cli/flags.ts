// The command-line flags as the docs list them: name, value, the commands that take each, and what it does.
// docs/cli.md's flags table is generated from this list (`npm run docs`), and a test checks that it names
// exactly the flags of the usage text.

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

const EXECUTION = ['plan', 'run', 'apply', 'revert'];

export const FLAGS: readonly FlagDoc[] = [
  {
    name: '--param',
    value: 'k=v',
    commands: EXECUTION,
    meaning: 'set a param, parsed by its declared type: `hosts=[20,21]` or `hosts=20,21`; repeatable',
  },
  {
    name: '--plugin',
    value: 'PATH',
    commands: ['validate', ...EXECUTION, 'schema'],
    meaning: "load a plugin module besides the runbook's `plugins:`; repeatable",
  },
  { name: '--sim', commands: EXECUTION, meaning: 'start the built-in simulator and point every `ocp` and `bao` connection at it' },
  { name: '--sim-config', value: 'FILE', commands: EXECUTION, meaning: "with `--sim`: the simulator's configuration" },
  {
    name: '--log-level',
    value: 'L',
    commands: EXECUTION,
    meaning: '`trace` `debug` `info` `warn` `error` `fatal` `silent`; default `warn`, or `info` with `--log-file`',
  },
  {
    name: '--log-file',
    value: 'FILE',
    commands: EXECUTION,
    meaning: 'NDJSON logs to FILE (appended, mode 0600) instead of stderr; its folder must exist',
  },
  { name: '--json', commands: ['plan'], meaning: 'print the plan as JSON (`schemas/plan.schema.json`)' },
  { name: '--online', commands: ['plan'], meaning: 'read-only lookups to resolve aliases and predict outcomes' },
  {
    name: '--out',
    value: 'FILE',
    commands: ['plan', 'report'],
    meaning: 'plan: save the plan for `apply` (never over the runbook itself); report: write the rebuilt report; the folder must exist',
  },
  {
    name: '--detailed-exitcode',
    commands: ['plan'],
    meaning:
      'exit 0 when the plan changes nothing, 5 when it would change something, 6 when something would fail (see [Plans](plans.md#detailed-exit-codes))',
  },
  {
    name: '--report',
    value: 'FILE',
    commands: ['run', 'apply', 'revert'],
    meaning: 'write the JSON report atomically, and the journal to `FILE.journal.jsonl`; the folder must exist',
  },
  {
    name: '--report-dir',
    value: 'DIR',
    commands: ['run', 'apply', 'revert'],
    meaning:
      'write `DIR/<runbook>-<UTC timestamp>.json` (and its journal); DIR is created if its parent exists (never at the root of the file system)',
  },
  {
    name: '--junit',
    value: 'FILE',
    commands: ['run', 'apply', 'revert', 'report'],
    meaning: 'JUnit XML: a testcase per operation, failures with their message',
  },
  {
    name: '--summary-md',
    value: 'FILE',
    commands: ['run', 'apply', 'revert', 'report'],
    meaning: 'a Markdown table for a pull-request comment or a CI job summary',
  },
  { name: '--concurrency', value: 'N', commands: ['run', 'apply', 'revert'], meaning: "override the runbook's global concurrency" },
  { name: '--dry-run', commands: ['run'], meaning: 'do what `plan` does, and also write a report with `mode: dry-run`' },
  {
    name: '--resume',
    value: 'FILE',
    commands: ['run'],
    meaning: 'run again only the operations that did not end `changed` or `unchanged` in that report or journal',
  },
  {
    name: '--grace',
    value: 'DURATION',
    commands: ['run', 'apply', 'revert'],
    meaning:
      'after SIGINT/SIGTERM, time in-flight operations get before they are aborted (default `30s`); then the operations still in flight end `CANCELLED`, whether or not their action settles, the report is written, the lock released and the process exits 130/143, even if a plugin keeps a timer running. A second signal aborts at once, with the same ending',
  },
  {
    name: '--quiet',
    commands: ['run', 'apply', 'revert'],
    meaning:
      'print nothing when every step ran and every operation succeeded; otherwise the summary, one line per failed, skipped or cancelled step and per step that tolerated failures, and one per failed operation',
  },
  {
    name: '--lock',
    value: 'FILE',
    commands: ['run', 'apply', 'revert'],
    meaning:
      'lock file (default: one per runbook file, in `$XDG_RUNTIME_DIR/runbook-locks/` or else `<temp folder>/runbook-locks-<uid>/`; see [Locks](cron.md#locks))',
  },
  {
    name: '--from',
    value: 'FILE',
    commands: ['revert'],
    meaning: 'the report or journal (also of a run that crashed) of the run to undo; a dry-run report is refused',
  },
  {
    name: '--skip-irreversible',
    commands: ['revert'],
    meaning:
      'leave as they are the changes of actions that declare no inverse (named on stderr), instead of refusing the whole revert with `IRREVERSIBLE`',
  },
  {
    name: '--accept-changed-runbook',
    commands: ['revert'],
    meaning: "revert although the runbook file changed since the run (its sha256 differs from the report's)",
  },
  { name: '--max-age', value: 'DURATION', commands: ['apply'], meaning: 'refuse a plan older than this (default `1h`)' },
  { name: '--port', value: 'N', commands: ['sim'], meaning: 'the port the simulator listens on (default `8080`)' },
  { name: '--host', value: 'H', commands: ['sim'], meaning: 'the address the simulator listens on (default `127.0.0.1`)' },
  { name: '--config', value: 'FILE', commands: ['sim'], meaning: "the simulator's configuration (see [The simulator](simulator.md))" },
];
