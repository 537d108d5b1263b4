// The files a run leaves behind: the JSON report (atomically), JUnit XML, a Markdown summary and an HTML
// page, all derived from the same report, and all redacted.

import { join } from 'node:path';
import { renderHtmlReport } from '../report/html.js';
import { writeJunit } from '../report/junit.js';
import { renderSummaryMarkdown } from '../report/markdown.js';
import type { Report } from '../report/types.js';
import { writeAtomic, writeFileAtomic, writeJsonAtomic, type JsonText } from '../report/write.js';
import type { Redactor } from '../secrets/redactor.js';

export interface ArtifactPaths {
  report?: string;
  junit?: string;
  summaryMd?: string;
  html?: string;
}

/** `DIR/<runbook>-<UTC timestamp with ms>.json`, so that nightly runs keep their history side by side. */
export function reportPathInDir(dir: string, runbookName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '');
  return join(dir, `${runbookName}-${stamp}.json`);
}

/** A file that could not be written, and why (`ENOSPC`). */
export interface ArtifactFailure {
  file: string;
  reason: string;
}

/**
 * Writes the report, and JUnit XML, a Markdown summary and an HTML page when asked, all redacted. The report and the XML
 * are written as they are serialised, a megabyte at a time and redacted piece by piece, so that a report
 * of 100,000 operations is never held as one text or as a redacted copy. One that cannot be written (a
 * full disk) does not stop the others: the files that failed are returned, and nothing half-written is left.
 */
export async function writeArtifacts(report: Report, paths: ArtifactPaths, redactor: Redactor): Promise<ArtifactFailure[]> {
  const failures: ArtifactFailure[] = [];
  await writeOne(paths.report, () => writeJsonAtomic(paths.report as string, report, redactedJson(redactor)), failures);
  // They read the report as it is and redact every text they take from it (their own markup holds none):
  // no redacted copy of a report of 100,000 operations is made, and the JUnit XML is written a line at a time.
  const redact = (text: string): string => redactor.redact(text);
  await writeOne(paths.junit, () => writeAtomic(paths.junit as string, (write) => writeJunit(report, write, redact)), failures);
  await writeOne(paths.summaryMd, () => writeFileAtomic(paths.summaryMd as string, renderSummaryMarkdown(report, { redact })), failures);
  await writeOne(paths.html, () => writeFileAtomic(paths.html as string, renderHtmlReport(report, { redact })), failures);
  return failures;
}

/** One stderr line per file that could not be written: the run's outcome is told elsewhere. */
export function formatArtifactFailures(failures: readonly ArtifactFailure[]): string {
  return failures.map((f) => `runbook: cannot write ${f.file}: ${f.reason} [OUTPUT_WRITE]\n`).join('');
}

/** JSON text with every secret of `redactor` replaced, piece by piece. */
export function redactedJson(redactor: Redactor): JsonText {
  return { value: (value) => redactor.stringify(value), key: (name) => redactor.redactJson(JSON.stringify(name)) };
}

async function writeOne(file: string | undefined, write: () => Promise<void>, failures: ArtifactFailure[]): Promise<void> {
  if (file === undefined) return;
  try {
    await write();
  } catch (e) {
    failures.push({ file, reason: describeWriteError(e) });
  }
}

/** `ENOSPC (no space left on device)`: the code a script can match, and words for the person reading. */
export function describeWriteError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words = err.code ? (err.message.match(/^[A-Z]+: ([^,]+)/)?.[1] ?? '') : '';
  return err.code ? `${err.code}${words ? ` (${words})` : ''}` : String(err.message ?? e);
}
