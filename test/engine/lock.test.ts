// The run lock on a real file system: who may hold it, when a holder counts as gone, and which lock paths
// and folders are refused because another user could plant or break a lock there.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunbookError } from '../../src/errors.js';
import { acquireLock, defaultLockDir, defaultLockPath, type LockHolder } from '../../src/engine/lock.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const HAS_PROC = existsSync('/proc/self/stat');
const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

let ws: Workspace;
let children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children = [];
  ws?.remove();
});

/** A live process of this user that is not the test, with the start time /proc gives it. */
async function liveProcess(): Promise<{ pid: number; procStart: string | undefined }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return { pid: child.pid!, procStart: HAS_PROC ? startTimeOf(child.pid!) : undefined };
}

function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

function bootId(): string | undefined {
  return HAS_PROC ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : undefined;
}

function plant(path: string, holder: Partial<LockHolder> & { pid: number }): void {
  writeFileSync(path, JSON.stringify({ host: hostname(), startedAt: '2026-01-01T00:00:00Z', runbook: 'rb', ...holder }), { mode: 0o600 });
}

function thrown(fn: () => unknown): RunbookError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RunbookError);
    return e as RunbookError;
  }
  throw new Error('expected an error');
}

describe('acquireLock', () => {
  it('writes a 0600 lock naming this process, refuses a second taker while held, and removes it on release', () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const lock = acquireLock(path, 'rb');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), runbook: 'rb' });
    if (HAS_PROC) expect(holder).toMatchObject({ procStart: startTimeOf(process.pid), bootId: bootId() });

    const e = thrown(() => acquireLock(path, 'rb'));
    expect(e.code).toBe('LOCKED');
    expect(e.message).toContain(`pid ${process.pid} on ${hostname()}`);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('leaves a lock that is no longer its own on release', () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const lock = acquireLock(path, 'rb');
    plant(path, { pid: process.pid, startedAt: 'another time' });
    lock.release();
    expect(existsSync(path)).toBe(true);
  });

  it.runIf(HAS_PROC)('takes over a lock whose pid is live but was reused by a process that started later, and says so once', async () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const other = await liveProcess();
    plant(path, { pid: other.pid, procStart: String(Number(other.procStart) - 1), bootId: bootId() });
    const notices: string[] = [];
    const lock = acquireLock(path, 'rb', { notice: (t) => notices.push(t) });
    expect((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid).toBe(process.pid);
    expect(notices).toEqual([
      `runbook: took over a stale lock ${path}: its holder (pid ${other.pid} on ${hostname()}, started 2026-01-01T00:00:00Z, is no longer running)\n`,
    ]);
    lock.release();
  });

  it.runIf(HAS_PROC)('takes over a lock written before the machine last booted, even if its pid is live', async () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const other = await liveProcess();
    plant(path, { pid: other.pid, procStart: other.procStart!, bootId: '00000000-0000-0000-0000-000000000000' });
    acquireLock(path, 'rb').release();
  });

  it('refuses while the holder runs: same pid and, where /proc tells, same start time', async () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const other = await liveProcess();
    plant(path, { pid: other.pid, ...(other.procStart ? { procStart: other.procStart, bootId: bootId()! } : {}) });
    const e = thrown(() => acquireLock(path, 'rb'));
    expect(e.code).toBe('LOCKED');
    expect(e.message).toContain(`pid ${other.pid} on ${hostname()}`);
  });

  it('takes over a lock whose process is gone, and never assumes a holder on another host is gone', async () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    plant(path, { pid: dead.pid! });
    acquireLock(path, 'rb').release();

    plant(path, { pid: dead.pid!, host: `not-${hostname()}` });
    expect(thrown(() => acquireLock(path, 'rb')).code).toBe('LOCKED');
  });

  it('treats a pid that names a process group as no holder: locked while the file is fresh, taken over once it is old', () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    plant(path, { pid: -1 });
    expect(thrown(() => acquireLock(path, 'rb')).message).toContain('a process whose lock file cannot be read');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    acquireLock(path, 'rb').release();
  });

  it('never takes over a lock held from another host, however old its file', () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    plant(path, { pid: process.pid, host: `not-${hostname()}` });
    const old = new Date(Date.now() - 86_400_000);
    utimesSync(path, old, old);
    const e = thrown(() => acquireLock(path, 'rb'));
    expect(e.code).toBe('LOCKED');
    expect(e.message).toContain(`pid ${process.pid} on not-${hostname()}`);
    expect((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).host).toBe(`not-${hostname()}`);
  });

  it('takes over a torn lock file only once it is old, saying its holder left a file that cannot be read', () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    writeFileSync(path, '{"pid": 12', { mode: 0o600 });
    expect(thrown(() => acquireLock(path, 'rb')).code).toBe('LOCKED');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const notices: string[] = [];
    const lock = acquireLock(path, 'rb', { notice: (t) => notices.push(t) });
    expect(notices).toEqual([`runbook: took over a stale lock ${path}: its holder (left a lock file that cannot be read)\n`]);
    expect((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid).toBe(process.pid);
    lock.release();
  });

  it('lets one taker at a time take over a stale lock: a fresh takeover claim refuses, an old one is cleared', async () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    plant(path, { pid: dead.pid! });
    const claim = `${path}.takeover`;
    plant(claim, { pid: process.pid });
    expect(thrown(() => acquireLock(path, 'rb')).code).toBe('LOCKED');
    const old = new Date(Date.now() - 60_000);
    utimesSync(claim, old, old);
    acquireLock(path, 'rb').release();
    expect(existsSync(claim)).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it('releases once: a second release leaves the lock of the run that came next', () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const first = acquireLock(path, 'rb');
    first.release();
    const next = acquireLock(path, 'rb');
    first.release();
    expect(existsSync(path)).toBe(true);
    next.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a directory at the lock path with a clear message', () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    mkdirSync(path);
    const e = thrown(() => acquireLock(path, 'rb'));
    expect(e.code).toBe('LOCK_UNUSABLE');
    expect(e.message).toBe(
      `the lock path ${path} is a directory, not a file; give --lock a file name, such as ${join(path, 'runbook.lock')}`,
    );
    expect(statSync(path).isDirectory()).toBe(true);
  });

  it('never writes through a symbolic link at the lock path', () => {
    ws = createWorkspace();
    const target = ws.write('target', 'untouched');
    const path = ws.path('rb.lock');
    symlinkSync(target, path);
    const e = thrown(() => acquireLock(path, 'rb'));
    expect(e.code).toBe('LOCK_UNUSABLE');
    expect(e.message).toMatch(/is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('untouched');
  });

  it('refuses a folder other users can write, saying what to do', () => {
    ws = createWorkspace();
    const dir = ws.path('shared');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const e = thrown(() => acquireLock(join(dir, 'rb.lock'), 'rb'));
    expect(e.code).toBe('LOCK_UNUSABLE');
    expect(e.message).toBe(
      `the lock folder ${dir} can be written by other users (mode 777): they could plant or remove locks there. Run 'chmod go-w ${dir}', or give --lock a file in a folder only you can write`,
    );
    expect(existsSync(join(dir, 'rb.lock'))).toBe(false);
  });

  it.runIf(IS_ROOT)('refuses a folder owned by another user, even one holding a lock that names a live pid', async () => {
    ws = createWorkspace();
    const dir = ws.path('planted');
    mkdirSync(dir, { mode: 0o700 });
    const live = await liveProcess();
    plant(join(dir, 'rb.lock'), { pid: live.pid });
    chownSync(join(dir, 'rb.lock'), NOBODY, NOBODY);
    chownSync(dir, NOBODY, NOBODY);
    const e = thrown(() => acquireLock(join(dir, 'rb.lock'), 'rb'));
    expect(e.code).toBe('LOCK_UNUSABLE');
    expect(e.message).toMatch(
      new RegExp(
        `^the lock folder ${dir} belongs to uid ${NOBODY}, not to you \\(uid 0\\).*give --lock a file in a folder only you can write$`,
      ),
    );
  });

  it.runIf(IS_ROOT)('does not trust a lock file owned by another user', async () => {
    ws = createWorkspace();
    const path = ws.path('rb.lock');
    const live = await liveProcess();
    plant(path, { pid: live.pid });
    chownSync(path, NOBODY, NOBODY);
    const e = thrown(() => acquireLock(path, 'rb'));
    expect(e.code).toBe('LOCK_UNUSABLE');
    expect(e.message).toMatch(/belongs to uid 65534, not to you \(uid 0\), so it is not trusted/);
  });
});

describe('the default lock folder', () => {
  it('is per user: $XDG_RUNTIME_DIR/runbook-locks, else runbook-locks-<uid> in the temp folder, created 0700', () => {
    ws = createWorkspace();
    expect(defaultLockDir({ XDG_RUNTIME_DIR: ws.dir })).toBe(join(ws.dir, 'runbook-locks'));
    const uid = process.getuid?.();
    expect(defaultLockDir({})).toBe(join(tmpdir(), uid === undefined ? 'runbook-locks' : `runbook-locks-${uid}`));

    const path = defaultLockPath(ws.path('rb.yaml'), 'rb', { XDG_RUNTIME_DIR: ws.dir });
    expect(path).toMatch(new RegExp(`^${join(ws.dir, 'runbook-locks')}/rb-[0-9a-f]{16}\\.lock$`));
    acquireLock(path, 'rb').release();
    expect(statSync(join(ws.dir, 'runbook-locks')).mode & 0o777).toBe(0o700);
  });
});
