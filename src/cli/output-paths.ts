// Checks every file a command will write before it starts, so that a run that could not leave its
// report is refused before its first request, with every problem at once, rather than failing after it
// changed something.

import { accessSync, constants, lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, parse, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { journalPathFor } from '../report/journal.js';

/**
 * One path a command will write, and how:
 * - `replaced`: a new file renamed over the path (report, journal, JUnit, Markdown);
 * - `appended`: a file written at its end (the log);
 * - `folder`: a folder new files are written in (`--report-dir`), created if its parent exists.
 */
export interface OutputPath {
  /** The flag that named it, for the message: `--junit`. */
  flag: string;
  path: string;
  kind: 'replaced' | 'appended' | 'folder';
}

/** Creates the folder of `--report-dir` when it does not exist yet (its parent was checked by `checkOutputPaths`). */
export function createReportFolder(path: string): void {
  try {
    mkdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** Every problem with the output paths, as diagnostics (code OUTPUT_PATH, exit code 2); empty when all can be written. */
export function checkOutputPaths(outputs: readonly OutputPath[]): Diagnostic[] {
  const problems: Diagnostic[] = [];
  // A file may go in a report folder that the run creates (`--report-dir D --log-file D/run.log`).
  const created = new Set(
    outputs
      .filter((o) => o.kind === 'folder' && statOf(o.path, statSync) === undefined && folderProblem(o.path) === undefined)
      .map((o) => resolve(o.path)),
  );
  for (const output of outputs) {
    const problem =
      output.kind === 'folder'
        ? folderProblem(output.path)
        : created.has(resolve(dirname(output.path)))
          ? undefined
          : fileProblem(output.path, output.kind);
    if (problem !== undefined) problems.push({ code: 'OUTPUT_PATH', message: `${output.flag} ${output.path}: ${problem}` });
  }
  return problems;
}

function fileProblem(path: string, kind: 'replaced' | 'appended'): string | undefined {
  const link = statOf(path, lstatSync);
  if (link?.isSymbolicLink()) {
    const target = statOf(path, statSync);
    // A device or a pipe behind a link (/dev/stdout) is written in place; a file is never written through one.
    if (target === undefined || !(target.isCharacterDevice() || target.isFIFO())) {
      return 'is a symbolic link; runbook does not write through links: give the path of the file itself';
    }
    return writable(path, constants.W_OK);
  }
  if (link?.isDirectory()) return 'is a folder; give the path of a file';
  if (link && (link.isCharacterDevice() || link.isFIFO())) return writable(path, constants.W_OK);
  if (link && !link.isFile()) return 'is not a regular file';
  // An existing log is written at its end; anything else is created beside its path and renamed over it.
  if (link && kind === 'appended') return writable(path, constants.W_OK);
  return parentProblem(dirname(path));
}

function folderProblem(path: string): string | undefined {
  const folder = statOf(path, statSync);
  if (folder) return folder.isDirectory() ? writable(path, constants.W_OK | constants.X_OK) : 'is not a folder';
  // A missing report folder is created, one level only, and never at the root of the file system.
  const parent = dirname(path);
  if (parse(resolve(parent)).root === resolve(parent)) return `the folder does not exist; create it first: mkdir -p ${path}`;
  const problem = parentProblem(parent);
  return problem === undefined ? undefined : `cannot create it: ${problem}`;
}

function parentProblem(parent: string): string | undefined {
  const folder = statOf(parent, statSync);
  if (!folder) return `the folder ${parent} does not exist; create it first: mkdir -p ${parent}`;
  if (!folder.isDirectory()) return `${parent} is not a folder`;
  const problem = writable(parent, constants.W_OK | constants.X_OK);
  return problem === undefined ? undefined : `the folder ${parent} ${problem}`;
}

/** `is not writable (EACCES)`, or undefined when it is. */
function writable(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (e) {
    return `is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
}

function statOf(path: string, stat: (path: string) => Stats): Stats | undefined {
  try {
    return stat(path);
  } catch {
    return undefined;
  }
}

/** The paths given to a command (already resolved against its working directory). */
export interface OutputFlags {
  report?: string;
  reportDir?: string;
  junit?: string;
  summaryMd?: string;
  logFile?: string;
  /** `runbook report --out`. */
  out?: string;
}

/** What `checkOutputPaths` checks for these flags: the report and its journal, each artifact, the log. */
export function outputPathsOf(flags: OutputFlags): OutputPath[] {
  const outputs: OutputPath[] = [];
  if (flags.report)
    outputs.push(
      { flag: '--report', path: flags.report, kind: 'replaced' },
      { flag: '--report', path: journalPathFor(flags.report), kind: 'replaced' },
    );
  if (flags.out) outputs.push({ flag: '--out', path: flags.out, kind: 'replaced' });
  if (flags.reportDir) outputs.push({ flag: '--report-dir', path: flags.reportDir, kind: 'folder' });
  if (flags.junit) outputs.push({ flag: '--junit', path: flags.junit, kind: 'replaced' });
  if (flags.summaryMd) outputs.push({ flag: '--summary-md', path: flags.summaryMd, kind: 'replaced' });
  if (flags.logFile) outputs.push({ flag: '--log-file', path: flags.logFile, kind: 'appended' });
  return outputs;
}
