// The files a run leaves behind: the JSON report (atomically), JUnit XML and a Markdown summary,
// all derived from the same report, and all redacted.

import { join } from 'node:path';
import { RunbookError } from '../errors.js';
import { renderJunit } from '../report/junit.js';
import { renderSummaryMarkdown } from '../report/markdown.js';
import type { RunReport } from '../report/types.js';
import { toJson, writeFileAtomic } from '../report/write.js';
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

export async function writeArtifacts(report: RunReport, paths: ArtifactPaths, redactor: Redactor): Promise<void> {
  const safe = redactor.redactValue(report);
  const writes: [string | undefined, () => string][] = [
    [paths.report, () => toJson(safe)],
    [paths.junit, () => renderJunit(safe)],
    [paths.summaryMd, () => renderSummaryMarkdown(safe)],
  ];
  for (const [file, render] of writes) {
    if (file === undefined) continue;
    try {
      await writeFileAtomic(file, redactor.redact(render()));
    } catch (e) {
      throw new RunbookError('USAGE', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}
