// What every request of one open connection shares: where it goes, its session, its pool, its log.

import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Redactor } from '../secrets/redactor.js';
import type { ConnectionSession } from '../contracts/connection.js';

export interface ConnectionState {
  /** The `connections:` key. */
  name: string;
  /** Scheme, host and port of the connection URL. */
  origin: string;
  /** The connection URL's path, without a trailing slash. */
  basePath: string;
  /** The connection's `headers:`, names lower-cased. */
  staticHeaders: Record<string, string>;
  session: ConnectionSession;
  pool: Dispatcher;
  log: Logger;
  redactor: Redactor;
  /** Every request put on the wire so far, each attempt counted. */
  sent: SentRequests;
}

/** Requests a connection sent: what `plan --online` reports it sent. */
export interface SentRequests {
  /** Requests of operations and probes, by method. */
  readonly byMethod: Record<string, number>;
  /** The session's own requests (a BAO login or logout), by method and path, e.g. `POST /baocdp/rest/login`. */
  readonly bySession: Record<string, number>;
}
