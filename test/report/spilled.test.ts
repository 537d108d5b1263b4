// A large step's records read back from the journal: the list must behave as the array it replaces,
// whatever order the operations finished in, and say clearly when the journal is not what was written.

import { truncateSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournal } from '../../src/report/journal.js';
import { spilledOperations, type SpilledLines } from '../../src/report/spilled.js';
import type { OperationRecord } from '../../src/report/types.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { createWorkspace } from '../helpers/workspace.js';

const ws = createWorkspace();
afterAll(() => ws.remove());

/** Writes `count` op events to a journal in a shuffled order, as a step running concurrently would. */
function spill(name: string, count: number, filler = ''): { lines: SpilledLines; expected: OperationRecord[] } {
  const journal = openJournal(ws.path(name), new Redactor());
  journal.write({ type: 'run', journalVersion: 1, runId: 'r', runbook: { name: 'n', file: 'f', sha256: 's' }, mode: 'run', params: {}, startedAt: 't', steps: [] });
  const expected = Array.from({ length: count }, (_, i): OperationRecord => ({
    key: `stop/host=${i + 1}${filler}`,
    status: i % 7 === 0 ? 'failed' : 'changed',
    attempts: 1,
    durationMs: i,
    ...(i % 7 === 0 ? { error: { code: 'NOT_FOUND', message: `host ${i + 1} has no such process` } } : {}),
  }));
  // Finishing order: each block of 64 in reverse, so that lines are near, but not in, the step's order.
  const order = expected.map((_, i) => i).sort((a, b) => Math.floor(a / 64) - Math.floor(b / 64) || b - a);
  const offsets = new Float64Array(count);
  const lengths = new Uint32Array(count);
  for (const i of order) {
    const at = journal.position!;
    journal.write({ type: 'op', step: 'stop', record: { ...expected[i]!, outputs: { process: { id: i } } } });
    offsets[i] = at;
    lengths[i] = journal.position! - at - 1;
  }
  journal.close();
  return { lines: { file: journal.file!, offsets, lengths }, expected };
}

describe('spilledOperations', () => {
  it('reads every record back in the step order, without the outputs, and behaves as an array', () => {
    const { lines, expected } = spill('small.jsonl', 500);
    const list = spilledOperations(lines);
    expect(Array.isArray(list)).toBe(true);
    expect(list).toHaveLength(500);
    expect(list[0]).toEqual(expected[0]);
    expect(list[499]).toEqual(expected[499]);
    expect(list[500]).toBeUndefined();
    expect([...list]).toEqual(expected);
    expect(list.filter((o) => o.status === 'failed').map((o) => o.key)).toEqual(expected.filter((o) => o.status === 'failed').map((o) => o.key));
    expect(JSON.stringify(list)).toBe(JSON.stringify(expected));
    expect(Object.keys(list)).toEqual(Object.keys(expected));
    expect(list.some((o) => 'outputs' in o)).toBe(false);
    expect(1 in list && !(500 in list)).toBe(true);
  });

  it('reads a journal of many megabytes with operations finished out of order', () => {
    const { lines, expected } = spill('large.jsonl', 30_000, '/'.padEnd(120, 'x'));
    const list = spilledOperations(lines);
    let i = 0;
    for (const record of list) expect(record.key).toBe(expected[i++]!.key);
    expect(i).toBe(30_000);
    // Backwards too: every access stays correct when it falls outside what was read last.
    for (let j = 29_999; j >= 0; j -= 997) expect(list[j]).toEqual(expected[j]);
  });

  it('refuses to be changed', () => {
    const { lines } = spill('readonly.jsonl', 3);
    const list = spilledOperations(lines);
    expect(() => {
      list[0] = { key: 'x', status: 'changed', attempts: 0, durationMs: 0 };
    }).toThrow(TypeError);
    expect(() => list.push({ key: 'x', status: 'changed', attempts: 0, durationMs: 0 })).toThrow(TypeError);
  });

  it('says which operation it cannot find when the journal was cut short', () => {
    const { lines } = spill('cut.jsonl', 100);
    truncateSync(lines.file, lines.offsets[50]! + 5);
    const list = spilledOperations(lines);
    expect(() => [...list]).toThrow(/journal .*cut\.jsonl ends before the line of operation/);
  });
});
