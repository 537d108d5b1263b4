// Where a request goes: the connection URL checked once, then base path + type prefix + action path +
// canonical query, assembled as a string so that no URL normalisation can rewrite encoded segments.

import { RunbookError } from '../errors.js';
import { withoutUserInfo } from '../secrets/redactor.js';
import { canonicalQuery } from './ocp-signature.js';
import type { HttpRequest } from '../contracts/connection.js';

/** A connection URL, validated. */
export interface ConnectionUrl {
  /** `scheme://host[:port]` as the pool connects to it. */
  origin: string;
  protocol: 'http:' | 'https:';
  /** `host:port`, the port always written (80/443 when the URL has none). */
  hostWithPort: string;
  /** The URL's path without a trailing slash, '' for the root. */
  basePath: string;
}

/**
 * Validates `url:` of a connection: it must parse, be http: or https:, and carry no credentials, query or
 * fragment. Throws SCHEMA with a message that names the connection.
 */
export function parseConnectionUrl(value: unknown, connectionName: string): ConnectionUrl {
  const bad = (why: string): never => {
    throw new RunbookError('SCHEMA', `connection '${connectionName}': url ${why}`);
  };
  if (typeof value !== 'string' || value.trim() === '')
    return bad('is missing; give the server address, e.g. https://ocp.example.com:8080');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return bad(`'${withoutUserInfo(value)}' is not a valid URL; write it like https://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad(`must start with http:// or https:// (got ${url.protocol})`);
  // The message must not echo the URL here: it holds the credentials we refuse.
  if (url.username !== '' || url.password !== '') return bad('must not contain a user name or password; put them under auth:');
  if (url.search !== '' || url.hash !== '') return bad('must not have a query (?) or a fragment (#)');
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return {
    origin: url.origin,
    protocol: url.protocol,
    hostWithPort: `${url.hostname}:${port}`,
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

/** Joins a prefix and a path unless the path already starts with the prefix (as a whole segment). */
export function withPrefix(prefix: string | undefined, path: string): string {
  const cleanPrefix = (prefix ?? '').replace(/\/+$/, '');
  if (cleanPrefix === '' || path === cleanPrefix || path.startsWith(`${cleanPrefix}/`)) return path;
  return cleanPrefix + path;
}

/**
 * The path and query sent on the request line: connection base path, the connection type's prefix (unless
 * the action path already has it), the action's path as given (already encoded), and the canonical query.
 * Undefined query values are left out.
 */
export function buildPathAndQuery(basePath: string, prefix: string | undefined, req: Pick<HttpRequest, 'path' | 'query'>): string {
  if (req.path.includes('?') || req.path.includes('#')) {
    throw new RunbookError(
      'INTERNAL',
      `request path '${req.path}' contains '?' or '#'; pass query parameters in query and build paths with encodePath`,
    );
  }
  const path = req.path.startsWith('/') ? req.path : `/${req.path}`;
  let query = '';
  if (req.query !== undefined) {
    const params: Record<string, string> = {};
    for (const key in req.query) {
      if (!Object.hasOwn(req.query, key)) continue;
      const value = req.query[key];
      if (value !== undefined) params[key] = String(value);
    }
    query = canonicalQuery(params);
  }
  const full = basePath + withPrefix(prefix, path);
  return query === '' ? full : `${full}?${query}`;
}
