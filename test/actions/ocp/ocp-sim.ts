// The test bed of the OCP action tests: a simulator per test file (reset after each test), extra simulators
// with their own config, and contexts on a real ocp connection with either authentication scheme.

import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RunContext } from '../../../src/contracts/action.js';
import type { OperationTrace } from '../../../src/connections/transport.js';
import type { HttpClient, RetryPolicy } from '../../../src/contracts/connection.js';
import { startSimulator, type RecordedRequest, type SimConfigInput, type Simulator } from '../../../src/sim/index.js';
import { json, startServer, type TestServer } from '../../connections/test-server.js';
import { actionHarness, simConnectionConfig, type ActionHarness } from '../../helpers/action-context.js';

export type AuthScheme = 'basic' | 'accessKey';

export const BASIC_AUTHORIZATION = `Basic ${Buffer.from('admin:sim-password').toString('base64')}`;
/** The AccessKey signature header of the simulator's default key: scheme, key id, base64 HMAC-SHA1. */
export const ACCESS_KEY_AUTHORIZATION = /^OCP-ACCESS-KEY-HMACSHA1 sim-access-key:[A-Za-z0-9+/]{27}=$/;

/** An ocp connection entry for a simulator, with its default credentials. */
export function ocpConnectionConfig(url: string, auth: AuthScheme = 'basic'): Record<string, unknown> {
  if (auth === 'basic') return simConnectionConfig('ocp', url);
  return { type: 'ocp', url, auth: { type: 'accessKey', accessKeyId: 'sim-access-key', accessKeySecret: 'sim-secret-key' } };
}

export interface ContextOptions {
  auth?: AuthScheme;
  /** Another server than the file's simulator (an extra simulator, or a fake OCP). */
  on?: { url: string };
  retry?: Partial<RetryPolicy>;
  readOnly?: boolean;
  signal?: AbortSignal;
}

export interface OcpTestBed {
  /** The file's simulator (default config plus the file's). */
  readonly sim: Simulator;
  /** Starts a simulator with its own config, closed after the test. */
  start(config: SimConfigInput): Promise<Simulator>;
  /**
   * Starts a fake OCP for answers the simulator never gives: `routes` maps `METHOD /path` (after /api/v2,
   * without the query) to the `data` of a successful envelope, or to a function computing it. Closed after the test.
   */
  fake(routes: Record<string, unknown>): Promise<TestServer>;
  /** A run context on a fresh connection, closed after the test. */
  context(options?: ContextOptions): { ctx: RunContext; trace: OperationTrace };
}

/** Registers the hooks of an OCP action test file and returns its test bed. */
export function useOcpSimulator(config: SimConfigInput = {}): OcpTestBed {
  let shared: Simulator | undefined;
  const harnesses: ActionHarness[] = [];
  const extras: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    shared = await startSimulator({ port: 0, config });
  });
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
    await Promise.all(extras.splice(0).map((s) => s.close()));
    shared?.resetState();
    shared?.resetStats();
    shared?.setFaults({});
  });
  afterAll(() => shared?.close());
  const sharedSim = (): Simulator => {
    if (!shared) throw new Error('the simulator is not started yet');
    return shared;
  };
  return {
    get sim() {
      return sharedSim();
    },
    async start(extraConfig) {
      const sim = await startSimulator({ port: 0, config: extraConfig });
      extras.push(sim);
      return sim;
    },
    async fake(routes) {
      const server = await startServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/^\/api\/v2/, '');
        const key = `${req.method ?? 'GET'} ${path}`;
        if (!(key in routes))
          return json(res, 404, { successful: false, status: 404, error: { code: 'COM10002', message: `no route ${key}` } });
        const route = routes[key];
        const data = typeof route === 'function' ? (route as () => unknown)() : route;
        json(res, 200, { successful: true, status: 200, traceId: 'fake-trace', data });
      });
      extras.push(server);
      return server;
    },
    context(options = {}) {
      const { auth, on, ...rest } = options;
      const harness = actionHarness(ocpConnectionConfig((on ?? sharedSim()).url, auth));
      harnesses.push(harness);
      return harness.context(rest);
    },
  };
}

/** The mutating requests a simulator received (everything but GET and HEAD). */
export function mutatingRequests(sim: Simulator): RecordedRequest[] {
  return sim.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}

/**
 * A context whose client runs `after` once, right after the first GET is answered: another operator
 * acting between the action's read and its write, made deterministic.
 */
export function actingAfterFirstRead(ctx: RunContext, after: () => void): RunContext {
  let done = false;
  const http: HttpClient = {
    baseUrl: ctx.http.baseUrl,
    async request<T>(req: Parameters<HttpClient['request']>[0]) {
      const res = await ctx.http.request<T>(req);
      if (!done && req.method === 'GET') {
        done = true;
        after();
      }
      return res;
    },
  };
  return { ...ctx, http };
}
