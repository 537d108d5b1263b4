// One run of a runbook at a time: an exclusive lock file naming its holder. A lock left by a process
// that died is taken over (and the user is told); a live holder makes the second run exit at once.
//
// The lock must not be something another local user can plant or break: it lives in a folder that only
// its user can write, a lock file that is not a regular file owned by that user is refused, and links
// are never followed. A holder is identified by more than its pid, since pids are reused: on Linux the
// lock records the process start time and the boot id, and a holder is live only if both still match.

import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { RunbookError } from '../errors.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  runbook: string;
  /** Start time of the process, in clock ticks since boot (field 22 of /proc/<pid>/stat); Linux only. */
  procStart?: string;
  /** The boot the process belongs to (/proc/sys/kernel/random/boot_id); Linux only. */
  bootId?: string;
}

export interface RunLock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  /** Where the takeover of a stale lock is recorded. */
  log?: Logger;
  /** Tells the person running the command that a stale lock was taken over (one line). */
  notice?: (text: string) => void;
}

/** A takeover claim, or an unreadable lock file, older than this is stale (its writer died in the middle). */
const TAKEOVER_STALE_MS = 10_000;
/** A lock file is a line of JSON; anything larger is not one. */
const MAX_LOCK_BYTES = 64 * 1024;

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * The folder of default locks, one per user: `$XDG_RUNTIME_DIR/runbook-locks` when that variable is set,
 * else `<system temp folder>/runbook-locks-<uid>`.
 */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return join(runtime, 'runbook-locks');
  const uid = process.getuid?.();
  return join(tmpdir(), uid === undefined ? 'runbook-locks' : `runbook-locks-${uid}`);
}

/** The default lock of a runbook: one per runbook file, in the user's lock folder. */
export function defaultLockPath(runbookFile: string, runbookName: string, env: NodeJS.ProcessEnv = process.env): string {
  const id = createHash('sha256').update(resolve(runbookFile)).digest('hex').slice(0, 16);
  return join(defaultLockDir(env), `${runbookName}-${id}.lock`);
}

/**
 * Takes the lock or throws LOCKED naming the holder (pid, host, start time). A lock whose holder is no
 * longer running on this host is taken over; one held from another host is never assumed dead. Throws
 * LOCK_UNUSABLE (with what to do) when the lock path or its folder cannot be trusted or written.
 */
export function acquireLock(path: string, runbook: string, options: LockOptions = {}): RunLock {
  prepareFolder(dirname(path));
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runbook, ...identityOf(process.pid) };
  if (tryCreate(path, me)) return held(path, me);

  const found = inspect(path);
  if (found === undefined) {
    // Removed between our attempt and our look: try once more, as a first taker.
    if (tryCreate(path, me)) return held(path, me);
    throw lockedError(path, inspect(path)?.holder);
  }
  if (!isStale(found)) throw lockedError(path, found.holder);
  // The holder is gone (or the file is unreadable and old): take over, but only one taker at a time.
  const claim = `${path}.takeover`;
  clearStaleClaim(claim);
  if (!tryCreate(claim, me)) throw lockedError(path, found.holder);
  try {
    const again = inspect(path);
    if (again && !isStale(again)) throw lockedError(path, again.holder);
    rmSync(path, { force: true });
    if (!tryCreate(path, me)) throw lockedError(path, inspect(path)?.holder);
    const was = found.holder ? `${describe(found.holder)}, is no longer running` : 'left a lock file that cannot be read';
    options.log?.info({ lock: path, stale: found.holder ?? 'unreadable' }, 'took over a stale lock');
    options.notice?.(`runbook: took over a stale lock ${path}: its holder (${was})\n`);
    return held(path, me);
  } finally {
    rmSync(claim, { force: true });
  }
}

function held(path: string, me: LockHolder): RunLock {
  let released = false;
  // Released on every way out of the process that runs code: a return, a throw, process.exit().
  const onExit = () => release();
  function release(): void {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    // Remove it only if it is still ours.
    try {
      const current = inspect(path);
      if (current?.holder && sameHolder(current.holder, me)) unlinkSync(path);
    } catch {
      // gone, or replaced by something that is not ours: leave it
    }
  }
  process.on('exit', onExit);
  return { path, release };
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt && a.procStart === b.procStart;
}

/** Creates the folder (0700) if needed, and refuses one that is not a folder or that other users can write. */
function prepareFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw unusable(`cannot create the lock folder ${dir} (${codeOf(e)}); give --lock a file in a folder you can write`);
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw unusable(`the lock folder ${dir} is not a folder; give --lock a file in a folder only you can write`);
  const uid = process.getuid?.();
  if (uid === undefined) return;
  if (st.uid !== uid && st.uid !== 0) {
    throw unusable(
      `the lock folder ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}): its owner could plant or remove locks there. ` +
        `Have it removed (by its owner or root) so that runbook creates its own, or give --lock a file in a folder only you can write`,
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw unusable(
      `the lock folder ${dir} can be written by other users (mode ${(st.mode & 0o7777).toString(8)}): they could plant or remove locks there. ` +
        `${st.uid === uid ? `Run 'chmod go-w ${dir}'` : 'Have its mode changed'}, or give --lock a file in a folder only you can write`,
    );
  }
}

