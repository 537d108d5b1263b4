// What a run prints while it runs, seen as the operator sees it: on a pseudo-terminal (through `script`),
// the progress line redrawn in place, the failure printed as it happens and the step's summary line that
// stays; on a pipe, the same run without a single control code; colour as NO_COLOR and FORCE_COLOR say.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';

const EXAMPLE = 'runbooks/examples/stop-obstat.yaml';
const SIM_CONFIG = 'test/fixtures/sim/progress.sim.yaml';
// Host 99 does not exist: its operation fails (NOT_FOUND), which the step's maxErrors: 1 tolerates.
const ARGS = ['run', EXAMPLE, '--sim', '--sim-config', SIM_CONFIG, '--param', 'hosts=[20,21,99,22,23,24]'];
const FAILURE =
  /FAILED\s*(?:\x1b\[\d+m)?\s+stop-obstat\/host=99\/alias=obstat2 {2}NOT_FOUND: OCP has no host 99[^\r\n]*Host 99 does not exist/;
const REDRAW = '\r\x1b[2K';
const COLOUR = /\x1b\[\d+(;\d+)*m/;
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;
const uncoloured = (text: string) => text.replace(/\x1b\[\d+(;\d+)*m/g, '');

/** Runs the CLI with its stdout on a pseudo-terminal (util-linux `script`); resolves to the raw bytes it wrote. */
function runOnTerminal(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env }))
    if (v !== undefined) environment[k] = v;
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runbook on a terminal did not exit within 20 s:\n${output}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('what a run prints while it runs', () => {
  it('on a terminal: one line redrawn in place, the failure as it happens, the summary line that stays, in colour', async () => {
    const { code, output } = await runOnTerminal(ARGS, {});
    expect(code).toBe(3);
    expect(output).toMatch(COLOUR);
    const text = uncoloured(output);
    // The line is redrawn in place while the step runs, with done/total and what is in flight.
    const redraws = text.split(REDRAW).slice(1);
    const running = redraws.filter((r) => /^ {2}\[[0-5]\/6\] \d+ changed, \d+ unchanged, \d+ failed, \d+ in flight {2}/.test(r));
    expect(running.length).toBeGreaterThanOrEqual(3);
    expect(running.some((r) => / [1-9] in flight/.test(r))).toBe(true);
    // The failure prints when its operation ends: the line is redrawn after it, while operations still run.
    const failureAt = output.search(FAILURE);
    expect(failureAt).toBeGreaterThan(-1);
    const summary = '  [6/6] 5 changed, 0 unchanged, 1 failed in ';
    const summaryAt = text.indexOf(`${REDRAW}${summary}`);
    expect(summaryAt).toBeGreaterThan(-1);
    expect(uncoloured(output.slice(failureAt))).toMatch(/\r\x1b\[2K {2}\[[1-5]\/6\] \d+ changed, 0 unchanged, 1 failed, [1-9] in flight/);
    // The summary line stays: a newline ends it, and nothing clears it afterwards.
    const afterSummary = text.slice(summaryAt + REDRAW.length);
    expect(afterSummary).toMatch(/^ {2}\[6\/6\] 5 changed, 0 unchanged, 1 failed in [\d.]+ m?s {2}[\d.]+ op\/s\r\n/);
    expect(afterSummary).not.toContain('\x1b[2K');
    expect(text).toContain('Run finished within its failure budgets, with failures: 6 operations');
  }, 30_000);

  it('on a terminal with NO_COLOR: the same redraws, no colour', async () => {
    const { code, output } = await runOnTerminal(ARGS, { NO_COLOR: '1' });
    expect(code).toBe(3);
    expect(output).toContain(`${REDRAW}  [6/6] 5 changed, 0 unchanged, 1 failed in `);
    expect(output).toMatch(FAILURE);
    expect(output).not.toMatch(COLOUR);
  }, 30_000);

  it('on a terminal with --quiet: no progress line; the summary and the failure at the end, as on a pipe', async () => {
    const { code, output } = await runOnTerminal([...ARGS, '--quiet'], {});
    expect(code).toBe(3);
    expect(output).not.toContain('\x1b[2K');
    expect(output).not.toContain('[6/6]');
    expect(output).toContain('Run finished within its failure budgets, with failures: 6 operations');
    expect(output).toContain('  stop-obstat/host=99/alias=obstat2: NOT_FOUND: OCP has no host 99');
  }, 30_000);

  it('on a pipe: a line per operation of a small step and not a single control code; colour only with FORCE_COLOR', async () => {
    const piped = await runCli(ARGS, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined }, timeoutMs: 20_000 });
    expect(piped.code).toBe(3);
    expect(piped.stdout).not.toMatch(CONTROL);
    expect(piped.stdout).toMatch(FAILURE);
    expect(piped.stdout.match(/^ {2}changed {4}stop-obstat\/host=\d+\/alias=obstat2 {2}\(/gm)).toHaveLength(5);
    expect(piped.stdout).not.toContain('[6/6]');

    const forced = await runCli(ARGS, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' }, timeoutMs: 20_000 });
    expect(forced.code).toBe(3);
    expect(forced.stdout).toMatch(COLOUR);
    expect(forced.stdout).not.toContain('\r');
    expect(forced.stdout).not.toContain('\x1b[2K');
    expect(uncoloured(forced.stdout)).toMatch(FAILURE);
  }, 30_000);
});
