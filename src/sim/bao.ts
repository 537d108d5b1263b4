// The simulated BAO (TrueSight Orchestration) REST API under /baocdp/rest: login sessions with idle
// expiry, and peers whose stop and start take effect asynchronously, after transitionDelayMs.

import { randomBytes } from 'node:crypto';
import type { SimBaoConfig } from './config.js';
import { matchRoute, sendEmpty, sendJson, type Exchange } from './routing.js';

/** One peer, live. */
export interface SimPeer {
  readonly name: string;
  type: string;
  description: string;
  /** Current status (a pending transition is applied when its time has come). */
  status: string;
  osName: string;
  productVersion: string;
  hostName: string;
  metricsyncPoint: boolean;
  workflowServer: boolean;
  /** This peer's own transition delay, when it has one. */
  transitionDelayMs?: number;
  /** A requested status change not visible yet. */
  pending: { status: string; at: number } | undefined;
  stopRequests: number;
  startRequests: number;
}

/** Live BAO state, for tests' setup and assertions. */
export interface SimBaoView {
  peer(name: string): SimPeer | undefined;
  peers(): SimPeer[];
  /** Successful logins since start. */
  readonly logins: number;
  /** Successful logouts since start. */
  readonly logouts: number;
  /** Tokens currently valid (not expired, not logged out). */
  readonly activeTokens: number;
  /** Makes every token invalid at once, as a session timeout would. */
  expireAllTokens(): void;
  /** Sets a peer's status now, cancelling any pending transition. */
  setPeerStatus(name: string, status: string): void;
}

type Handler = (ex: Exchange, params: Record<string, string>) => void;

interface Route {
  method: string;
  pattern: string[];
  /** Whether the route needs a valid Authentication-Token. */
  auth: boolean;
  handler: Handler;
}

export class BaoApi implements SimBaoView {
  private readonly peerMap = new Map<string, SimPeer>();
  private readonly tokens = new Map<string, number>();
  private readonly routes: Route[];
  private loginCount = 0;
  private logoutCount = 0;

  constructor(private readonly config: SimBaoConfig) {
    for (const p of config.peers) {
      this.peerMap.set(p.name, { ...p, pending: undefined, stopRequests: 0, startRequests: 0 });
    }
    const r = (method: string, path: string, auth: boolean, handler: Handler): Route => ({
      method,
      pattern: path.split('/').slice(1),
      auth,
      handler,
    });
    this.routes = [
      r('POST', '/login', false, (ex) => this.login(ex)),
      r('POST', '/logout', true, (ex) => this.logout(ex)),
      r('GET', '/peer', true, (ex) => this.listPeers(ex)),
      r('POST', '/peer/stop', true, (ex) => this.bulk(ex, 'stop')),
      r('POST', '/peer/start', true, (ex) => this.bulk(ex, 'start')),
      r('GET', '/peer/:name', true, (ex, p) => this.getPeer(ex, p.name as string)),
      r('PUT', '/peer/:name/stop', true, (ex, p) => this.single(ex, p.name as string, 'stop')),
      r('PUT', '/peer/:name/start', true, (ex, p) => this.single(ex, p.name as string, 'start')),
      r('GET', '/info/peer', true, (ex) => this.peerInfo(ex)),
    ];
  }

  get logins(): number {
    return this.loginCount;
  }

  get logouts(): number {
    return this.logoutCount;
  }

  get activeTokens(): number {
    this.dropExpiredTokens();
    return this.tokens.size;
  }

  peer(name: string): SimPeer | undefined {
    this.settle();
    return this.peerMap.get(name);
  }

  peers(): SimPeer[] {
    this.settle();
    return [...this.peerMap.values()];
  }

  expireAllTokens(): void {
    this.tokens.clear();
  }

  setPeerStatus(name: string, status: string): void {
    const p = this.peerMap.get(name);
    if (!p) throw new Error(`No simulated BAO peer named ${name}`);
    p.status = status;
    p.pending = undefined;
  }

