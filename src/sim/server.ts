// The simulator's HTTP(S) server: records every request, counts requests in flight, injects faults,
// dispatches to the OCP and BAO APIs, and serves the /__sim introspection endpoints.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunbookError } from '../errors.js';
import { BaoApi, type SimBaoView } from './bao.js';
import { checkFaultConfig, resolveSimConfig, type SimConfig, type SimConfigInput } from './config.js';
import {
  canAnswer,
  decodeSegments,
  flattenHeaders,
  parseQuery,
  sendEmpty,
  sendJson,
  sendText,
  type Exchange,
  type RecordedRequest,
} from './routing.js';
import { FaultInjector, type FaultConfig } from './faults.js';
import { HeldAnswers } from './held-answers.js';
import { OcpApi } from './ocp.js';
import type { SimOcpView } from './ocp-state.js';

// node:http, https and tls are loaded when a simulator starts, not when this module is imported: every
// command of the CLI imports it, and most never start a simulator.
const requireFromHere = createRequire(import.meta.url);

export interface SimulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  config?: SimConfigInput;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * How many of the most recent requests `requests` keeps (default 10,000): a simulator that runs for
   * days, or serves a benchmark of 100,000 operations, must not keep every request it ever received.
   */
  maxRecordedRequests?: number;
}

