// `runbook report JOURNAL`: rebuild the report of a run from its journal, after a crash or a kill -9.

import { reportFromJournalFile } from '../report/builder.js';
import { Redactor } from '../secrets/redactor.js';
import { escapeJsonForTerminal } from '../secrets/untrusted-text.js';
import { ValidationError } from '../errors.js';
import { formatArtifactFailures, writeArtifacts } from './artifacts.js';
import { checkOutputPaths, outputPathsOf } from './output-paths.js';
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
  const paths = {
    report: options.out && resolvePath(io, options.out),
    junit: options.junit && resolvePath(io, options.junit),
    summaryMd: options.summaryMd && resolvePath(io, options.summaryMd),
  };
  const problems = checkOutputPaths(outputPathsOf({ out: paths.report, junit: paths.junit, summaryMd: paths.summaryMd }));
  if (problems.length > 0) throw new ValidationError(problems);
  const report = reportFromJournalFile(resolvePath(io, options.journal));
  const redactor = new Redactor();
  const failures = await writeArtifacts(report, paths, redactor);
  const reportWritten = options.out !== undefined && !failures.some((f) => f.file === paths.report);
  if (!options.out) io.stdout.write(escapeJsonForTerminal(toJson(report)));
  else
    io.stdout.write(
      formatRunSummary(report, reportWritten ? options.out : undefined) + (report.status === 'succeeded' ? '' : formatFailures(report)),
    );
  if (failures.length === 0) return EXIT.OK;
  io.stderr.write(formatArtifactFailures(failures));
  return EXIT.OUTPUT_FAILED;
}
