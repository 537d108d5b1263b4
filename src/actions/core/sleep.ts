// core.sleep: waits, for example between stopping peers and checking on them. Cancellable.

import { defineAction } from '../../contracts/action.js';
import { RunbookError } from '../../errors.js';
import { DURATION_PATTERN, parseDuration } from '../../common/durations.js';

export default defineAction<{ duration: string }>({
  name: 'core.sleep',
  description: 'Waits for `duration` (e.g. 30s); cancellable. Always `unchanged`. Previews do not wait.',
  mutates: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['duration'],
    properties: { duration: { type: 'string', pattern: DURATION_PATTERN, description: 'How long to wait: 500ms, 30s, 5m, 1h.' } },
  },
  plan: (inputs) => [{ key: `sleep=${inputs.duration}`, inputs }],
  async run(op, ctx) {
    const ms = parseDuration(op.inputs.duration);
    if (ms === undefined)
      throw new RunbookError('INVALID_INPUT', `'${op.inputs.duration}' is not a duration; write it like 500ms, 30s or 5m`);
    await ctx.sleep(ms);
    return { status: 'unchanged' };
  },
  // It waits: it never changes anything: there is nothing to undo.
  revert: () => null,
});
