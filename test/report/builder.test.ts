// Folding journal events into a report: the same fold for a live run and a journal read back.

import { describe, expect, it } from 'vitest';
import { reportFromJournal } from '../../src/report/builder.js';
import type { JournalEvent } from '../../src/report/journal.js';
import { MAX_OPERATIONS_WITH_OUTPUTS } from '../../src/report/types.js';

function journalOfOneStep(operations: number): JournalEvent[] {
  const keys = Array.from({ length: operations }, (_, i) => `stop/host=${i + 1}`);
  return [
    {
      type: 'run',
      journalVersion: 1,
      runId: 'r1',
      runbook: { name: 'rb', file: 'rb.yaml', sha256: '0'.repeat(64) },
      mode: 'run',
      params: {},
      startedAt: '2025-01-01T00:00:00.000Z',
      steps: [{ id: 'stop', action: 'ocp.stopAgentProcess' }],
    },
    { type: 'step', id: 'stop', startedAt: '2025-01-01T00:00:00.000Z', keys },
    ...keys.map(
      (key): JournalEvent => ({
        type: 'op',
        step: 'stop',
        record: { key, status: 'changed', attempts: 1, durationMs: 1, outputs: { process: { status: 'STOPPED' } } },
      }),
    ),
    {
      type: 'stepEnd',
      id: 'stop',
      status: 'succeeded',
      durationMs: 5,
      outputs: { items: keys.map(() => ({ process: { status: 'STOPPED' } })) },
    },
    { type: 'end', status: 'succeeded', finishedAt: '2025-01-01T00:00:01.000Z', durationMs: 1000 },
  ];
}

describe('reportFromJournal', () => {
  it('leaves the outputs of a step of more than MAX_OPERATIONS_WITH_OUTPUTS operations to the journal', () => {
    const report = reportFromJournal(journalOfOneStep(MAX_OPERATIONS_WITH_OUTPUTS + 1));
    const step = report.steps[0]!;
    expect(step.operations).toHaveLength(MAX_OPERATIONS_WITH_OUTPUTS + 1);
    expect(step.operations.every((o) => !('outputs' in o) && o.status === 'changed')).toBe(true);
    expect(step.outputs).toBeUndefined();
    expect(report.summary).toMatchObject({ total: MAX_OPERATIONS_WITH_OUTPUTS + 1, changed: MAX_OPERATIONS_WITH_OUTPUTS + 1 });
  });

  it('keeps the outputs of a step of MAX_OPERATIONS_WITH_OUTPUTS operations', () => {
    const report = reportFromJournal(journalOfOneStep(MAX_OPERATIONS_WITH_OUTPUTS));
    const step = report.steps[0]!;
    expect(step.operations.every((o) => (o.outputs?.process as { status?: string }).status === 'STOPPED')).toBe(true);
    expect((step.outputs?.items as unknown[]).length).toBe(MAX_OPERATIONS_WITH_OUTPUTS);
  });

  // With a lookup per record in the list of keys, this took minutes (the test's own time limit catches it).
  it('folds a step of 100,000 operations, each once and in order', () => {
    const report = reportFromJournal(journalOfOneStep(100_000));
    const keys = report.steps[0]!.operations.map((o) => o.key);
    expect(keys).toHaveLength(100_000);
    expect(keys[99_999]).toBe('stop/host=100000');
    expect(new Set(keys).size).toBe(100_000);
  });
});