/** Default of `SimulatorOptions.maxRecordedRequests`. */
export const DEFAULT_MAX_RECORDED_REQUESTS = 10_000;

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:43123` (no trailing slash). */
  readonly url: string;
  /** The resolved configuration it runs with. */
  readonly config: SimConfig;
  /**
   * The OCP/BAO requests received since start or the last reset, in arrival order (a copy): all of them,
   * or the most recent `maxRecordedRequests` when there were more.
   */
  readonly requests: RecordedRequest[];
  /** Highest number of requests handled at once since start or the last reset. */
  readonly maxInFlight: number;
  readonly inFlight: number;
  /** Clears the recorded requests and sets maxInFlight to the current in-flight count. */
  resetStats(): void;
  /** Puts hosts, processes, tasks, peers and sessions back as configured. */
  resetState(): void;
  /** Replaces fault injection now (its random sequence and failFirst counters start afresh). */
  setFaults(faults: FaultConfig): void;
  readonly ocp: SimOcpView;
  readonly bao: SimBaoView;
  /** Stops listening, ends hanging requests and keep-alive sockets, clears every timer. */
  close(): Promise<void>;
}

class RunningSimulator implements Simulator {
  readonly config: SimConfig;
  url = '';
  private server: Server;
  private ocpApi: OcpApi;
  private baoApi: BaoApi;
  private faults: FaultInjector;
  private faultConfig: FaultConfig;
  private recorded: RecordedRequest[] = [];
  /** OCP/BAO requests received since start or the last reset (recorded or not). */
  private received = 0;
  private readonly maxRecorded: number;
  private current = 0;
  private peak = 0;
  private readonly lifetime = new AbortController();
  /** Answers waiting out their latency. */
  private readonly held = new HeldAnswers();
  private closing: Promise<void> | undefined;
  private readonly secure: boolean;
  /** Responses not closed yet: exactly the requests in flight. */
  private readonly openResponses = new Set<ServerResponse>();

  constructor(config: SimConfig, tls: SimulatorOptions['tls'], maxRecorded: number) {
    this.config = config;
    this.maxRecorded = maxRecorded;
    // Every request waiting out a latency listens to it: any number may (no MaxListenersExceededWarning).
    setMaxListeners(0, this.lifetime.signal);
    this.ocpApi = new OcpApi(config.ocp);
    this.baoApi = new BaoApi(config.bao);
    this.faultConfig = config.faults;
    this.faults = new FaultInjector(config.faults, config.seed);
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      this.onRequest(req, res).catch((err: unknown) => {
        sendText(res, 500, `Simulator error: ${err instanceof Error ? err.message : String(err)}`);
      });
    };
    this.secure = tls !== undefined;
    this.server = tls
      ? (requireFromHere('node:https') as typeof import('node:https')).createServer({ key: tls.key, cert: tls.cert }, listener)
      : (requireFromHere('node:http') as typeof import('node:http')).createServer(listener);
  }

  get requests(): RecordedRequest[] {
    return this.recorded.slice(-this.maxRecorded);
  }

  get maxInFlight(): number {
    return this.peak;
  }

  get inFlight(): number {
    return this.current;
  }

  get ocp(): SimOcpView {
    return this.ocpApi.state;
  }

  get bao(): SimBaoView {
    return this.baoApi;
  }

  resetStats(): void {
    this.recorded = [];
    this.received = 0;
    this.peak = this.current;
  }

  resetState(): void {
    this.ocpApi = new OcpApi(this.config.ocp);
    this.baoApi = new BaoApi(this.config.bao);
  }

  setFaults(faults: FaultConfig): void {
    // A copy: a caller that changes its object afterwards must not change the plan in force.
    const checked = structuredClone(checkFaultConfig(faults));
    this.faultConfig = checked;
    this.faults = new FaultInjector(checked, this.config.seed);
  }

  /** Starts listening; a port in use or an address that cannot be bound is a RunbookError USAGE. */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new RunbookError(
            'USAGE',
            `The simulator cannot listen on ${host}:${port} (${err.code ?? err.message}): ` +
              `choose another port (0 picks a free one) or another host address`,
            { cause: err },
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const scheme = this.secure ? 'https' : 'http';
    const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `${scheme}://${hostPart}:${addr.port}`;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.lifetime.abort();
      this.held.releaseAll();
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      // Wait for every open response's 'close', so that inFlight is 0 once close() resolves.
      const pending = [...this.openResponses].map((res) => new Promise<void>((resolve) => res.once('close', () => resolve())));
      await Promise.all([stopped, ...pending]);
    })();
    return this.closing;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q === -1 ? target : target.slice(0, q);
    const queryPairs = parseQuery(q === -1 ? '' : target.slice(q + 1));

    if (pathname === '/__sim' || pathname.startsWith('/__sim/')) {
      const body = await readBody(req);
      if (body) this.introspect(req, res, pathname, queryPairs, body);
      return;
    }

    // Latency is counted from here, when the request's head has been read, not from after its body: with
    // a hundred requests arriving together, reading the bodies would add the others' turns to each one.
    const arrivedAt = performance.now();
    this.held.releaseDue(arrivedAt);
    this.trackInFlight(res);

    const body = await readBody(req);
    if (!body) return;
    const headers = flattenHeaders(req);
    const receivedAt = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const query = Object.fromEntries([...queryPairs].reverse());
    this.record({ method, path: target, pathname, query, headers, body: body.toString('utf8'), receivedAt });

    const ex: Exchange = {
      req,
      res,
      method,
      pathname,
      segments: [],
      query,
      queryPairs,
      headers,
      body,
      receivedAt,
      signal: this.lifetime.signal,
    };
    if (await this.applyFaults(ex, arrivedAt)) await this.route(ex);
  }

  /** Counts a request as in flight until its response is closed. */
  private trackInFlight(res: ServerResponse): void {
    this.current += 1;
    this.peak = Math.max(this.peak, this.current);
    this.openResponses.add(res);
    res.once('close', () => {
      this.openResponses.delete(res);
      this.current -= 1;
    });
  }

  /**
   * Applies the fault plan to a request: its latency, then a reset, a hang or an injected error in place
   * of the answer. True when the request is to be answered as usual.
   */
  private async applyFaults(ex: Exchange, arrivedAt: number): Promise<boolean> {
    const { req, res, method, pathname } = ex;
    const decision = this.faults.decide(method, pathname);
    if (decision.outcome.kind === 'pass' && decision.latencyMs > 0) {
      // Handled now, answered no sooner than `latency` after arrival: the simulator's own work overlaps the
      // wait, as in a server with threads to spare, so that a hundred concurrent requests all take about
      // `latency` and the simulator is not the bottleneck of a latency-bound run.
      this.held.hold(res, arrivedAt + decision.latencyMs, canAnswer);
    } else {
      if (decision.latencyMs > 0) await sleep(decision.latencyMs, undefined, { signal: this.lifetime.signal }).catch(() => undefined);
      if (this.lifetime.signal.aborted) return false;
    }

    switch (decision.outcome.kind) {
      case 'reset':
        resetConnection(req.socket);
        return false;
      case 'hang':
        return false;
      case 'error':
        if (pathname.startsWith('/baocdp/')) this.baoApi.failInjected(ex, decision.outcome.status);
        else this.ocpApi.failInjected(ex, decision.outcome.status);
        return false;
      case 'pass':
        return true;
    }
  }

  /** Hands a request to the BAO or the OCP API by its path, or answers 400 or 404. */
  private async route(ex: Exchange): Promise<void> {
    const { res, pathname } = ex;
    const segments = decodeSegments(pathname);
    if (!segments) {
      sendText(res, 400, 'Malformed percent-encoding in the path');
      return;
    }
    ex.segments = segments;
    if (segments[0] === 'baocdp' && segments[1] === 'rest') {
      this.baoApi.handle(ex, segments.slice(2));
    } else if (segments[0] === 'api' && segments[1] === 'v2') {
      await this.ocpApi.handle(ex, segments.slice(2));
    } else if (this.config.ocp.acceptBarePaths && !pathname.startsWith('/baocdp/')) {
      await this.ocpApi.handle(ex, segments);
    } else {
      sendText(res, 404, `Not found: ${pathname}`);
    }
  }

  /** Keeps the most recent `maxRecorded` requests; the oldest are dropped in batches, not one by one. */
  private record(request: RecordedRequest): void {
    this.received += 1;
    if (this.maxRecorded === 0) return;
    this.recorded.push(request);
    if (this.recorded.length >= 2 * this.maxRecorded) this.recorded = this.recorded.slice(-this.maxRecorded);
  }

  private introspect(req: IncomingMessage, res: ServerResponse, pathname: string, queryPairs: Array<[string, string]>, body: Buffer): void {
    const route = `${req.method ?? 'GET'} ${pathname}`;
    switch (route) {
      case 'GET /__sim/requests':
        return sendJson(res, 200, this.requests);
      case 'GET /__sim/stats':
        return sendJson(res, 200, { maxInFlight: this.peak, inFlight: this.current, requestCount: this.received });
      case 'POST /__sim/reset':
        this.resetStats();
        if (queryPairs.some(([k, v]) => k === 'state' && v === 'true')) this.resetState();
        return sendEmpty(res, 204);
      case 'GET /__sim/faults':
        return sendJson(res, 200, this.faultConfig);
      case 'PUT /__sim/faults': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return sendJson(res, 400, { error: 'The body must be a JSON FaultConfig' });
        }
        try {
          this.setFaults(parsed as FaultConfig);
        } catch (err) {
          return sendJson(res, 400, { error: err instanceof RunbookError ? err.message : String(err) });
        }
        return sendEmpty(res, 204);
      }
      default:
        return sendJson(res, 404, {
          error: `Unknown simulator endpoint ${route}; use GET /__sim/requests, GET /__sim/stats, POST /__sim/reset, GET or PUT /__sim/faults`,
        });
    }
  }
}

