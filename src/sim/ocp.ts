// The simulated OCP API: routes under /api/v2 (and bare paths), the success and error envelopes,
// RateLimit headers and authentication. State lives in OcpState.

import { setTimeout as sleep } from 'node:timers/promises';
import type { SimOcpConfig } from './config.js';
import { matchRoute, sendJson, sendText, type Exchange } from './routing.js';
import { authenticateOcp } from './ocp-auth.js';
import { OcpState, ocpTime, type SimHost, type SimProcess } from './ocp-state.js';

/** OCP error codes the simulator answers with (4.2 string form; `errorCodeStyle: number` keeps the digits). */
export type OcpErrorCode =
  | 'COM10001' // bad parameter
  | 'COM10002' // no record / no such endpoint
  | 'COM10009' // permission denied
  | 'IAM10000' // not logged in / bad credentials
  | 'IAM11000' // not authorised
  | 'CMP07005' // host does not exist
  | 'CMP07019' // agent state does not allow the operation
  | 'CMP07054' // process not found on host
  | `SIM${number}`; // injected faults with no vendor code (SIM503, SIM429, ...)

type Handler = (ex: Exchange, params: Record<string, string>) => Promise<void> | void;

interface Route {
  method: string;
  pattern: string[];
  handler: Handler;
}

export class OcpApi {
  readonly state: OcpState;
  private readonly routes: Route[];
  private traceCounter = 0;
  private rateWindowStart = 0;
  private rateWindowCount = 0;

  constructor(private readonly config: SimOcpConfig) {
    this.state = new OcpState(config);
    const r = (method: string, path: string, handler: Handler): Route => ({ method, pattern: path.split('/').slice(1), handler });
    this.routes = [
      r('GET', '/compute/hosts', (ex) => this.listHosts(ex)),
      r('GET', '/compute/hosts/:hostId', (ex, p) => this.withHost(ex, p, (h) => this.ok(ex, this.state.hostJson(h)))),
      r('GET', '/compute/hosts/:hostId/agent', (ex, p) => this.withHost(ex, p, (h) => this.ok(ex, this.state.agentJson(h)))),
      r('GET', '/compute/hosts/:hostId/agent/processes', (ex, p) => this.withHost(ex, p, (h) => this.listProcesses(ex, h))),
      r('GET', '/compute/hosts/:hostId/agent/processes/:processId', (ex, p) =>
        this.withProcess(ex, p, (_h, proc) => this.ok(ex, this.state.processJson(proc))),
      ),
      r('POST', '/compute/hosts/:hostId/agent/processes/:processId/stop', (ex, p) =>
        this.withProcess(ex, p, (_h, proc) => this.processAction(ex, proc, 'stop')),
      ),
      r('POST', '/compute/hosts/:hostId/agent/processes/:processId/restart', (ex, p) =>
        this.withProcess(ex, p, (_h, proc) => this.processAction(ex, proc, 'restart')),
      ),
      r('POST', '/compute/hosts/:hostId/agent/stop', (ex, p) =>
        this.withHost(ex, p, (h) => this.ok(ex, this.state.taskJson(this.state.startAgentTask(h, 'stop')))),
      ),
      r('POST', '/compute/hosts/:hostId/agent/restart', (ex, p) =>
        this.withHost(ex, p, (h) => this.ok(ex, this.state.taskJson(this.state.startAgentTask(h, 'restart')))),
      ),
      r('GET', '/tasks/instances/:taskId', (ex, p) => this.getTask(ex, p)),
    ];
  }

