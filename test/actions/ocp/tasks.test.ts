// Reading OCP task answers: the lenient parsing that lets ocp.stopAgent and ocp.restartAgent follow a task
// whatever the OCP version names its fields, and which statuses end the wait.

import { describe, expect, it } from 'vitest';
import { taskFromAnswer, taskOutcome } from '../../../src/actions/ocp/tasks.js';

describe('taskFromAnswer', () => {
  it('reads the task in the data of an OCP envelope, keeping every field', () => {
    const body = { successful: true, data: { id: 100001, name: 'Stop host agent (ob-host-20)', status: 'RUNNING', hostId: 20 } };
    expect(taskFromAnswer(body, 'x')).toEqual({ id: 100001, name: 'Stop host agent (ob-host-20)', status: 'RUNNING', hostId: 20 });
  });

  it('accepts taskId or taskInstanceId, an id written as digits, and state for status', () => {
    expect(taskFromAnswer({ data: { taskId: '42', state: 'SUCCESSFUL' } }, 'x')).toMatchObject({ id: 42, status: 'SUCCESSFUL' });
    expect(taskFromAnswer({ data: { taskInstanceId: 7, status: 'FAILED' } }, 'x')).toMatchObject({ id: 7, status: 'FAILED' });
  });

  it('takes a bare task id as a task still running', () => {
    expect(taskFromAnswer({ data: 9 }, 'x')).toEqual({ id: 9, status: 'RUNNING' });
  });

  it('counts a task with no status, or an empty one, as still running, and drops a name that is not text', () => {
    expect(taskFromAnswer({ data: { id: 3, name: null } }, 'x')).toEqual({ id: 3, status: 'RUNNING' });
    expect(taskFromAnswer({ data: { id: 3, status: '' } }, 'x')).toEqual({ id: 3, status: 'RUNNING' });
  });

  it.each([
    ['no data', { successful: true }],
    ['an id that is not a whole number', { data: { id: 'abc', status: 'RUNNING' } }],
    ['a fractional id', { data: { id: 1.5 } }],
    ['a list', { data: [{ id: 1 }] }],
    ['null', { data: null }],
  ])('refuses an answer with %s as BAD_RESPONSE, saying what it was for', (_what, body) => {
    expect(() => taskFromAnswer(body, 'the agent stop of host 20')).toThrow(
      expect.objectContaining({ code: 'BAD_RESPONSE', message: expect.stringContaining('the agent stop of host 20 without a task id') }),
    );
  });
});

describe('taskOutcome', () => {
  it.each(['SUCCESSFUL', 'SUCCESS', 'succeeded'])('counts %s as succeeded', (status) => {
    expect(taskOutcome({ id: 1, status })).toBe('succeeded');
  });

  it.each(['FAILED', 'FAILURE', 'ABORTED', 'CANCELED', 'cancelled'])('counts %s as failed', (status) => {
    expect(taskOutcome({ id: 1, status })).toBe('failed');
  });

  it.each(['RUNNING', 'READY', 'PENDING', 'ROLLING_BACK', 'SOMETHING_NEW'])('keeps waiting on %s', (status) => {
    expect(taskOutcome({ id: 1, status })).toBe('running');
  });
});