  /** Answers a BAO request; `segments` are the decoded path segments after `/baocdp/rest`. */
  handle(ex: Exchange, segments: string[]): void {
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchRoute(segments, route.pattern);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== ex.method) continue;
      if (route.auth && !this.checkToken(ex)) {
        return this.fail(ex, 401, 'Unauthorized: log in again (the Authentication-Token is missing, unknown or expired)');
      }
      return route.handler(ex, params);
    }
    if (pathMatched) return this.fail(ex, 405, `Method ${ex.method} is not allowed here`);
    return this.fail(ex, 404, `No such resource: ${ex.method} ${ex.pathname}`);
  }

  /** The error body BAO's documentation leaves open; the simulator uses a small JSON object. */
  fail(ex: Exchange, status: number, message: string, extraHeaders: Record<string, string> = {}): void {
    sendJson(ex.res, status, { response: 'Error', status, message }, extraHeaders);
  }

  /** An injected fault with the given status. */
  failInjected(ex: Exchange, status: number): void {
    this.fail(ex, status, `Injected fault: HTTP ${status}`, status === 429 ? { 'retry-after': '1' } : {});
  }

  private checkToken(ex: Exchange): boolean {
    const token = ex.headers['authentication-token'];
    if (token === undefined) return false;
    this.dropExpiredTokens();
    if (!this.tokens.has(token)) return false;
    this.tokens.set(token, Date.now());
    return true;
  }

  private dropExpiredTokens(): void {
    const now = Date.now();
    for (const [token, lastUsed] of this.tokens) {
      if (now - lastUsed >= this.config.tokenIdleTimeoutMs) this.tokens.delete(token);
    }
  }

  private login(ex: Exchange): void {
    const body = parseJsonObject(ex.body);
    const username = body?.username;
    const password = body?.password;
    if (typeof username !== 'string' || typeof password !== 'string') {
      return this.fail(ex, 400, 'Login needs a JSON body {"username": "...", "password": "..."}');
    }
    const user = this.config.users.find((u) => u.username === username);
    if (!user || user.password !== password) return this.fail(ex, 401, 'Login failed: unknown user or wrong password');
    const token = newToken();
    this.tokens.set(token, Date.now());
    this.loginCount += 1;
    sendJson(ex.res, 200, { login: 'true' }, { 'authentication-token': token });
  }

  private logout(ex: Exchange): void {
    this.tokens.delete(ex.headers['authentication-token'] as string);
    this.logoutCount += 1;
    sendJson(ex.res, 200, { logout: 'true' });
  }

  private listPeers(ex: Exchange): void {
    const matchon = ex.query.matchon ?? 'name';
    if (matchon !== 'name' && matchon !== 'type' && matchon !== 'status') {
      return this.fail(ex, 400, `matchon must be name, type or status, got "${matchon}"`);
    }
    let pattern: RegExp;
    try {
      // BAO is Java: the pattern must match the whole value, as String.matches does.
      pattern = new RegExp(`^(?:${ex.query.pattern ?? '.*'})$`);
    } catch {
      return this.fail(ex, 400, `pattern is not a valid regular expression: ${ex.query.pattern}`);
    }
    const peers = this.peers().filter((p) => pattern.test(p[matchon]));
    sendJson(ex.res, 200, peers.map(peerJson));
  }

  private getPeer(ex: Exchange, name: string): void {
    const peer = this.peer(name);
    if (!peer) return this.fail(ex, 404, `Peer not found: ${name}`);
    sendJson(ex.res, 200, peerJson(peer));
  }

  private peerInfo(ex: Exchange): void {
    sendJson(ex.res, 200, {
      peerInfoList: this.peers().map((p) => ({
        name: p.name,
        status: p.status,
        osName: p.osName,
        productVersion: p.productVersion,
        hostName: p.hostName,
        type: p.type,
      })),
    });
  }

  private single(ex: Exchange, name: string, action: 'stop' | 'start'): void {
    const peer = this.peer(name);
    if (!peer) return this.fail(ex, 404, `Peer not found: ${name}`);
    this.requestTransition(peer, action);
    this.accept(ex);
  }

  private bulk(ex: Exchange, action: 'stop' | 'start'): void {
    const body = parseJsonObject(ex.body);
    const list = body?.peers;
    if (!Array.isArray(list) || list.length === 0) {
      return this.fail(ex, 400, `Send a JSON body {"peers": [{"name": "..."}]} with at least one peer`);
    }
    const names: string[] = [];
    for (const item of list) {
      const name = isRecord(item) ? item.name : undefined;
      if (typeof name !== 'string') return this.fail(ex, 400, 'Every entry of "peers" needs a string "name"');
      names.push(name);
    }
    const unknown = names.find((n) => this.peer(n) === undefined);
    if (unknown !== undefined) return this.fail(ex, 404, `Peer not found: ${unknown}`);
    for (const n of names) this.requestTransition(this.peerMap.get(n) as SimPeer, action);
    this.accept(ex);
  }

  private requestTransition(peer: SimPeer, action: 'stop' | 'start'): void {
    if (action === 'stop') peer.stopRequests += 1;
    else peer.startRequests += 1;
    const target = action === 'stop' ? this.config.stoppedStatus : 'RUNNING';
    if (peer.status === target && peer.pending === undefined) return;
    peer.pending = { status: target, at: Date.now() + (peer.transitionDelayMs ?? this.config.transitionDelayMs) };
    this.settle();
  }

  private accept(ex: Exchange): void {
    const { acceptStatus, acceptBody } = this.config;
    if (acceptStatus === 204 || acceptBody === null || acceptBody === undefined) return sendEmpty(ex.res, acceptStatus);
    sendJson(ex.res, acceptStatus, acceptBody);
  }

  /** Applies every pending transition whose time has come. */
  private settle(): void {
    const now = Date.now();
    for (const p of this.peerMap.values()) {
      if (p.pending && p.pending.at <= now) {
        p.status = p.pending.status;
        p.pending = undefined;
      }
    }
  }
}

function peerJson(p: SimPeer): Record<string, string> {
  return {
    name: p.name,
    description: p.description,
    type: p.type,
    metricsyncPoint: String(p.metricsyncPoint),
    workflowServer: String(p.workflowServer),
  };
}

/** An opaque token with the `/`, `+` and `*` characters real BAO tokens carry, so clients are tested with them. */
function newToken(): string {
  const b64 = randomBytes(24).toString('base64');
  return `${b64.slice(0, 8)}/+*${b64.slice(8)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
