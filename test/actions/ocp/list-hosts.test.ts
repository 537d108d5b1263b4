// ocp.listHosts against the simulator over real HTTP: every page read, keyword and status filters sent to
// OCP and applied again to its answer, each host with id, ip, name and status. Read-only: only GETs.

import { describe, expect, it } from 'vitest';
import listHosts, { MAX_HOST_PAGES } from '../../../src/actions/ocp/list-hosts.js';
import { mutatingRequests, useOcpSimulator } from './ocp-sim.js';

const PROD_HOSTS = 250;

const bed = useOcpSimulator({
  ocp: {
    hosts: [
      // More hosts than one page of 100 holds: three pages.
      { ids: { from: 1, to: PROD_HOSTS }, name: 'ob-prod-{id}' },
      { ids: { from: 301, to: 305 }, name: 'ob-test-{id}', status: 'OFFLINE' },
      { id: 306, name: 'ob-test-306', ip: '192.168.7.6' },
    ],
  },
});

const ids = (hosts: Array<{ id: number }> | undefined): number[] => (hosts ?? []).map((h) => h.id);

describe('ocp.listHosts', () => {
  it('is read-only (it really runs during a dry run) and plans the GET of the first page with its filters', () => {
    expect(listHosts).toMatchObject({ name: 'ocp.listHosts', connection: 'ocp', mutates: false });
    expect(listHosts.plan!({ keyword: 'prod', status: 'ONLINE' }, { step: { id: 't' } })).toEqual([
      {
        key: 'keyword=prod/status=ONLINE',
        inputs: { keyword: 'prod', status: 'ONLINE' },
        request: {
          method: 'GET',
          path: '/compute/hosts',
          query: { keyword: 'prod', status: 'ONLINE', sort: 'id,asc', page: 1, size: 100 },
        },
      },
    ]);
    expect(listHosts.plan!({}, { step: { id: 't' } })[0]?.key).toBe('all');
  });

  it('pages through 3 pages of hosts, sending the keyword with each page, and returns each host with id, ip, name and status', async () => {
    const { ctx } = bed.context();
    const result = await listHosts.run({ key: 'k', inputs: { keyword: 'prod' } }, ctx);
    expect(result.status).toBe('unchanged');
    const hosts = result.outputs?.hosts ?? [];
    expect(ids(hosts)).toEqual(Array.from({ length: PROD_HOSTS }, (_, i) => i + 1));
    expect(hosts[41]).toMatchObject({ id: 42, ip: '10.0.0.42', name: 'ob-prod-42', status: 'ONLINE' });
    expect(bed.sim.requests.map((r) => [r.method, r.pathname, r.query])).toEqual(
      [1, 2, 3].map((page) => ['GET', '/api/v2/compute/hosts', { keyword: 'prod', sort: 'id,asc', page: String(page), size: '100' }]),
    );
  });

  it('filters by status and by a keyword that is part of an IP address, in any case', async () => {
    const { ctx } = bed.context();
    const offline = await listHosts.run({ key: 'k', inputs: { status: 'offline' } }, ctx);
    expect(ids(offline.outputs?.hosts)).toEqual([301, 302, 303, 304, 305]);
    const byIp = await listHosts.run({ key: 'k', inputs: { keyword: '192.168.7' } }, ctx);
    expect(offline.outputs?.hosts.every((h) => h.status === 'OFFLINE')).toBe(true);
    expect(byIp.outputs?.hosts).toEqual([expect.objectContaining({ id: 306, ip: '192.168.7.6', name: 'ob-test-306', status: 'ONLINE' })]);
    const both = await listHosts.run({ key: 'k', inputs: { keyword: 'OB-TEST', status: 'ONLINE' } }, ctx);
    expect(ids(both.outputs?.hosts)).toEqual([306]);
    expect(mutatingRequests(bed.sim)).toEqual([]);
  });

  it('asks for the page size given, and for the order given', async () => {
    const { ctx } = bed.context();
    const result = await listHosts.run({ key: 'k', inputs: { status: 'OFFLINE', pageSize: 2, sort: 'id,desc' } }, ctx);
    expect(ids(result.outputs?.hosts)).toEqual([305, 304, 303, 302, 301]);
    expect(bed.sim.requests.map((r) => r.query.page)).toEqual(['1', '2', '3']);
    expect(bed.sim.requests.every((r) => r.query.size === '2' && r.query.sort === 'id,desc')).toBe(true);
  });

  it('applies the filters again, so a server that ignores them never widens the list', async () => {
    const fake = await bed.fake({
      'GET /compute/hosts': {
        contents: [
          { id: 1, name: 'ob-prod-1', innerIpAddress: '10.0.0.1', status: 'ONLINE' },
          { id: 2, name: 'ob-test-2', innerIpAddress: '10.0.0.2', status: 'ONLINE' },
          { id: 3, name: 'ob-prod-3', innerIpAddress: '10.0.0.3', status: 'OFFLINE' },
        ],
        page: { totalPages: 1 },
      },
    });
    const { ctx } = bed.context({ on: fake });
    const result = await listHosts.run({ key: 'k', inputs: { keyword: 'prod', status: 'ONLINE' } }, ctx);
    expect(ids(result.outputs?.hosts)).toEqual([1]);
  });

  it('reads the other field names some OCP pages use, and fills what a host leaves out', async () => {
    const fake = await bed.fake({
      'GET /compute/hosts': {
        content: [
          { id: 7, hostName: 'db-7', hostIp: '10.1.1.7' },
          { id: 8, name: 'db-8', ip: '10.1.1.8', status: 'ONLINE' },
        ],
        pageInfo: { pages: 1 },
      },
    });
    const { ctx } = bed.context({ on: fake });
    const result = await listHosts.run({ key: 'k', inputs: {} }, ctx);
    expect(result.outputs?.hosts).toEqual([
      { id: 7, hostName: 'db-7', hostIp: '10.1.1.7', ip: '10.1.1.7', name: 'db-7', status: 'UNKNOWN' },
      { id: 8, name: 'db-8', ip: '10.1.1.8', status: 'ONLINE' },
    ]);
  });

  it('gives up with BAD_RESPONSE, naming the bound, when a server always announces one more page', async () => {
    let served = 0;
    const fake = await bed.fake({
      'GET /compute/hosts': () => {
        served += 1;
        return { contents: [{ id: served, name: `h${served}`, status: 'ONLINE' }], page: { totalPages: served + 1 } };
      },
    });
    const { ctx } = bed.context({ on: fake });
    await expect(listHosts.run({ key: 'k', inputs: {} }, ctx)).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringContaining(`host list after ${MAX_HOST_PAGES} pages`),
      details: { pages: MAX_HOST_PAGES, hosts: MAX_HOST_PAGES },
    });
    expect(fake.seen).toHaveLength(MAX_HOST_PAGES);
  }, 60_000);

  it("stops between pages once the operation's signal is aborted", async () => {
    const stop = new AbortController();
    let served = 0;
    const fake = await bed.fake({
      'GET /compute/hosts': () => {
        served += 1;
        if (served === 2) stop.abort();
        return { contents: [{ id: served, name: `h${served}`, status: 'ONLINE' }], page: { totalPages: 1_000 } };
      },
    });
    const { ctx } = bed.context({ on: fake });
    await expect(listHosts.run({ key: 'k', inputs: {} }, { ...ctx, signal: stop.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
      message: expect.stringContaining('the host list was stopped before page 3'),
    });
    expect(fake.seen).toHaveLength(2);
  });
});
