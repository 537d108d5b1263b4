// Small real HTTP(S) servers on port 0 for transport-level cases (hangs, resets, TLS, redirects), and a
// connection opened against them with a log that the test can read.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { ConnectionDefinition } from '../../src/contracts/connection.js';
import {
  createOperationTrace,
  openConnection,
  type ClientOptions,
  type ConnectionRuntime,
  type OperationTrace,
} from '../../src/connections/transport.js';
import { Redactor } from '../../src/secrets/redactor.js';

export const TLS_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TestServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;

/** Starts a node:http (or https with the test certificate) server on 127.0.0.1, port 0. */
export async function startServer(handler: Handler, options: { https?: boolean } = {}): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(record);
      handler(req, res, record);
    });
  };
  const server = options.https
    ? createHttpsServer({ key: readFileSync(`${TLS_DIR}server-key.pem`), cert: readFileSync(`${TLS_DIR}server-cert.pem`) }, listener)
    : createHttpServer(listener);
  server.on('connection', (s: Socket) => {
    connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A connection type with no auth and no envelope: the transport alone. */
export const plainConnection: ConnectionDefinition = {
  type: 'plain',
  description: 'test',
  config: {},
  open: () => ({ authorize: () => undefined }),
};

export interface Opened {
  runtime: ConnectionRuntime;
  redactor: Redactor;
  logs: Array<Record<string, unknown>>;
  /** A client with a fresh trace; defaults: 5 s timeout, one attempt. */
  client(overrides?: Partial<ClientOptions>): { http: ReturnType<ConnectionRuntime['client']>; trace: OperationTrace };
}

/** Opens a connection with a debug-level logger whose lines the test can read. */
export function open(
  config: Record<string, unknown>,
  definition: ConnectionDefinition = plainConnection,
  redactor = new Redactor(),
): Opened {
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const runtime = openConnection({ name: 'target', config, definition, baseDir: TLS_DIR, log, redactor, maxConnections: 4 });
  return {
    runtime,
    redactor,
    logs,
    client(overrides = {}) {
      const trace = overrides.trace ?? createOperationTrace();
      const http = runtime.client({
        timeoutMs: 5_000,
        retry: { attempts: 1, delayMs: 1, maxDelayMs: 5 },
        signal: new AbortController().signal,
        ...overrides,
        trace,
      });
      return { http, trace };
    },
  };
}

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export async function failureOf(
  fn: () => Promise<unknown>,
): Promise<Error & { code?: string; transient?: boolean; details?: Record<string, unknown> }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string; transient?: boolean; details?: Record<string, unknown> };
  }
  throw new Error('expected a failure, but the call succeeded');
}
