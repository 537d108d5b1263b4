// `runbook report REPORT|JOURNAL`: rebuild the report of a run from its journal, after a crash or a kill -9,
// or write the JUnit, Markdown and HTML of a report again.

import { loadPreviousRun } from '../report/previous-run.js';
import type { Report } from '../report/types.js';
import { Redactor } from '../secrets/redactor.js';
import { escapeJsonForTerminal } from '../secrets/untrusted-text.js';
import { RunbookError, ValidationError } from '../errors.js';
import { formatArtifactFailures, writeArtifacts } from './artifacts.js';
import { checkOutputPaths, outputPathsOf } from './output-paths.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatFailures, formatRunSummary } from './format.js';
import type { CliIo } from './io.js';
import { resolvePath } from './load-for-command.js';
import { toJson } from '../report/write.js';

export interface ReportCommandOptions {
  journal: string;
  out?: string;
  junit?: string;
  summaryMd?: string;
  html?: string;
}

export async function reportCommand(options: ReportCommandOptions, io: CliIo): Promise<ExitCode> {
  const paths = {
    report: options.out && resolvePath(io, options.out),
    junit: options.junit && resolvePath(io, options.junit),
    summaryMd: options.summaryMd && resolvePath(io, options.summaryMd),
    html: options.html && resolvePath(io, options.html),
  };
  const problems = checkOutputPaths(outputPathsOf({ out: paths.report, junit: paths.junit, summaryMd: paths.summaryMd, html: paths.html }));
  if (problems.length > 0) throw new ValidationError(problems);
  const file = resolvePath(io, options.journal);
  // A journal (by its first line) is rebuilt; a JSON report is read as it is.
  const report = await loadPreviousRun(file);
  const problem = writtenFieldProblem(report);
  if (problem !== undefined) throw new RunbookError('SCHEMA', `${file}: ${problem}; is this a report runbook wrote?`);
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

/** What the writers read of a report beyond what `loadPreviousRun` checks: the summaries, times and step names. */
function writtenFieldProblem(report: Report): string | undefined {
  const isCounts = (c: unknown): boolean =>
    c !== null &&
    typeof c === 'object' &&
    ['total', 'changed', 'unchanged', 'failed', 'skipped'].every((k) => typeof (c as Record<string, unknown>)[k] === 'number');
  if (typeof report.runbook.name !== 'string') return 'it has no "runbook.name"';
  if (typeof report.startedAt !== 'string' || typeof report.finishedAt !== 'string' || typeof report.durationMs !== 'number')
    return 'it has no "startedAt", "finishedAt" or "durationMs"';
  if (!isCounts(report.summary)) return 'its "summary" is not a count of operations';
  for (const [s, step] of report.steps.entries()) {
    if (typeof step.id !== 'string' || typeof step.action !== 'string' || typeof step.status !== 'string')
      return `"steps[${s}]" has no "id", "action" or "status"`;
    if (!isCounts(step.summary) || typeof step.durationMs !== 'number') return `"steps[${s}]" has no "summary" or "durationMs"`;
  }
  return undefined;
}
