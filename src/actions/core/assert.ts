// core.assert: fails the step unless a condition holds, e.g. "fewer than 3 processes are running".

import { defineAction } from '../../contracts/action.js';
import { RunbookError } from '../../errors.js';

interface AssertInputs {
  that: boolean;
  message?: string;
}

export default defineAction<AssertInputs>({
  name: 'core.assert',
  description:
    'Fails (ASSERTION_FAILED) unless `that` is true. Write `that` as an expression, e.g. ' +
    '"${{ steps.list.outputs.processes.length < 3 }}". Read-only: it also runs in `plan --online`.',
  mutates: false,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['that'],
    properties: {
      that: { type: 'boolean', description: 'The condition, usually a ${{ }} expression that yields true or false.' },
      message: { type: 'string', description: 'What the failure says; defaults to naming the condition.' },
    },
  },
  run: async (op) => {
    if (op.inputs.that !== true) {
      throw new RunbookError('ASSERTION_FAILED', op.inputs.message ?? 'the assertion is false');
    }
    return { status: 'unchanged' };
  },
});
