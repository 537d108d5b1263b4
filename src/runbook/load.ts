// Loads a runbook file: reads it within a size limit, parses the YAML with positions, lets plugins
// register their actions, validates everything at once, and returns the validated Runbook.
// Whatever goes wrong, the only thing thrown is a ValidationError listing every problem with its place.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Registry } from '../actions/registry.js';
import { RunbookError, ValidationError, type Diagnostic } from '../errors.js';
import {
  DEFAULTS,
  type ConnectionSpec,
  type ParamSpec,
  type ParamType,
  type RetrySpec,
  type RolloutSpec,
  type Runbook,
  type StepSpec,
} from './model.js';
import { parseYaml, type SourceDocument } from './document.js';
import { parseDuration } from '../common/durations.js';
import { copyData, isPlainObject, setOwn } from '../common/plain-data.js';
import { validateRunbookData } from './validate.js';

/** A plugin module named in `plugins:`, with where it is written. */
export interface PluginSpec {
  specifier: string;
  line: number;
  column: number;
}

export interface LoadOptions {
  /** The actions and connection types steps may use. Plugins add theirs to it through `loadPlugins`. */
  registry: Registry;
  /** Refuse files larger than this many bytes (default DEFAULTS.maxFileBytes, 1 MiB). */
  maxBytes?: number;
  /**
   * Loads the modules named in `plugins:` into the registry. Called after the YAML is parsed and before
   * the steps are checked, so that plugin actions are known; its diagnostics are reported with the rest.
   */
  loadPlugins?: (specs: PluginSpec[], baseDir: string) => Promise<Diagnostic[]>;
}

/**
 * Reads, parses and validates a runbook file.
 * @throws ValidationError with every problem found (FILE_NOT_FOUND, FILE_TOO_LARGE, YAML_*, SCHEMA, ...).
 */
export async function loadRunbook(file: string, options: LoadOptions): Promise<Runbook> {
  try {
    const maxBytes = options.maxBytes ?? DEFAULTS.maxFileBytes;
    const bytes = await readWithinLimit(file, maxBytes);
    const text = decodeUtf8(bytes, file);
    return await parseText(text, bytes, file, options);
  } catch (error) {
    throw asValidationError(error, file);
  }
}

/**
 * Parses and validates runbook text as if read from `file` (used for positions, plugin paths and messages).
 * @throws ValidationError with every problem found.
 */
export async function parseRunbook(source: string, file: string, options: LoadOptions): Promise<Runbook> {
  try {
    const bytes = Buffer.from(source, 'utf8');
    const maxBytes = options.maxBytes ?? DEFAULTS.maxFileBytes;
    if (bytes.length > maxBytes) throw tooLarge(file, bytes.length, maxBytes);
    return await parseText(source, bytes, file, options);
  } catch (error) {
    throw asValidationError(error, file);
  }
}

/** What a file read by `readTextWithinLimit` holds, for its messages. */
export interface FileKind {
  /** As in "the runbook file x.yaml does not exist". */
  noun: string;
  /** What to do with a file over the size limit. */
  whenTooLarge: string;
}

const RUNBOOK_FILE: FileKind = { noun: 'runbook file', whenTooLarge: 'split it into several runbooks' };

/**
 * Reads a UTF-8 text file of at most `maxBytes` without reading a larger one into memory.
 * @throws ValidationError: FILE_NOT_FOUND, FILE_TOO_LARGE, or YAML_SYNTAX for text that is not UTF-8.
 */
export async function readTextWithinLimit(file: string, maxBytes: number, kind: FileKind): Promise<{ text: string; bytes: Buffer }> {
  const bytes = await readWithinLimit(file, maxBytes, kind);
  return { text: decodeUtf8(bytes, file), bytes };
}

async function readWithinLimit(file: string, maxBytes: number, kind: FileKind = RUNBOOK_FILE): Promise<Buffer> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw notFound(file, 'is not a regular file', kind);
    // Checked before reading: a huge file must not be read into memory at all.
    if (info.size > maxBytes) throw tooLarge(file, info.size, maxBytes, kind);
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw notFound(file, describeFsError(error, kind), kind);
  }
  if (bytes.length > maxBytes) throw tooLarge(file, bytes.length, maxBytes, kind);
  return bytes;
}

