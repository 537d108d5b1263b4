// The run lock through the CLI: no way out of a run leaves the lock behind, an unusable lock path is exit 2
// with what to do, and taking over a stale lock is one line for a person. Spawned as cron runs it where a
// signal, process.exit() or the process's own environment (TMPDIR) is part of the test; in-process through
// main() otherwise.

import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/types.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { ocpStep, runbookYaml } from '../helpers/runbooks.js';

let ws: Workspace;
afterEach(() => ws?.remove());

const RUNBOOK = runbookYaml({ name: 'locked', steps: [ocpStep({ hosts: [20] })] });

/** Every run here uses the built-in simulator; the connection variables only need to be set. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { OCP_URL: 'http://127.0.0.1:9', OCP_USER: 'admin', OCP_PASSWORD: 'sim-password', ...extra };
}

const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe('the run lock', { timeout: 60_000 }, () => {
  it('refuses a directory at the lock path with exit 2, what to do, and no stack trace', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const dir = ws.path('locks');
    mkdirSync(dir);
    const r = await runMain(['run', file, '--sim', '--lock', dir], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `runbook: the lock path ${dir} is a directory, not a file; give --lock a file name, such as ${join(dir, 'runbook.lock')} [LOCK_UNUSABLE]\n`,
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('keeps default locks in a folder of their own per user, and refuses one that other users can write', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const runtime = ws.path('runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const ok = await runCli(['run', file, '--sim', '--quiet'], { env: env({ XDG_RUNTIME_DIR: runtime }) });
    expect(ok.code).toBe(0);
    expect(statSync(join(runtime, 'runbook-locks')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(runtime, 'runbook-locks'))).toEqual([]);

    // Without XDG_RUNTIME_DIR: <temp>/runbook-locks-<uid>. Another user made it first, world-writable, and
    // planted a lock naming a live process of theirs (this test's own pid).
    const uid = process.getuid?.();
    if (uid === undefined) return;
    const folder = ws.path(`runbook-locks-${uid}`);
    mkdirSync(folder);
    chmodSync(folder, 0o777);
    for (const name of ['a.lock', 'b.lock'])
      writeFileSync(join(folder, name), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'x' }));
    const r = await runCli(['run', file, '--sim'], { env: env({ XDG_RUNTIME_DIR: undefined, TMPDIR: ws.dir }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `runbook: the lock folder ${folder} can be written by other users (mode 777): they could plant or remove locks there. ` +
        `Run 'chmod go-w ${folder}', or give --lock a file in a folder only you can write [LOCK_UNUSABLE]\n`,
    );
    expect(r.stdout).toBe('');
  });

  it('leaves no lock behind when the simulator config is bad', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const config = ws.write('sim.yaml', 'ocp:\n  hosts: 12\n');
    const lock = ws.path('rb.lock');
    const r = await runMain(['run', file, '--sim', '--sim-config', config, '--lock', lock], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/simulator config/);
    expect(existsSync(lock)).toBe(false);
  });

  it('leaves no lock behind after a SIGTERM at any moment of start-up', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const config = ws.write('sim.yaml', 'ocp:\n  processActionDelayMs: 0\n');
    const lock = ws.path('rb.lock');
    for (const delayMs of [0, 50, 100, 200, 300, 400, 500, 600, 800]) {
      const r = await runCli(['run', file, '--sim', '--sim-config', config, '--lock', lock], {
        env: env(),
        timeoutMs: 30_000,
        onSpawn: (child) => void setTimeout(() => child.kill('SIGTERM'), delayMs),
      });
      // Killed before it handles signals (it held nothing then), or a cancelled run, or already done.
      expect(r.signal === 'SIGTERM' || r.code === 143 || r.code === 0, `after ${delayMs} ms: ${r.signal ?? r.code}\n${r.stderr}`).toBe(
        true,
      );
      expect(existsSync(lock), `lock left after a SIGTERM at ${delayMs} ms`).toBe(false);
    }
  });

  it('a SIGTERM as soon as the lock is taken cancels the run, writes its report and releases the lock', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    // A large simulator takes a while to start, after the lock is taken.
    const config = ws.write('sim.yaml', 'ocp:\n  hosts:\n    - ids: { from: 1, to: 2000 }\n');
    const lock = ws.path('rb.lock');
    const report = ws.path('r.json');
    let sawLock = false;
    const r = await runCli(['run', file, '--sim', '--sim-config', config, '--lock', lock, '--report', report], {
      env: env(),
      timeoutMs: 30_000,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(lock)) {
            clearInterval(poll);
            sawLock = true;
            child.kill('SIGTERM');
          }
        }, 2);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(sawLock).toBe(true);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(143);
    expect((JSON.parse(readFileSync(report, 'utf8')) as RunReport).status).toBe('cancelled');
    expect(existsSync(lock)).toBe(false);
  });

  it('releases the lock when the process ends through process.exit() or an uncaught error', () => {
    ws = createWorkspace();
    const lockModule = pathToFileURL(join(ROOT, 'dist/engine/lock.js')).href;
    for (const ending of ['process.exit(4)', "setTimeout(() => { throw new Error('boom'); }, 10)"]) {
      const lock = ws.path('rb.lock');
      const script = `import { acquireLock } from ${JSON.stringify(lockModule)};
acquireLock(${JSON.stringify(lock)}, 'rb');
if (!(await import('node:fs')).existsSync(${JSON.stringify(lock)})) process.exit(9);
${ending};`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).not.toBe(9);
      expect(r.status).not.toBe(0);
      expect(existsSync(lock), `lock left after ${ending}`).toBe(false);
    }
  });

  it('says in one human line on stderr that it took over a stale lock, and nothing under --quiet', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const lock = ws.path('rb.lock');
    const plant = () =>
      writeFileSync(lock, JSON.stringify({ pid: dead.pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', runbook: 'locked' }));

    plant();
    const r = await runMain(['run', file, '--sim', '--lock', lock], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `runbook: took over a stale lock ${lock}: its holder (pid ${dead.pid} on ${hostname()}, started 2026-01-01T00:00:00Z, is no longer running)\n`,
    );

    plant();
    const quiet = await runMain(['run', file, '--sim', '--quiet', '--lock', lock], env());
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe('');
    expect(existsSync(lock)).toBe(false);
  });
});
