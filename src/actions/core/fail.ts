// core.fail: stops a runbook on purpose, usually under an `if:` that detects a condition to refuse.

import { defineAction } from '../../contracts/action.js';
import { RunbookError } from '../../errors.js';

export default defineAction<{ message: string }>({
  name: 'core.fail',
  description: 'Fails with `message` (error code FAILED_ON_PURPOSE). Put it under an `if:` to stop a runbook when a condition holds.',
  mutates: true,
  // It only fails: it never changes anything, so a revert has nothing to undo and passes over it.
  changesNothing: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: { message: { type: 'string', minLength: 1, description: 'Why the runbook stops here.' } },
  },
  probe: async (op) => ({ outcome: 'would fail', reason: op.inputs.message }),
  run: async (op) => {
    throw new RunbookError('FAILED_ON_PURPOSE', op.inputs.message);
  },
});