/** Creates the file exclusively (never through a link), mode 0600, holding `holder`. False if it exists. */
function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw unusable(`cannot create the lock file ${path} (${codeOf(e)}); give --lock a file in a folder you can write`);
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } catch (e) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw unusable(`cannot write the lock file ${path} (${codeOf(e)}); give --lock a file in a folder you can write`);
  }
  closeSync(fd);
  return true;
}

interface FoundLock {
  holder: LockHolder | undefined;
  mtimeMs: number;
}

/**
 * Reads an existing lock file: undefined if there is none. Throws LOCK_UNUSABLE for anything but a
 * regular file owned by the current user (a folder, a link, a fifo, another user's file).
 */
function inspect(path: string): FoundLock | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw unusable(
        `the lock path ${path} is a symbolic link, and lock files are never followed through links; remove it, or give --lock another file`,
      );
    throw unusable(`cannot read the lock file ${path} (${code}); give --lock a file in a folder only you can write`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      throw unusable(`the lock path ${path} is a directory, not a file; give --lock a file name, such as ${join(path, 'runbook.lock')}`);
    }
    if (!st.isFile()) throw unusable(`the lock path ${path} is not a regular file; remove it, or give --lock another file`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw unusable(
        `the lock file ${path} belongs to uid ${st.uid}, not to you (uid ${uid}), so it is not trusted; ` +
          'if no run of this runbook is in progress, have it removed (by its owner or root), or give --lock a file in a folder only you can write',
      );
    }
    return { holder: st.size <= MAX_LOCK_BYTES ? parseHolder(readFileSync(fd, 'utf8')) : undefined, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const p = JSON.parse(text) as Partial<LockHolder>;
    // A pid of 0 or below names a process group, not a process: such a file is not a lock.
    if (!Number.isSafeInteger(p.pid) || p.pid! <= 0 || typeof p.host !== 'string') return undefined;
    return {
      pid: p.pid!,
      host: p.host,
      startedAt: String(p.startedAt ?? 'unknown'),
      runbook: String(p.runbook ?? ''),
      ...(typeof p.procStart === 'string' ? { procStart: p.procStart } : {}),
      ...(typeof p.bootId === 'string' ? { bootId: p.bootId } : {}),
    };
  } catch {
    return undefined; // torn or not JSON
  }
}

/** An unreadable lock file is being written, or its writer died: it is stale once it is old. */
function isStale(found: FoundLock): boolean {
  if (!found.holder) return Date.now() - found.mtimeMs > TAKEOVER_STALE_MS;
  return !isAlive(found.holder);
}

/**
 * A holder on another host is always live (its processes cannot be seen from here). On this host it is
 * live if the machine has not rebooted since, its pid exists, and that process started when the holder
 * did. Where /proc is missing (not Linux), the pid alone decides.
 */
export function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  const now = identityOf(holder.pid);
  if (holder.bootId && now.bootId && holder.bootId !== now.bootId) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if (codeOf(e) !== 'EPERM') return false;
  }
  if (holder.procStart === undefined || now.procStart === undefined) return true;
  return holder.procStart === now.procStart;
}

/** The start time and boot id of a process, from /proc; empty where /proc cannot tell. */
function identityOf(pid: number): { procStart?: string; bootId?: string } {
  const out: { procStart?: string; bootId?: string } = {};
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces and parentheses: the
    // fields after the last ')' start at field 3, so field 22 is the 20th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[19] && /^\d+$/.test(fields[19])) out.procStart = fields[19];
  } catch {
    // no such process, or no /proc
  }
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    if (bootId) out.bootId = bootId;
  } catch {
    // no /proc
  }
  return out;
}

function clearStaleClaim(claim: string): void {
  try {
    if (Date.now() - statSync(claim).mtimeMs > TAKEOVER_STALE_MS) rmSync(claim, { force: true });
  } catch {
    // no claim
  }
}

function describe(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`;
}

function lockedError(path: string, holder: LockHolder | undefined): RunbookError {
  const who = holder ? describe(holder) : 'a process whose lock file cannot be read';
  return new RunbookError(
    'LOCKED',
    `another run of this runbook is in progress (${who}); lock file ${path}. Wait for it to finish, or remove the file if you are sure it is not running`,
    { details: { lock: path, ...(holder ? { holder } : {}) } },
  );
}

function unusable(message: string): RunbookError {
  return new RunbookError('LOCK_UNUSABLE', message);
}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}
