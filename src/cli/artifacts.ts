// The files a run leaves behind: the JSON report (atomically), JUnit XML and a Markdown summary,
// all derived from the same report, and all redacted.

import { join } from 'node:path';
import { RunbookError } from '../errors.js';
import { writeJunit } from '../report/junit.js';
import { renderSummaryMarkdown } from '../report/markdown.js';
import type { RunReport } from '../report/types.js';
import { writeAtomic, writeFileAtomic, writeJsonAtomic, type JsonText } from '../report/write.js';
import type { Redactor } from '../secrets/redactor.js';

export interface ArtifactPaths {
  report?: string;
  junit?: string;
  summaryMd?: string;
}

/** `DIR/<runbook>-<UTC timestamp with ms>.json`, so that nightly runs keep their history side by side. */
export function reportPathInDir(dir: string, runbookName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '');
  return join(dir, `${runbookName}-${stamp}.json`);
}

/**
 * Writes the report, and JUnit XML and a Markdown summary when asked, all redacted. The report and the XML
 * are written as they are serialised, a megabyte at a time and redacted piece by piece, so that a report
 * of 100,000 operations is never held as one text or as a redacted copy.
 */
export async function writeArtifacts(report: RunReport, paths: ArtifactPaths, redactor: Redactor): Promise<void> {
  await writeOne(paths.report, () => writeJsonAtomic(paths.report as string, report, redactedJson(redactor)));
  // Both read the report as it is and redact every text they take from it (their own markup holds none):
  // no redacted copy of a report of 100,000 operations is made, and the JUnit XML is written a line at a time.
  const redact = (text: string): string => redactor.redact(text);
  await writeOne(paths.junit, () => writeAtomic(paths.junit as string, (write) => writeJunit(report, write, redact)));
  await writeOne(paths.summaryMd, () => writeFileAtomic(paths.summaryMd as string, renderSummaryMarkdown(report, { redact })));
}

/** JSON text with every secret of `redactor` replaced, piece by piece. */
export function redactedJson(redactor: Redactor): JsonText {
  return { value: (value) => redactor.stringify(value), key: (name) => redactor.redactJson(JSON.stringify(name)) };
}

async function writeOne(file: string | undefined, write: () => Promise<void>): Promise<void> {
  if (file === undefined) return;
  try {
    await write();
  } catch (e) {
    throw new RunbookError('USAGE', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
