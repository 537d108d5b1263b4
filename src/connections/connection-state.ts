// What every request of one open connection shares: where it goes, its session, its pool, its log.

import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Redactor } from '../secrets/redactor.js';
import type { ConnectionSession } from './types.js';

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
}
