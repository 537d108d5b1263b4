// Help on every command, --version, and "did you mean" for a misspelt flag or command. The parser, the
// help text and docs/cli.md all come from the definition in src/cli/commands.ts; the last block checks
// that each of them holds every flag of it.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, FLAG_SPECS, type FlagName, type FlagSpec } from '../../src/cli/commands.js';
import { generatedSection } from '../../src/cli/docs-tables.js';
import { USAGE } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
}

describe('runbook COMMAND --help and runbook help COMMAND', () => {
  for (const command of COMMANDS) {
    it(`${command.name}: prints its usage, every flag and an example, and exits 0`, async () => {
      const viaFlag = await runMain([command.name, '--help']);
      expect(viaFlag.code).toBe(0);
      expect(viaFlag.stderr).toBe('');
      expect(viaFlag.stdout).toContain(`Usage: runbook ${command.name}`);
      for (const flag of command.flags) expect(viaFlag.stdout, flag).toMatch(new RegExp(`^  --${flag}\\b`, 'm'));
      expect(viaFlag.stdout).toMatch(new RegExp(`Examples:\\n  runbook ${command.name} `));
      expect(await runMain(['help', command.name])).toEqual(viaFlag);
      expect(await runMain([command.name, '-h'])).toEqual(viaFlag);
    });
  }

  it('shows help even when the rest of the command line is wrong', async () => {
    const r = await runMain(['run', '--concurrency', 'lots', '--nope', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: runbook run FILE');
  });

  it('takes --help after -- as an argument, not a request for help', async () => {
    const r = await runMain(['validate', '--', '--help']);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('Usage:');
  });

  it('runbook help (and --help) prints the usage of every command and exits 0', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const r = await runMain(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toBe(USAGE);
    }
    for (const command of COMMANDS) expect(USAGE).toContain(`runbook ${command.name} `);
  });

  it('an unknown command with --help: exit 2, no stack trace, the closest command or the list of them', async () => {
    const nosuch = await runMain(['nosuch', '--help']);
    expect(nosuch.code).toBe(2);
    expect(nosuch.stdout).toBe('');
    expect(nosuch.stderr).toContain(`unknown command 'nosuch'; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
    noStackTrace(nosuch.stderr);

    const typo = await runMain(['rnu', '--help']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown command 'rnu'; did you mean 'run'?");

    const help = await runMain(['help', 'valdiate']);
    expect(help.code).toBe(2);
    expect(help.stderr).toContain("unknown command 'valdiate'; did you mean 'validate'?");
  });
});

describe('a misspelt flag', () => {
  it('names the closest flag of that command, with exit 2', async () => {
    const r = await runMain(['run', 'x.yaml', '--reprot', 'out.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--reprot'. Did you mean --report?");
    noStackTrace(r.stderr);
    expect((await runMain(['plan', 'x.yaml', '--detailed-exit-code'])).stderr).toContain('Did you mean --detailed-exitcode?');
    expect((await runMain(['sim', '--prot', '0'])).stderr).toContain("Unknown option '--prot'. Did you mean --port?");
  });

  it('names the commands that take a flag given to one that does not', async () => {
    const r = await runMain(['plan', 'x.yaml', '--report', 'out.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("plan: Unknown option '--report'. --report is a flag of run, apply, revert; see 'runbook plan --help'");
  });
});

describe('the installed command', () => {
  it('--version prints the version of package.json', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });

  it('run --help prints the help of run and exits 0', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: runbook run FILE [options]');
    expect(r.stdout).toContain('--resume FILE');
  });
});

/** Arguments that the command refuses after parsing its flags, and the refusal. */
const REFUSED: Record<string, { args: string[]; error: RegExp }> = {
  validate: { args: [], error: /validate needs at least one FILE/ },
  plan: { args: ['a.yaml', 'b.yaml'], error: /plan needs exactly one FILE \(got 2\)/ },
  run: { args: ['a.yaml', 'b.yaml'], error: /run needs exactly one FILE \(got 2\)/ },
  apply: { args: ['a.json', 'b.json'], error: /apply needs exactly one FILE \(got 2\)/ },
  revert: { args: ['a.yaml', 'b.yaml'], error: /revert needs exactly one FILE \(got 2\)/ },
  report: { args: ['a.jsonl', 'b.jsonl'], error: /report needs exactly one FILE \(got 2\)/ },
  schema: { args: ['extra'], error: /schema takes no argument/ },
  sim: { args: ['extra'], error: /sim takes no file argument/ },
};

const SAMPLE_VALUE: Record<string, string> = { N: '2', DURATION: '1s', L: 'info' };

describe('the definition, the parser, the help and docs/cli.md agree', () => {
  const docsTable = generatedSection(readFileSync('docs/cli.md', 'utf8'), 'flags') ?? '';

  for (const command of COMMANDS) {
    it(`${command.name}: the parser accepts every flag of its definition`, async () => {
      expect(REFUSED[command.name], 'add the command to REFUSED').toBeDefined();
      const { args, error } = REFUSED[command.name]!;
      for (const flag of command.flags.filter((f) => f !== 'help')) {
        const spec: FlagSpec = FLAG_SPECS[flag];
        const given = spec.value === undefined ? [`--${flag}`] : [`--${flag}`, SAMPLE_VALUE[spec.value] ?? 'x'];
        const r = await runMain([command.name, ...args, ...given]);
        expect(r.stderr, `${command.name} --${flag}`).toMatch(error);
        expect(r.stderr).not.toMatch(/Unknown option|argument missing/);
      }
    });
  }

  it('docs/cli.md lists every flag with exactly the commands that take it', () => {
    for (const flag of Object.keys(FLAG_SPECS) as FlagName[]) {
      const spec: FlagSpec = FLAG_SPECS[flag];
      const label = `\`--${flag}${spec.value === undefined ? '' : ` ${spec.value}`}\``;
      const row = docsTable.split('\n').find((line) => line.startsWith(`| ${label} |`));
      expect(row, `--${flag}`).toBeDefined();
      const takers = COMMANDS.filter((c) => (c.flags as readonly string[]).includes(flag)).map((c) => c.name);
      expect(row).toContain(`| ${takers.length > 0 ? takers.join(', ') : '(no command)'} |`);
    }
    expect(docsTable.trim().split('\n')).toHaveLength(Object.keys(FLAG_SPECS).length + 2);
  });

  it('the usage names every flag', () => {
    for (const flag of Object.keys(FLAG_SPECS)) expect(USAGE, `--${flag}`).toMatch(new RegExp(`--${flag}\\b`));
  });
});
