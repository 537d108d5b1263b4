// Raw HTTP calls to a simulator for its tests: undici `request`, with the default credentials at hand.

import { request } from 'undici';
import { canonicalQuery, contentMd5, ocpSignature, ocpStringToSign } from '../../src/connections/ocp-signature.js';
import type { Simulator } from '../../src/sim/index.js';

export const BASIC_ADMIN = `Basic ${Buffer.from('admin:sim-password').toString('base64')}`;

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Parsed body (undefined when the body is empty or not JSON); loosely typed so tests can index into it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** Sends one request and reads the whole answer. `path` is sent exactly as given. */
export async function call(
  sim: Simulator,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: { headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
): Promise<RawAnswer> {
  const res = await request(`${sim.url}${path}`, {
    method,
    headers: options.headers,
    body: options.body,
    signal: options.signal,
  });
  const text = await res.body.text();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers, text, json };
}

/** An OCP call with Basic admin credentials. */
export function ocp(sim: Simulator, method: 'GET' | 'POST', path: string): Promise<RawAnswer> {
  return call(sim, method, `/api/v2${path}`, { headers: { authorization: BASIC_ADMIN, 'content-type': 'application/json' } });
}

/** Headers of an AccessKey-signed OCP request to this simulator (Host is the simulator's host:port). */
export function signedHeaders(
  sim: Simulator,
  req: {
    method: string;
    path: string;
    query?: Record<string, string>;
    body?: string;
    date?: Date;
    ak?: string;
    sk?: string;
    ocpHeaders?: Record<string, string>;
  },
): { headers: Record<string, string>; pathAndQuery: string } {
  const query = req.query ? canonicalQuery(req.query) : '';
  const pathAndQuery = query === '' ? req.path : `${req.path}?${query}`;
  const date = (req.date ?? new Date()).toUTCString();
  const contentType = 'application/json';
  const stringToSign = ocpStringToSign({
    method: req.method,
    contentMd5: contentMd5(req.body),
    contentType,
    date,
    host: new URL(sim.url).host,
    ocpHeaders: req.ocpHeaders ?? {},
    pathAndQuery,
  });
  const signature = ocpSignature(req.sk ?? 'sim-secret-key', stringToSign);
  return {
    pathAndQuery,
    headers: {
      ...req.ocpHeaders,
      'content-type': contentType,
      date,
      authorization: `OCP-ACCESS-KEY-HMACSHA1 ${req.ak ?? 'sim-access-key'}:${signature}`,
    },
  };
}

/** Logs in to the simulated BAO and returns the token. */
export async function baoLogin(sim: Simulator, username = 'admin', password = 'sim-password'): Promise<string> {
  const res = await call(sim, 'POST', '/baocdp/rest/login', {
    headers: { 'content-type': 'application/json;charset=UTF-8' },
    body: JSON.stringify({ username, password }),
  });
  const token = res.headers['authentication-token'];
  if (res.status !== 200 || token === undefined) throw new Error(`BAO login failed with ${res.status}: ${res.text}`);
  return token;
}

/** A BAO call with a token. */
export function bao(sim: Simulator, token: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<RawAnswer> {
  return call(sim, method, `/baocdp/rest${path}`, {
    headers: { 'content-type': 'application/json;charset=UTF-8', 'authentication-token': token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Polls `check` every few ms until it returns true or `timeoutMs` passes (then throws). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
