// Reading OCP host agent processes: the shared lookups of the process actions (stop, restart, list).
// OCP pages name their fields inconsistently, so every read here is lenient.

import { encodePath, encodePathSegment } from '../../connections/encode-path.js';
import type { HttpClient } from '../../contracts/connection.js';
import { RunbookError, isRunbookError } from '../../errors.js';
import { dataOf, readEveryPage } from './pages.js';

export { dataOf };

/** A HostAgentProcess as OCP returns it (fields beyond these are kept as they come). */
export interface AgentProcess {
  id: number;
  hostId: number;
  alias: string | null;
  status: 'STOPPED' | 'STARTED' | string;
  operable?: boolean;
  pid?: number;
  [field: string]: unknown;
}

/** `hostId` plus one of `agentProcessId` or `alias`. */
export interface ProcessTarget {
  hostId: number;
  agentProcessId?: number;
  alias?: string;
  /** ocp.restartAgentProcess only: leave a process that is already STARTED alone. */
  onlyIfStopped?: boolean;
}

export const processTargetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hostId'],
  properties: {
    hostId: { type: 'integer', minimum: 1, description: 'OCP host id.' },
    agentProcessId: { type: 'integer', minimum: 1, description: 'Process id on the host agent. Give this or alias.' },
    alias: { type: 'string', minLength: 1, description: 'Process alias, e.g. obstat2; resolved through the process list at run time.' },
  },
  oneOf: [{ required: ['agentProcessId'] }, { required: ['alias'] }],
} as const;

/**
 * Page size asked for when listing processes. A host has about eight; a larger page keeps it to one
 * request, and OCP accepts up to 2000.
 */
export const PROCESS_PAGE_SIZE = 100;

/**
 * The most pages one process list may take (200,000 processes at the page size asked for). A server that
 * always announces one more page would otherwise keep the operation busy, and its memory growing, forever.
 */
export const MAX_PROCESS_PAGES = 2_000;

/** The key of a process operation: `host=20/process=185` or `host=20/alias=obstat2`. */
export function processKey(t: ProcessTarget): string {
  return t.agentProcessId !== undefined ? `host=${t.hostId}/process=${t.agentProcessId}` : `host=${t.hostId}/alias=${t.alias}`;
}

/** The path of a process verb, with `{alias=...}` standing in for an id that is only known at run time. */
export function processVerbPath(t: ProcessTarget, verb: 'stop' | 'restart'): string {
  if (t.agentProcessId !== undefined) return encodePath`/compute/hosts/${t.hostId}/agent/processes/${t.agentProcessId}/${verb}`;
  return `${encodePath`/compute/hosts/${t.hostId}/agent/processes`}/{alias=${encodePathSegment(t.alias ?? '?')}}/${verb}`;
}

/**
 * Reads every process of a host, across all pages, each with its `hostId` (added when OCP leaves it out).
 * Throws NOT_FOUND when OCP has no such host, BAD_RESPONSE past `MAX_PROCESS_PAGES` pages, and stops
 * between pages once the operation's signal is aborted (its deadline, or the run's cancellation).
 */
export function listProcesses(http: HttpClient, hostId: number, operation?: { readonly signal: AbortSignal }): Promise<AgentProcess[]> {
  return readEveryPage<AgentProcess>(
    http,
    {
      path: encodePath`/compute/hosts/${hostId}/agent/processes`,
      pageSize: PROCESS_PAGE_SIZE,
      maxPages: MAX_PROCESS_PAGES,
      what: `the process list of host ${hostId}`,
      noun: 'processes',
      bound: ', as a host has a handful of processes',
      details: { hostId },
      // Copied only when OCP left the host id out: the answer is not kept anywhere else.
      adopt: (p) => (typeof p.hostId === 'number' ? (p as AgentProcess) : ({ ...p, hostId } as AgentProcess)),
      onError: (e) => hostNotFound(hostId, e),
    },
    operation,
  );
}

/** Finds the target process, by id or by alias. Throws NOT_FOUND naming what the host does have. */
export async function findProcess(
  http: HttpClient,
  target: ProcessTarget,
  operation?: { readonly signal: AbortSignal },
): Promise<AgentProcess> {
  const processes = await listProcesses(http, target.hostId, operation);
  const matches =
    target.agentProcessId !== undefined
      ? processes.filter((p) => p.id === target.agentProcessId)
      : processes.filter((p) => p.alias === target.alias);
  const wanted = target.agentProcessId !== undefined ? `process ${target.agentProcessId}` : `process with alias '${target.alias}'`;
  if (matches.length === 0) {
    const available = processes.map((p) => `${p.alias ?? '?'} (${p.id})`);
    throw new RunbookError(
      'NOT_FOUND',
      `host ${target.hostId} has no ${wanted}; it has: ${available.join(', ') || 'no processes'}. Check the alias or id in the step's with:`,
      { details: { hostId: target.hostId, available } },
    );
  }
  if (matches.length > 1) {
    throw new RunbookError(
      'NOT_FOUND',
      `host ${target.hostId} has ${matches.length} processes with alias '${target.alias}' (ids ${matches.map((p) => p.id).join(', ')}); name one with agentProcessId`,
      { details: { hostId: target.hostId, ids: matches.map((p) => p.id) } },
    );
  }
  return matches[0]!;
}

/** Refuses a process OCP marks as not operable, before anything is sent. */
export function assertOperable(process: AgentProcess, hostId: number): void {
  if (process.operable === false) {
    throw new RunbookError(
      'NOT_OPERABLE',
      `OCP marks process '${process.alias ?? process.id}' (${process.id}) on host ${hostId} as not operable; it cannot be stopped or restarted through the API, so remove it from the runbook`,
      { details: { hostId, agentProcessId: process.id } },
    );
  }
}

/** The process object in an OCP answer, which should be the process after the verb. */
export function processFromAnswer(body: unknown): AgentProcess | undefined {
  const data = dataOf(body);
  return isProcess(data) ? data : undefined;
}

/** Turns OCP's "host does not exist" into NOT_FOUND, keeping OCP's status, code, message and trace id. */
export async function withHostNotFound<T>(hostId: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw hostNotFound(hostId, e);
  }
}

/** What to throw for an error of a request about `hostId`: NOT_FOUND when OCP says it has no such host. */
function hostNotFound(hostId: number, e: unknown): unknown {
  if (isRunbookError(e) && isHostNotFound(e)) {
    return new RunbookError('NOT_FOUND', `OCP has no host ${hostId}; check the hostId (${e.message})`, {
      details: { ...e.details, hostId },
    });
  }
  return e;
}

/** OCP's code for a missing host is CMP07005 (7005 before 4.2); a bare 404 on a host path means the same. */
function isHostNotFound(e: RunbookError): boolean {
  const code = e.details?.ocpCode;
  if (code === 'CMP07005' || code === 7005) return true;
  return e.details?.status === 404 && code === undefined;
}

function isProcess(v: unknown): v is AgentProcess {
  return v !== null && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'number';
}