function describeFsError(error: unknown, kind: FileKind): string {
  const code = isPlainObject(error) || error instanceof Error ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'does not exist; check the path';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return `is a directory; give the ${kind.noun}`;
    default:
      return `cannot be read${typeof code === 'string' ? ` (${code})` : ''}`;
  }
}

function notFound(file: string, reason: string, kind: FileKind): ValidationError {
  return new ValidationError([{ code: 'FILE_NOT_FOUND', message: `the ${kind.noun} ${file} ${reason}`, file }]);
}

function tooLarge(file: string, size: number, maxBytes: number, kind: FileKind = RUNBOOK_FILE): ValidationError {
  return new ValidationError([
    {
      code: 'FILE_TOO_LARGE',
      message: `the ${kind.noun} is ${size} bytes, more than the limit of ${maxBytes} bytes; ${kind.whenTooLarge} (the limit is fixed)`,
      file,
    },
  ]);
}

function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const bad = text.indexOf('\uFFFD');
    const before = text.slice(0, Math.max(0, bad));
    const line = before.split('\n').length;
    const column = bad - before.lastIndexOf('\n');
    throw new ValidationError([{ code: 'YAML_SYNTAX', message: 'the file is not valid UTF-8 text; save it as UTF-8', file, line, column }]);
  }
}

async function parseText(text: string, bytes: Buffer, file: string, options: LoadOptions): Promise<Runbook> {
  const parsed = parseYaml(text, file);
  const diagnostics = [...parsed.diagnostics];
  const { source, data } = parsed;
  if (data === undefined) throw new ValidationError(sortDiagnostics(diagnostics));
  if (data === null && diagnostics.length === 0) {
    throw new ValidationError([
      {
        code: 'SCHEMA',
        message: 'the file holds no runbook (it is empty, or only comments); start it with version: 1, name: and steps:',
        file,
        line: 1,
        column: 1,
      },
    ]);
  }

  if (options.loadPlugins && isPlainObject(data) && Array.isArray(data.plugins)) {
    for (const d of await runPluginHook(options.loadPlugins, data.plugins, source, file)) diagnostics.push(d);
  }
  const problems = validateRunbookData(data, options.registry, { lineOf: (path) => source.locate(path).line });
  for (const p of problems) diagnostics.push(source.toDiagnostic(p));
  if (diagnostics.length > 0) throw new ValidationError(sortDiagnostics(diagnostics));
  return buildRunbook(data as Record<string, unknown>, file, bytes, source);
}

async function runPluginHook(
  hook: NonNullable<LoadOptions['loadPlugins']>,
  plugins: unknown[],
  source: SourceDocument,
  file: string,
): Promise<Diagnostic[]> {
  const specs: PluginSpec[] = [];
  plugins.forEach((specifier, i) => {
    if (typeof specifier === 'string' && specifier.length > 0) specs.push({ specifier, ...source.locate(['plugins', i]) });
  });
  if (specs.length === 0) return [];
  const at = { file, ...source.locate(['plugins'], 'key'), path: 'plugins' };
  try {
    const found = await hook(specs, dirname(resolve(file)));
    return found.map((d) => ({ ...(d.line === undefined ? at : { file }), ...d }));
  } catch (error) {
    if (error instanceof ValidationError) return error.diagnostics.map((d) => ({ ...at, ...d }));
    if (error instanceof RunbookError) return [{ ...at, code: error.code, message: error.message }];
    throw error;
  }
}

function buildRunbook(data: Record<string, unknown>, file: string, bytes: Buffer, source: SourceDocument): Runbook {
  const params: Record<string, ParamSpec> = {};
  for (const [name, raw] of Object.entries(asRecord(data.params))) setOwn(params, name, buildParam(asRecord(raw)));
  const connections: Record<string, ConnectionSpec> = {};
  for (const [name, raw] of Object.entries(asRecord(data.connections))) setOwn(connections, name, copyData(raw) as ConnectionSpec);
  const runbook: Runbook = {
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    version: 1,
    name: data.name as string,
    params,
    connections,
    concurrency: typeof data.concurrency === 'number' ? data.concurrency : DEFAULTS.concurrency,
    plugins: Array.isArray(data.plugins) ? data.plugins.map(String) : [],
    steps: (data.steps as unknown[]).map((s) => buildStep(asRecord(s))),
    locate: (path, inString) => (source.doc ? (inString ? source.locateInString(path, inString) : source.locate(path)) : undefined),
  };
  if (typeof data.description === 'string') runbook.description = data.description;
  if (Array.isArray(data.onFailure)) runbook.onFailure = data.onFailure.map((s: unknown) => buildStep(asRecord(s)));
  if (Array.isArray(data.finally)) runbook.finally = data.finally.map((s: unknown) => buildStep(asRecord(s)));
  return runbook;
}