/**
 * Ends a connection the way a crashed server or a middlebox does: a TCP reset where the socket allows it
 * (the client sees ECONNRESET), else a plain destroy (the client sees the connection closed).
 */
function resetConnection(socket: Socket): void {
  const { TLSSocket } = requireFromHere('node:tls') as typeof import('node:tls');
  if (!(socket instanceof TLSSocket) && typeof socket.resetAndDestroy === 'function') {
    try {
      socket.resetAndDestroy();
      return;
    } catch {
      // Not a TCP handle after all: fall through to a plain destroy.
    }
  }
  socket.destroy();
}

const NO_BODY = Buffer.alloc(0);

/**
 * Reads the whole body; undefined when the client went away first. Events rather than `for await`, which
 * would make an async iterator per request.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 0 ? NO_BODY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', () => resolve(undefined));
    // Closed before the end: the client went away (resolving after 'end' changes nothing).
    req.once('close', () => resolve(undefined));
  });
}

/**
 * Starts a simulator of the OCP and BAO APIs on loopback. The config is validated and merged into the
 * defaults (`defaultSimConfig()`); an invalid one throws RunbookError SCHEMA.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const config = resolveSimConfig(options.config ?? {});
  const maxRecorded = options.maxRecordedRequests ?? DEFAULT_MAX_RECORDED_REQUESTS;
  if (!Number.isInteger(maxRecorded) || maxRecorded < 0) {
    throw new RunbookError('USAGE', `maxRecordedRequests must be a whole number of 0 or more (got ${String(maxRecorded)})`);
  }
  const sim = new RunningSimulator(config, options.tls, maxRecorded);
  await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return sim;
}