  /** Answers an OCP request; `segments` are the decoded path segments after the `/api/v2` prefix. */
  async handle(ex: Exchange, segments: string[]): Promise<void> {
    if (segments.length === 1 && segments[0] === 'time') {
      if (ex.method !== 'GET') return this.fail(ex, 405, 'COM10001', `Method ${ex.method} is not supported on /time`);
      sendText(ex.res, 200, ocpTime(Date.now()), this.rateLimitHeaders());
      return;
    }
    const auth = authenticateOcp(ex, this.config, Date.now());
    if (!auth.ok) return this.fail(ex, 401, 'IAM10000', auth.message);

    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchRoute(segments, route.pattern);
      if (!params) continue;
      pathMatched = true;
      if (route.method === ex.method) return route.handler(ex, params);
    }
    if (pathMatched) return this.fail(ex, 405, 'COM10001', `Method ${ex.method} is not supported on this resource`);
    return this.fail(ex, 404, 'COM10002', `No such resource: ${ex.method} ${ex.pathname}`);
  }

  /** Sends the error envelope (also used for injected faults). */
  fail(ex: Exchange, status: number, code: OcpErrorCode, message: string, extraHeaders: Record<string, string> = {}): void {
    sendJson(
      ex.res,
      status,
      {
        successful: false,
        status,
        timestamp: this.state.time(Date.now()),
        duration: Date.now() - ex.receivedAt,
        traceId: this.nextTraceId(),
        server: this.config.serverName,
        error: { code: this.errorCode(code), message },
      },
      { ...this.rateLimitHeaders(), ...extraHeaders },
    );
  }

  /** An injected fault with the given status, in OCP's error envelope. */
  failInjected(ex: Exchange, status: number): void {
    const known: Record<number, [OcpErrorCode, string]> = {
      400: ['COM10001', 'Bad request (injected fault)'],
      401: ['IAM10000', 'Not logged in (injected fault)'],
      403: ['IAM11000', 'Not authorised (injected fault)'],
      404: ['COM10002', 'No record (injected fault)'],
      429: ['SIM429', 'Too many requests (injected fault)'],
    };
    const [code, message] = known[status] ?? [`SIM${status}` as const, `Service unavailable (injected fault, HTTP ${status})`];
    this.fail(ex, status, code, message, status === 429 ? { 'retry-after': '1', 'ratelimit-remaining': '0' } : {});
  }

  private ok(ex: Exchange, data: unknown): void {
    sendJson(
      ex.res,
      200,
      {
        data,
        successful: true,
        timestamp: this.state.time(Date.now()),
        duration: Date.now() - ex.receivedAt,
        status: 200,
        traceId: this.nextTraceId(),
        server: this.config.serverName,
      },
      this.rateLimitHeaders(),
    );
  }

  private errorCode(code: OcpErrorCode): string | number {
    return this.config.errorCodeStyle === 'number' ? Number(code.replace(/^\D+/, '')) : code;
  }

  private nextTraceId(): string {
    this.traceCounter += 1;
    return this.traceCounter.toString(16).padStart(16, '0');
  }

  /** Informational RateLimit-* headers over one-minute windows; the simulator never enforces them. */
  private rateLimitHeaders(): Record<string, string> {
    const now = Date.now();
    if (now - this.rateWindowStart >= 60_000) {
      this.rateWindowStart = now;
      this.rateWindowCount = 0;
    }
    this.rateWindowCount += 1;
    const limit = this.config.rateLimitPerMinute;
    return {
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': String(Math.max(0, limit - this.rateWindowCount)),
      'ratelimit-reset': String(Math.ceil((this.rateWindowStart + 60_000 - now) / 1000)),
    };
  }

  private withHost(ex: Exchange, params: Record<string, string>, then: (h: SimHost) => Promise<void> | void): Promise<void> | void {
    const id = parseId(params.hostId);
    if (id === undefined) return this.fail(ex, 400, 'COM10001', `hostId must be a positive integer, got "${params.hostId}"`);
    const host = this.state.host(id);
    if (!host) return this.fail(ex, 404, 'CMP07005', `Host ${id} does not exist`);
    return then(host);
  }

  private withProcess(
    ex: Exchange,
    params: Record<string, string>,
    then: (h: SimHost, p: SimProcess) => Promise<void> | void,
  ): Promise<void> | void {
    return this.withHost(ex, params, (host) => {
      const id = parseId(params.processId);
      if (id === undefined)
        return this.fail(ex, 400, 'COM10001', `agentProcessId must be a positive integer, got "${params.processId}"`);
      const proc = host.processes.find((p) => p.id === id);
      if (!proc) return this.fail(ex, 404, 'CMP07054', `Process ${id} not found on host ${host.id}`);
      return then(host, proc);
    });
  }

  private async processAction(ex: Exchange, proc: SimProcess, action: 'stop' | 'restart'): Promise<void> {
    if (!proc.operable) {
      return this.fail(ex, 409, 'CMP07019', `Process ${proc.alias} (${proc.id}) on host ${proc.hostId} is not operable`);
    }
    if (action === 'stop' && proc.status === 'STOPPED') {
      if (this.config.alreadyStoppedAnswer === 'error') {
        return this.fail(ex, 409, 'CMP07019', `Process ${proc.alias} (${proc.id}) on host ${proc.hostId} is already stopped`);
      }
      return this.ok(ex, this.state.processJson(proc));
    }
    const delayMs = this.config.processActionDelayMs;
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: ex.signal }).catch(() => undefined);
    if (ex.signal.aborted) return;
    if (action === 'stop') this.state.stopProcess(proc);
    else this.state.restartProcess(proc);
    this.ok(ex, this.state.processJson(proc));
  }

  private listHosts(ex: Exchange): void {
    const status = ex.query.status;
    const keyword = ex.query.keyword?.toLowerCase();
    const hosts = this.state
      .hosts()
      .filter((h) => status === undefined || status === '' || h.status.toUpperCase() === status.toUpperCase())
      .filter((h) => !keyword || h.name.toLowerCase().includes(keyword) || h.ip.includes(keyword))
      .map((h) => this.state.hostJson(h));
    this.page(ex, hosts);
  }

  private listProcesses(ex: Exchange, host: SimHost): void {
    this.page(
      ex,
      host.processes.map((p) => this.state.processJson(p)),
    );
  }

  /** Pages a list: `page` from 1, `size` up to maxPageSize, `sort` as `field,asc|desc`. */
  private page(ex: Exchange, items: Array<Record<string, unknown>>): void {
    const page = ex.query.page === undefined ? 1 : parseId(ex.query.page);
    const size = ex.query.size === undefined ? this.config.pageSizeDefault : parseId(ex.query.size);
    if (page === undefined) return this.fail(ex, 400, 'COM10001', `page must be an integer from 1, got "${ex.query.page}"`);
    if (size === undefined || size > this.config.maxPageSize) {
      return this.fail(ex, 400, 'COM10001', `size must be an integer from 1 to ${this.config.maxPageSize}, got "${ex.query.size}"`);
    }
    const sorted = sortItems(items, ex.query.sort);
    if (!sorted) return this.fail(ex, 400, 'COM10001', `sort must be "field,asc" or "field,desc", got "${ex.query.sort}"`);
    const start = (page - 1) * size;
    this.ok(ex, {
      contents: sorted.slice(start, start + size),
      page: { number: page, size, totalElements: sorted.length, totalPages: Math.ceil(sorted.length / size) },
    });
  }

  private getTask(ex: Exchange, params: Record<string, string>): void {
    const id = parseId(params.taskId);
    if (id === undefined) return this.fail(ex, 400, 'COM10001', `taskId must be a positive integer, got "${params.taskId}"`);
    const task = this.state.task(id);
    if (!task) return this.fail(ex, 404, 'COM10002', `Task ${id} does not exist`);
    this.ok(ex, this.state.taskJson(task));
  }
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  return Number(text);
}

function sortItems(items: Array<Record<string, unknown>>, sort: string | undefined): Array<Record<string, unknown>> | undefined {
  if (sort === undefined || sort === '') return items;
  const [field, dir = 'asc'] = sort.split(',');
  if (!field || (dir.toLowerCase() !== 'asc' && dir.toLowerCase() !== 'desc')) return undefined;
  const sign = dir.toLowerCase() === 'desc' ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = a[field];
    const y = b[field];
    if (x === y) return 0;
    if (x === undefined || x === null) return 1;
    if (y === undefined || y === null) return -1;
    return (x < y ? -1 : 1) * sign;
  });
}
