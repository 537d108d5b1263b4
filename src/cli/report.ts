// `runbook report JOURNAL`: rebuild the report of a run from its journal, after a crash or a kill -9.

import { reportFromJournal } from '../report/builder.js';
import { readJournal } from '../report/journal.js';
import { Redactor } from '../secrets/redactor.js';
import { escapeJsonForTerminal } from '../secrets/untrusted-text.js';
import { writeArtifacts } from './artifacts.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatFailures, formatRunSummary } from './format.js';
import type { CliIo } from './io.js';
import { resolvePath } from './session.js';
import { toJson } from '../report/write.js';

export interface ReportCommandOptions {
  journal: string;
  out?: string;
  junit?: string;
  summaryMd?: string;
}

export async function reportCommand(options: ReportCommandOptions, io: CliIo): Promise<ExitCode> {
  const report = reportFromJournal(await readJournal(resolvePath(io, options.journal)));
  const redactor = new Redactor();
  const paths = {
    report: options.out && resolvePath(io, options.out),
    junit: options.junit && resolvePath(io, options.junit),
    summaryMd: options.summaryMd && resolvePath(io, options.summaryMd),
  };
  await writeArtifacts(report, paths, redactor);
  if (!options.out) io.stdout.write(escapeJsonForTerminal(toJson(report)));
  else io.stdout.write(formatRunSummary(report, options.out) + (report.status === 'succeeded' ? '' : formatFailures(report)));
  return EXIT.OK;
}
