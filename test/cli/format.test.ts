// The plan's text for a very large step: one line per operation, keys aligned, however many there are.

import { describe, expect, it } from 'vitest';
import { formatPlanStep } from '../../src/cli/format.js';
import type { ResolvedStep } from '../../src/plan/types.js';

describe('formatPlanStep', () => {
  it('prints a step of 300,000 operations (too many to spread into Math.max) with its keys aligned', () => {
    const operations = Array.from({ length: 300_000 }, (_, i) => ({
      key: `stop/host=${i + 1}`,
      inputs: { hostId: i + 1 },
      requests: [{ method: 'POST' as const, url: `https://ocp.example.com/api/v2/compute/hosts/${i + 1}/stop` }],
    }));
    const step: ResolvedStep = { id: 'stop', action: 'ocp.stopAgentProcess', connection: 'ocp', disposition: 'planned', operations };
    const text = formatPlanStep(step, 'Step 1/1');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Step 1/1  stop  ocp.stopAgentProcess via ocp  (300000 operations)');
    // The longest key, 'stop/host=300000', sets the column where every request starts.
    expect(lines[1]).toBe(`  ${'stop/host=1'.padEnd('stop/host=300000'.length)}  POST https://ocp.example.com/api/v2/compute/hosts/1/stop`);
    expect(lines.filter((l) => l.includes(' POST https://')).length).toBe(300_000);
  });
});
