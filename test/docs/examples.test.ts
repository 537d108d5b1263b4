// The examples and the README's own commands are real: each example runs end to end against the
// built-in simulator (in-process, through main()), and the README's quick start is spawned exactly as the
// README tells a newcomer to run it.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';

const README = readFileSync('README.md', 'utf8');
const EXAMPLES = readdirSync('runbooks/examples').filter((f) => f.endsWith('.yaml'));

describe('the examples', () => {
  it('include the three maintenance scenarios', () => {
    expect(EXAMPLES).toEqual(expect.arrayContaining(['stop-obstat.yaml', 'stop-bao-peers.yaml', 'maintenance-window.yaml']));
  });

  for (const example of EXAMPLES) {
    it(`${example} validates, and runs end to end against the simulator`, async () => {
      const file = `runbooks/examples/${example}`;
      expect((await runMain(['validate', file])).code).toBe(0);
      const r = await runMain(['run', file, '--sim']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Run succeeded: \d+ operations/);
      expect(r.stdout).not.toMatch(/ 0 changed/);
    });
  }

  it('the README quick start runs as written', async () => {
    const line = README.split('\n').find((l) => l.includes('npx runbook run') && l.includes('--sim'));
    expect(line).toBeDefined();
    const args = /npx runbook (run \S+ --sim)/.exec(line!)![1]!.split(' ');
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Run succeeded/);
  });
});