function buildParam(raw: Record<string, unknown>): ParamSpec {
  const spec: ParamSpec = { type: raw.type as ParamType };
  if (Object.hasOwn(raw, 'default')) spec.default = copyData(raw.default);
  if (typeof raw.description === 'string') spec.description = raw.description;
  if (Array.isArray(raw.enum)) spec.enum = copyData(raw.enum);
  if (raw.secret === true) spec.secret = true;
  if (isPlainObject(raw.items)) spec.items = copyData(raw.items);
  return spec;
}

function buildStep(raw: Record<string, unknown>): StepSpec {
  const step: StepSpec = {
    id: raw.id as string,
    action: raw.action as string,
    with: copyData(asRecord(raw.with)),
    maxErrors: typeof raw.maxErrors === 'number' || typeof raw.maxErrors === 'string' ? raw.maxErrors : DEFAULTS.maxErrors,
    continueOnError: raw.continueOnError === true,
  };
  if (typeof raw.name === 'string') step.name = raw.name;
  if (typeof raw.description === 'string') step.description = raw.description;
  if (typeof raw.connection === 'string') step.connection = raw.connection;
  if (raw.forEach !== undefined && raw.forEach !== null) step.forEach = copyData(raw.forEach);
  if (typeof raw.concurrency === 'number') step.concurrency = raw.concurrency;
  if (isPlainObject(raw.retry)) step.retry = buildRetry(raw.retry);
  if (typeof raw.timeout === 'string') step.timeoutMs = parseDuration(raw.timeout) ?? DEFAULTS.timeoutMs;
  if (typeof raw.operationTimeout === 'string')
    step.operationTimeoutMs = parseDuration(raw.operationTimeout) ?? DEFAULTS.operationTimeoutMs;
  if (raw.if !== undefined && raw.if !== null) step.if = raw.if;
  if (isPlainObject(raw.rollout)) step.rollout = buildRollout(raw.rollout);
  return step;
}

function buildRetry(raw: Record<string, unknown>): RetrySpec {
  return {
    attempts: typeof raw.attempts === 'number' ? raw.attempts : DEFAULTS.retry.attempts,
    delayMs: (typeof raw.delay === 'string' ? parseDuration(raw.delay) : undefined) ?? DEFAULTS.retry.delayMs,
    maxDelayMs: (typeof raw.maxDelay === 'string' ? parseDuration(raw.maxDelay) : undefined) ?? DEFAULTS.retry.maxDelayMs,
  };
}

function buildRollout(raw: Record<string, unknown>): RolloutSpec {
  return {
    batches: (raw.batches as (number | string)[]).slice(),
    pauseBetweenMs: (typeof raw.pauseBetween === 'string' ? parseDuration(raw.pauseBetween) : undefined) ?? 0,
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.line ?? 0) - (b.d.line ?? 0) || (a.d.column ?? 0) - (b.d.column ?? 0) || a.i - b.i)
    .map(({ d }) => d);
}

/** Anything unexpected becomes an INTERNAL diagnostic: the caller only ever sees ValidationError. */
function asValidationError(error: unknown, file: string): ValidationError {
  if (error instanceof ValidationError) return error;
  if (error instanceof RunbookError) return new ValidationError([{ code: error.code, message: error.message, file, line: 1, column: 1 }]);
  const what = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
  return new ValidationError([
    {
      code: 'INTERNAL',
      message: `runbook failed while loading this file (${what}); this is a bug in runbook, please report it with the file`,
      file,
      line: 1,
      column: 1,
    },
  ]);
}
