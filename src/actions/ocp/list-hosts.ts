// ocp.listHosts: finds OCP hosts by keyword and status (every page of GET /compute/hosts), so that later
// steps can forEach over them by id. Read-only: it also runs during a dry run.

import { defineAction } from '../../contracts/action.js';
import { readEveryPage, type ListEntry } from './pages.js';

interface ListHostsInputs {
  keyword?: string;
  status?: string;
  sort?: string;
  pageSize?: number;
}

/** A host as OCP returns it, with `ip`, `name` and `status` always present. */
export interface OcpHost {
  id: number;
  /** The inner IP address (`innerIpAddress` in OCP's answer); null when OCP gives none. */
  ip: string | null;
  name: string | null;
  /** `UNKNOWN` when OCP gives none. */
  status: string;
  [field: string]: unknown;
}

export const HOSTS_PATH = '/compute/hosts';
/** Page size asked for unless `pageSize` says otherwise; OCP accepts up to 2000. */
export const HOST_PAGE_SIZE = 100;
/** The most pages one host list may take: a server always announcing one more page must not keep it busy forever. */
export const MAX_HOST_PAGES = 2_000;
/** The order asked for, so that pages read one after the other neither skip nor repeat a host. */
export const HOST_SORT = 'id,asc';

export default defineAction<ListHostsInputs, { hosts: OcpHost[] }>({
  name: 'ocp.listHosts',
  description:
    'Lists OCP hosts (GET /api/v2/compute/hosts, every page), filtered by `keyword` (part of the name or IP, any case) ' +
    'and `status`. OCP filters, and the action applies the same filters again to the answer, so a server that ignores ' +
    'one never widens the list. Outputs `hosts`, each with `id`, `ip`, `name` and `status`. Read-only; always `unchanged`.',
  connection: 'ocp',
  mutates: false,
  inputs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      keyword: { type: 'string', minLength: 1, description: 'Keep hosts whose name or IP contains this text (any case), e.g. ob-prod.' },
      status: { type: 'string', minLength: 1, description: 'Keep hosts in this status (any case), e.g. ONLINE or OFFLINE.' },
      sort: {
        type: 'string',
        pattern: '^[A-Za-z][A-Za-z0-9_.]*,(asc|desc|ASC|DESC)$',
        default: HOST_SORT,
        description: 'Order of the hosts, as `field,asc` or `field,desc`.',
      },
      pageSize: {
        type: 'integer',
        minimum: 1,
        maximum: 2000,
        default: HOST_PAGE_SIZE,
        description: `Hosts asked for per page; at most ${MAX_HOST_PAGES} pages are read.`,
      },
    },
  },
  outputs: {
    type: 'object',
    properties: {
      hosts: {
        type: 'array',
        description: 'Host objects as OCP returns them, each with id, ip, name and status.',
        items: {
          type: 'object',
          required: ['id', 'ip', 'name', 'status'],
          properties: {
            id: { type: 'integer' },
            ip: { type: ['string', 'null'] },
            name: { type: ['string', 'null'] },
            status: { type: 'string' },
          },
        },
      },
    },
  },
  // The first page's GET is known in full; further pages, if any, follow with the next `page`.
  plan: (inputs) => [
    {
      key: listKey(inputs),
      inputs,
      request: { method: 'GET', path: HOSTS_PATH, query: { ...hostFilters(inputs), page: 1, size: pageSizeOf(inputs) } },
    },
  ],
  async run(op, ctx) {
    const { keyword, status } = op.inputs;
    const hosts = await readEveryPage<OcpHost>(
      ctx.http,
      {
        path: HOSTS_PATH,
        filters: hostFilters(op.inputs),
        pageSize: pageSizeOf(op.inputs),
        maxPages: MAX_HOST_PAGES,
        what: 'the host list',
        noun: 'hosts',
        adopt: hostFromAnswer,
      },
      ctx,
    );
    return { status: 'unchanged', outputs: { hosts: hosts.filter((h) => matchesKeyword(h, keyword) && matchesStatus(h, status)) } };
  },
});

/** The query filters of every page: keyword and status when given, and the sort order. */
function hostFilters(inputs: ListHostsInputs): Record<string, string> {
  const filters: Record<string, string> = {};
  if (inputs.keyword !== undefined) filters.keyword = inputs.keyword;
  if (inputs.status !== undefined) filters.status = inputs.status;
  filters.sort = inputs.sort ?? HOST_SORT;
  return filters;
}

function pageSizeOf(inputs: ListHostsInputs): number {
  return inputs.pageSize ?? HOST_PAGE_SIZE;
}

/** A host of OCP's answer with `ip`, `name` and `status` read leniently (`innerIpAddress`, `hostName`, `hostIp`). */
function hostFromAnswer(h: ListEntry): OcpHost {
  const text = (...values: unknown[]): string | null =>
    (values.find((v) => typeof v === 'string' && v !== '') as string | undefined) ?? null;
  return { ...h, ip: text(h.ip, h.innerIpAddress, h.hostIp), name: text(h.name, h.hostName), status: text(h.status) ?? 'UNKNOWN' };
}

function matchesKeyword(h: OcpHost, keyword: string | undefined): boolean {
  if (keyword === undefined) return true;
  const k = keyword.toLowerCase();
  return (h.name ?? '').toLowerCase().includes(k) || (h.ip ?? '').toLowerCase().includes(k);
}

function matchesStatus(h: OcpHost, status: string | undefined): boolean {
  return status === undefined || h.status.toUpperCase() === status.toUpperCase();
}

function listKey(inputs: ListHostsInputs): string {
  return (
    [inputs.keyword !== undefined && `keyword=${inputs.keyword}`, inputs.status !== undefined && `status=${inputs.status}`]
      .filter(Boolean)
      .join('/') || 'all'
  );
}
