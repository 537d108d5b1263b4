// Reading every page of an OCP list (`page` from 1, `size`): the one paging loop of the OCP list readers,
// bounded in pages and stopped between pages by the operation's signal. Pages are read leniently.

import type { HttpClient, HttpRequest, HttpResponse } from '../../contracts/connection.js';
import { RunbookError, isRunbookError } from '../../errors.js';

/** An entry of an OCP list: anything with a numeric `id` (fields beyond it are kept as they come). */
export interface ListEntry {
  id: number;
  [field: string]: unknown;
}

/** One OCP list to read through. */
export interface PagedList<T extends ListEntry> {
  path: string;
  /** Query parameters sent with every page besides `page` and `size` (filters, sort). */
  filters?: HttpRequest['query'];
  pageSize: number;
  /** The most pages read; a server that still announces more fails with BAD_RESPONSE. */
  maxPages: number;
  /** The list in messages: `the process list of host 20`. */
  what: string;
  /** The entries in messages and details: `processes`. */
  noun: string;
  /** Why `maxPages` is enough, for the message when a server goes past it: `, as a host has a handful of processes`. */
  bound?: string;
  /** Details every error of the listing carries, such as `{ hostId }`. */
  details?: Record<string, unknown>;
  /** What an entry becomes once read (a missing field filled in, say). */
  adopt(entry: ListEntry): T;
  /** What to throw for a failed page request (NOT_FOUND for an unknown host, say); the error itself by default. */
  onError?(error: unknown): unknown;
}

/**
 * Reads every entry of a paged OCP list, page after page, skipping entries whose id was already seen.
 * Stops when a page brings nothing new (a server that ignores `page`) or at the announced last page;
 * throws BAD_RESPONSE past `maxPages`, and the signal's reason (or CANCELLED) once the operation's signal
 * is aborted. `operation` is the action's context: its signal is read between pages only, so a listing of
 * one page never asks for it.
 */
export async function readEveryPage<T extends ListEntry>(
  http: HttpClient,
  list: PagedList<T>,
  operation?: { readonly signal: AbortSignal },
): Promise<T[]> {
  const entries: T[] = [];
  // Short lists are the common case: a scan finds a repeated id; a set takes over for a long list.
  let ids: Set<number> | undefined;
  const seen = (id: number): boolean => (ids ? ids.has(id) : entries.some((q) => q.id === id));
  for (let page = 1; ; page += 1) {
    if (page > 1 && operation?.signal.aborted) throw stoppedBetweenPages(operation.signal, list, page);
    if (page > list.maxPages) {
      throw new RunbookError(
        'BAD_RESPONSE',
        `OCP still announced more pages of ${list.what} after ${list.maxPages} pages (${entries.length} ${list.noun}); the listing stops there${list.bound ?? ''}: check the server`,
        { details: { ...list.details, pages: list.maxPages, [list.noun]: entries.length } },
      );
    }
    let res: HttpResponse;
    try {
      res = await http.request({ method: 'GET', path: list.path, query: { ...list.filters, page, size: list.pageSize } });
    } catch (e) {
      throw list.onError ? list.onError(e) : e;
    }
    const { contents, totalPages } = readPage(res.body, list.what);
    let added = 0;
    for (const entry of contents) {
      if (seen(entry.id)) continue;
      entries.push(list.adopt(entry));
      if (ids) ids.add(entry.id);
      else if (entries.length > 64) ids = new Set(entries.map((q) => q.id));
      added += 1;
    }
    // A server that ignores `page` would repeat the same page forever: stop when a page brings nothing new.
    if (added === 0 || page >= totalPages) return entries;
  }
}

/** The `data` of an OCP envelope, or the body itself when it is not one. */
export function dataOf(body: unknown): unknown {
  return body !== null && typeof body === 'object' && 'data' in body ? (body as { data: unknown }).data : body;
}

/** The error of a listing stopped by its signal: the signal's own RunbookError (a deadline), else CANCELLED. */
function stoppedBetweenPages(signal: AbortSignal, list: PagedList<ListEntry>, page: number): RunbookError {
  if (isRunbookError(signal.reason)) return signal.reason;
  return new RunbookError('CANCELLED', `${list.what} was stopped before page ${page}: the operation was cancelled`, {
    details: { ...list.details, pages: page - 1 },
  });
}

function isEntry(v: unknown): v is ListEntry {
  return v !== null && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'number';
}

/** Reads `{ contents, page: { totalPages } }`, tolerating the other names some OCP pages use. */
function readPage(body: unknown, what: string): { contents: ListEntry[]; totalPages: number } {
  const data = dataOf(body) as Record<string, unknown> | unknown[] | null | undefined;
  if (Array.isArray(data)) return { contents: data.filter(isEntry), totalPages: 1 };
  if (data === null || typeof data !== 'object') {
    throw new RunbookError('BAD_RESPONSE', `OCP answered ${what} without a data object; is the connection URL an OCP server?`);
  }
  const list = data.contents ?? data.content ?? data.items ?? data.list ?? [];
  const page = (data.page ?? data.pageInfo ?? {}) as Record<string, unknown>;
  const totalPages = Number(page.totalPages ?? page.pages ?? data.totalPages ?? 1);
  return { contents: Array.isArray(list) ? list.filter(isEntry) : [], totalPages: Number.isFinite(totalPages) ? totalPages : 1 };
}
