// What a run shows the person watching it: step headers, the live progress of a running step, step ends.

import type { EventSink } from '../engine/executor.js';
import type { RunRecorder } from '../report/builder.js';
import { colourEnabled, painter } from './colour.js';
import { formatPlanStep, formatStepEnd, formatStepHeader } from './format.js';
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
  const output: ProgressOutput = {
    write: say,
    live: io.stdout.isTTY === true,
    columns: () => io.stdout.columns,
    paint: painter(colourEnabled(io.stdout, io.env)),
  };
  return {
    emit(event) {
      recorder.emit(event);
      // A running step's progress: not a preview's records, nor those of a step never started.
      if (event.type === 'op') running?.ended(event.record);
      if (event.type === 'stepEnd') {
        running?.finish();
        running = undefined;
        say(formatStepEnd(event));
      }
    },
    operationStarted() {
      running?.started();
    },
    stepPlanned(resolved) {
      stepNumber += 1;
      say(formatPlanStep(resolved, `Step ${stepNumber}/${steps}`));
    },
    stepStarted(step, operations) {
      stepNumber += 1;
      say(formatStepHeader(stepNumber, steps, step.id, step.action, operations));
      if (!options.quiet) running = new StepProgress(operations, output);
    },
  };
}
