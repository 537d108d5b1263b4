// What a run shows the person watching it: step headers, the live progress of a running step, step ends.

import type { EventSink } from '../engine/executor.js';
import type { RunRecorder } from '../report/builder.js';
import { colourEnabled, painter } from './colour.js';
import { formatHandlerHeader, formatPlanStep, formatRevertHeader, formatStepEnd, formatStepHeader } from './format.js';
import type { CliIo } from './io.js';
import { StepProgress, type ProgressOutput } from './progress.js';

/**
 * Sends each event to the report's fold, and shows the person watching what a running step does (see
 * progress.ts): nothing under --quiet, whose summary comes at the end.
 */
export function consoleSink(
  recorder: RunRecorder,
  steps: number,
  say: (text: string) => void,
  options: { quiet: boolean },
  io: CliIo,
): EventSink {
  let stepNumber = 0;
  let running: StepProgress | undefined;
  // The steps of onFailure and finally are shown under their part's name, not numbered with the steps.
  const partOf = new Map<string, string>();
  let part: string | undefined;
  let mainFailed = false;
  const output: ProgressOutput = {
    write: say,
    live: io.stdout.isTTY === true,
    columns: () => io.stdout.columns,
    paint: painter(colourEnabled(io.stdout, io.env)),
  };
  return {
    emit(event) {
      recorder.emit(event);
      if (event.type === 'run') {
        for (const outline of event.onFailure ?? []) partOf.set(outline.id, 'onFailure');
        for (const outline of event.finally ?? []) partOf.set(outline.id, 'finally');
      }
      if (event.type === 'step') part = event.outline?.part ?? partOf.get(event.id);
      // A running step's progress: not a preview's records, nor those of a step never started.
      if (event.type === 'op') running?.ended(event.record);
      if (event.type === 'stepEnd') {
        running?.finish();
        running = undefined;
        if (part === undefined && event.status === 'failed' && !event.continueOnError) mainFailed = true;
        // An onFailure step that did not run because nothing failed is the usual case: the report keeps it.
        if (!(part === 'onFailure' && event.status === 'skipped' && !mainFailed)) say(formatStepEnd(event));
      }
    },
    operationStarted() {
      running?.started();
    },
    stepPlanned(resolved) {
      if (part !== undefined) {
        say(formatPlanStep(resolved, part));
        return;
      }
      stepNumber += 1;
      say(formatPlanStep(resolved, `Step ${stepNumber}/${steps}`));
    },
    revertStarted(step, undoes) {
      say(formatRevertHeader(part ?? 'onFailure', step.id, undoes));
    },
    stepStarted(step, operations) {
      if (part !== undefined) say(formatHandlerHeader(part, step.id, step.action, operations));
      else {
        stepNumber += 1;
        say(formatStepHeader(stepNumber, steps, step.id, step.action, operations));
      }
      if (!options.quiet) running = new StepProgress(operations, output);
    },
  };
}
