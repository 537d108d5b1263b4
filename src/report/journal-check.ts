// What a journal line must hold for the report to be built from it: each event's type and every field the
// report builder, the JUnit and Markdown writers and `--resume` read. A journal is read back after a crash
// or copied from another machine, so it is checked like any other input.

import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

const text = { type: 'string' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const duration = { type: 'number', minimum: 0 } as const;
const object = { type: 'object' } as const;

const operationError = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: text, message: text, details: object },
} as const;

const record = {
  type: 'object',
  required: ['key', 'status', 'attempts', 'durationMs'],
  properties: {
    key: text,
    status: { enum: ['changed', 'unchanged', 'failed', 'skipped'] },
    attempts: count,
    durationMs: duration,
    startedAt: text,
    request: { type: 'object', required: ['method', 'url'], properties: { method: text, url: text } },
    response: { type: 'object', required: ['status'], properties: { status: { type: 'integer' }, traceId: text } },
    error: operationError,
    reason: text,
    outputs: object,
  },
} as const;

const outlines = {
  type: 'array',
  items: { type: 'object', required: ['id', 'action'], properties: { id: text, name: text, action: text, connection: text } },
} as const;

/** One schema per event type, so that a problem is told in terms of the event it is in. */
const EVENT_SCHEMAS = {
  run: {
    type: 'object',
    required: ['journalVersion', 'runId', 'runbook', 'mode', 'params', 'startedAt', 'steps'],
    properties: {
      journalVersion: { type: 'integer' },
      runId: text,
      runbook: { type: 'object', required: ['name', 'file', 'sha256'], properties: { name: text, file: text, sha256: text } },
      mode: { enum: ['run', 'dry-run'] },
      params: object,
      startedAt: text,
      steps: outlines,
      onFailure: outlines,
      finally: outlines,
      resumedFrom: text,
      revertOf: text,
    },
  },
  step: {
    type: 'object',
    required: ['id', 'startedAt', 'keys'],
    properties: {
      id: text,
      startedAt: text,
      keys: { type: 'array', items: text },
      maxErrors: count,
      outline: {
        type: 'object',
        required: ['id', 'action', 'part', 'parent', 'undoes'],
        properties: { id: text, action: text, connection: text, part: { enum: ['onFailure', 'finally'] }, parent: text, undoes: text },
      },
    },
  },
  op: { type: 'object', required: ['step', 'record'], properties: { step: text, record } },
  stepEnd: {
    type: 'object',
    required: ['id', 'status', 'durationMs'],
    properties: {
      id: text,
      status: { enum: ['succeeded', 'failed', 'skipped', 'cancelled'] },
      reason: text,
      continueOnError: { type: 'boolean' },
      durationMs: duration,
      outputs: object,
    },
  },
  end: {
    type: 'object',
    required: ['status', 'finishedAt', 'durationMs'],
    properties: {
      status: { enum: ['succeeded', 'failed', 'cancelled'] },
      finishedAt: text,
      durationMs: duration,
      signal: text,
      error: operationError,
    },
  },
} as const;

type EventType = keyof typeof EVENT_SCHEMAS;
const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

const requireFromHere = createRequire(import.meta.url);
// A lazily built constant, not state: compiled by the first journal read (`runbook report`, `--resume`).
let compiled: Record<EventType, ValidateFunction> | undefined;

function validators(): Record<EventType, ValidateFunction> {
  if (!compiled) {
    const { Ajv } = requireFromHere('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
    compiled = Object.fromEntries(EVENT_TYPES.map((t) => [t, ajv.compile(EVENT_SCHEMAS[t])])) as Record<EventType, ValidateFunction>;
  }
  return compiled;
}

/** What is wrong with one parsed journal line, in words; undefined when it is a well-formed event. */
export function journalEventProblem(event: unknown): string | undefined {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return `the line is ${event === null ? 'null' : Array.isArray(event) ? 'a list' : `a ${typeof event}`}, not a journal event (an object)`;
  }
  const type = (event as { type?: unknown }).type;
  if (typeof type !== 'string' || !(EVENT_TYPES as string[]).includes(type)) {
    return type === undefined
      ? `the event has no "type" (one of ${EVENT_TYPES.join(', ')})`
      : `unknown event type ${JSON.stringify(type)} (expected one of ${EVENT_TYPES.join(', ')})`;
  }
  const validate = validators()[type as EventType];
  if (validate(event)) return undefined;
  return describe(type, (validate.errors ?? [])[0]);
}

function describe(type: string, e: ErrorObject | undefined): string {
  const where = (path: string): string => path.slice(1).replace(/\//g, '.');
  if (!e) return `the "${type}" event is not valid`;
  if (e.keyword === 'required') {
    const missing = [where(e.instancePath), String(e.params.missingProperty)].filter((p) => p !== '').join('.');
    return `the "${type}" event has no "${missing}"`;
  }
  if (e.keyword === 'enum') {
    return `in the "${type}" event, "${where(e.instancePath)}" must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `in the "${type}" event, "${where(e.instancePath)}" ${e.message ?? 'is not valid'}`;
}
