// A large step's records, left in the journal by the report's fold and read back when the report is
// written: every record in the step's order, whatever order the operations finished in, and a clear
// error when the journal is not what was written.

import { truncateSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportBuilder, reportFromJournalFile } from '../../src/report/builder.js';
import { JournalRecords } from '../../src/report/journal-records.js';
import { openJournal, type JournalEvent } from '../../src/report/journal.js';
import { toJson } from '../../src/report/write.js';
import type { OperationRecord } from '../../src/report/types.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { createWorkspace } from '../helpers/workspace.js';

const ws = createWorkspace();
afterAll(() => ws.remove());

/**
 * Writes a run of one step of `count` operations to a journal, its op events in a shuffled order as a
 * step running concurrently would, folding each event with where its line is, as a live run does.
 */
function spill(
  name: string,
  count: number,
  filler = '',
): { builder: ReportBuilder; file: string; expected: OperationRecord[]; offsets: number[] } {
  const journal = openJournal(ws.path(name), new Redactor());
  const builder = new ReportBuilder(journal.file);
  const emit = (event: JournalEvent): number | undefined => {
    const place = journal.write(event);
    builder.apply(event, place);
    return place?.offset;
  };
  const expected = Array.from(
    { length: count },
    (_, i): OperationRecord => ({
      key: `stop/host=${i + 1}${filler}`,
      status: i % 7 === 0 ? 'failed' : 'changed',
      attempts: 1,
      durationMs: i,
      ...(i % 7 === 0 ? { error: { code: 'NOT_FOUND', message: `host ${i + 1} has no such process` } } : {}),
    }),
  );
  emit({
    type: 'run',
    journalVersion: 1,
    runId: 'r',
    runbook: { name: 'n', file: 'f', sha256: 's' },
    mode: 'run',
    params: {},
    startedAt: '2026-01-01T00:00:00.000Z',
    steps: [{ id: 'stop', action: 'ocp.stopAgentProcess' }],
  });
  emit({ type: 'step', id: 'stop', startedAt: '2026-01-01T00:00:00.000Z', keys: expected.map((r) => r.key) });
  // Finishing order: each block of 64 in reverse, so that lines are near, but not in, the step's order.
  const order = expected.map((_, i) => i).sort((a, b) => Math.floor(a / 64) - Math.floor(b / 64) || b - a);
  const offsets: number[] = [];
  for (const i of order) offsets[i] = emit({ type: 'op', step: 'stop', record: { ...expected[i]!, outputs: { process: { id: i } } } })!;
  emit({ type: 'stepEnd', id: 'stop', status: 'succeeded', durationMs: 1 });
  emit({ type: 'end', status: 'succeeded', finishedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000 });
  journal.close();
  return { builder, file: journal.file!, expected, offsets };
}

describe('a large step folded with its journal', () => {
  it('reads every record back in the step order, without the outputs', () => {
    const { builder, expected } = spill('small.jsonl', 1500);
    const step = builder.build().steps[0]!;
    expect(step.operations).toBeInstanceOf(JournalRecords);
    expect(step.operations).toHaveLength(1500);
    expect([...step.operations]).toEqual(expected);
    expect(step.summary).toEqual({ total: 1500, changed: 1500 - 215, unchanged: 0, failed: 215, skipped: 0 });
  });

  it('is written to JSON as the list it stands for', () => {
    const { builder, expected } = spill('json.jsonl', 1200);
    const report = builder.build();
    expect(JSON.parse(toJson(report)).steps[0].operations).toEqual(expected);
    expect(JSON.parse(JSON.stringify(report)).steps[0].operations).toEqual(expected);
  });

  it('reads a journal of many megabytes with operations finished out of order, the same as rebuilt from the file', () => {
    const { builder, file, expected } = spill('large.jsonl', 30_000, '/'.padEnd(120, 'x'));
    let i = 0;
    for (const record of builder.build().steps[0]!.operations) expect(record.key).toBe(expected[i++]!.key);
    expect(i).toBe(30_000);
    expect(toJson(reportFromJournalFile(file))).toBe(toJson(builder.build()));
  });

  it('says which operation it cannot find when the journal was cut short', () => {
    const { builder, file, offsets } = spill('cut.jsonl', 1100);
    truncateSync(file, offsets[50]! + 5);
    const operations = builder.build().steps[0]!.operations;
    expect(() => [...operations]).toThrow(/journal .*cut\.jsonl ends before the line of operation \d+: was it changed or truncated/);
  });

  it('keeps in memory the records whose line the journal could not take', () => {
    const builder = new ReportBuilder(ws.path('never-written.jsonl'));
    const keys = Array.from({ length: 1001 }, (_, i) => `k${i}`);
    builder.apply({
      type: 'run',
      journalVersion: 1,
      runId: 'r',
      runbook: { name: 'n', file: 'f', sha256: 's' },
      mode: 'run',
      params: {},
      startedAt: '2026-01-01T00:00:00.000Z',
      steps: [{ id: 's', action: 'a' }],
    });
    builder.apply({ type: 'step', id: 's', startedAt: '2026-01-01T00:00:00.000Z', keys });
    builder.apply({ type: 'op', step: 's', record: { key: 'k0', status: 'changed', attempts: 1, durationMs: 1, outputs: { x: 1 } } });
    const step = builder.build().steps[0]!;
    const records = [...step.operations];
    expect(records[0]).toEqual({ key: 'k0', status: 'changed', attempts: 1, durationMs: 1 });
    // The run did not end: what has no record is failed with CANCELLED, never dropped.
    expect(records[1]).toMatchObject({ key: 'k1', status: 'failed', error: { code: 'CANCELLED' } });
    expect(step.summary).toEqual({ total: 1001, changed: 1, unchanged: 0, failed: 1000, skipped: 0 });
  });
});
