// One run of a runbook at a time: an exclusive lock file naming its holder. A lock left by a process
// that died is taken over (and that is logged); a live holder makes the second run exit at once.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { RunbookError } from '../errors.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  runbook: string;
}

export interface RunLock {
  readonly path: string;
  release(): void;
}

/** A takeover claim older than this is itself stale (its taker died in the middle). */
const TAKEOVER_STALE_MS = 10_000;

/** The default lock of a runbook: one per runbook file, in the system's temporary folder. */
export function defaultLockPath(runbookFile: string, runbookName: string): string {
  const id = createHash('sha256').update(resolve(runbookFile)).digest('hex').slice(0, 16);
  return join(tmpdir(), 'runbook-locks', `${runbookName}-${id}.lock`);
}

/**
 * Takes the lock or throws LOCKED naming the holder (pid, host, start time). A lock whose holder is a
 * dead process on this host is taken over; one held from another host is never assumed dead.
 */
export function acquireLock(path: string, runbook: string, log: Logger): RunLock {
  mkdirSync(dirname(path), { recursive: true });
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runbook };
  if (tryCreate(path, me)) return held(path);

  const holder = readHolder(path);
  if (holder && isAlive(holder)) throw lockedError(path, holder);
  // The holder is gone (or the file is unreadable): take over, but only one taker at a time.
  const claim = `${path}.takeover`;
  clearStaleClaim(claim);
  if (!tryCreate(claim, me)) throw lockedError(path, holder);
  try {
    const again = readHolder(path);
    if (again && isAlive(again)) throw lockedError(path, again);
    rmSync(path, { force: true });
    if (!tryCreate(path, me)) throw lockedError(path, readHolder(path));
    log.warn({ lock: path, stale: holder ?? 'unreadable' }, 'took over a stale lock: its holder is no longer running');
    return held(path);
  } finally {
    rmSync(claim, { force: true });
  }
}

function held(path: string): RunLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Remove it only if it is still ours.
      const holder = readHolder(path);
      if (holder && holder.pid === process.pid && holder.host === hostname()) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}

function tryCreate(path: string, holder: LockHolder): boolean {
  try {
    writeFileSync(path, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RunbookError('USAGE', `cannot create the lock file ${path}: ${(e as Error).message}; use --lock FILE to put it elsewhere`);
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt ?? 'unknown'), runbook: String(parsed.runbook ?? '') };
    }
  } catch {
    // missing or torn: treated as unreadable
  }
  return undefined;
}

function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function clearStaleClaim(claim: string): void {
  try {
    if (Date.now() - statSync(claim).mtimeMs > TAKEOVER_STALE_MS) rmSync(claim, { force: true });
  } catch {
    // no claim
  }
}

function lockedError(path: string, holder: LockHolder | undefined): RunbookError {
  const who = holder
    ? `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`
    : 'a process whose lock file cannot be read';
  return new RunbookError(
    'LOCKED',
    `another run of this runbook is in progress (${who}); lock file ${path}. Wait for it to finish, or remove the file if you are sure it is not running`,
    { details: { lock: path, ...(holder ? { holder } : {}) } },
  );
}
