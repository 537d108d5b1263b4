// core.revert: undoes what this run has changed so far, in onFailure: and finally: steps. The engine runs
// it (engine/handlers.ts): the inverse of every operation of the main steps that ended `changed`, with the
// inverse rules of `runbook revert`, each undone step under its own settings.

import { defineAction } from '../../contracts/action.js';
import { RunbookError } from '../../errors.js';

export interface RevertInputs {
  steps?: string[];
  skipIrreversible?: boolean;
}

export default defineAction<RevertInputs>({
  name: 'core.revert',
  description:
    'Undoes what this run has changed so far in its main steps (or only in `steps`), as `runbook revert` would: steps in reverse order, each under its own concurrency, budget, rollout, retries and timeouts. Allowed in onFailure: and finally: only.',
  mutates: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      steps: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', minLength: 1 },
        description: 'The ids of the main steps to undo (default: every main step).',
      },
      skipIrreversible: {
        type: 'boolean',
        description: 'Leave alone what steps whose action declares no inverse changed, instead of refusing the runbook (default false).',
      },
    },
  },
  plan: (inputs) => [{ key: 'revert', inputs, unresolved: 'what it undoes is known once the main steps have run' }],
  run: async () => {
    throw new RunbookError('INTERNAL', 'core.revert is run by the engine in onFailure: and finally: only');
  },
});
