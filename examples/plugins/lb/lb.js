// @ts-check
// A third-party plugin for runbook: drains and enables members of a load balancer pool.
// It uses only the package's public API ('runbook'), and brings its own connection type, `lb`.

import { defineAction, defineConnection, encodePath, RunbookError } from 'runbook';

/** A connection to the load balancer's admin API, authenticated by a static token header. */
export const lbConnection = defineConnection({
  type: 'lb',
  description: 'Load balancer admin API; sends the token in X-Auth-Token',
  config: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'url', 'token'],
    properties: {
      type: { const: 'lb' },
      url: { type: 'string', pattern: '^https?://', description: 'Admin API base URL' },
      token: { type: 'string', description: 'API token (keep it in the environment)' },
      tls: { type: 'object', description: 'Same options as the built-in connections: ca, insecureSkipVerify' },
    },
  },
  open(config, ctx) {
    const token = /** @type {string} */ (config.token);
    ctx.redactor.add(token); // never printed, logged or written to a report
    return {
      authorize(req) {
        req.headers['x-auth-token'] = token;
      },
    };
  },
});

/** @typedef {{ pool: string, member: string }} MemberInputs */

const memberInputs = {
  type: 'object',
  additionalProperties: false,
  required: ['pool', 'member'],
  properties: {
    pool: { type: 'string', minLength: 1, description: 'Pool name' },
    member: { type: 'string', minLength: 1, description: 'Member address, e.g. 10.0.0.21:2881' },
  },
};

/**
 * Reads a member's state: `ENABLED` or `DRAINED`. A missing member is a clear NOT_FOUND.
 * @param {import('runbook').HttpClient} http
 * @param {MemberInputs} m
 */
async function memberState(http, m) {
  try {
    const res = await http.request({ method: 'GET', path: encodePath`/pools/${m.pool}/members/${m.member}` });
    return /** @type {{ state: string }} */ (res.body).state;
  } catch (e) {
    if (e instanceof RunbookError && e.details?.status === 404) {
      throw new RunbookError('NOT_FOUND', `pool '${m.pool}' has no member '${m.member}'`);
    }
    throw e;
  }
}

/**
 * One action for each direction: the same shape, a different verb and wanted state.
 * @param {'drain' | 'enable'} verb
 * @param {string} wanted
 */
function memberAction(verb, wanted) {
  return defineAction(
    /** @type {import('runbook').ActionDefinition<MemberInputs>} */ ({
      name: verb === 'drain' ? 'lb.drainMember' : 'lb.enableMember',
      description: `${verb === 'drain' ? 'Drains' : 'Enables'} one member of a load balancer pool; unchanged when it already is ${wanted}.`,
      connection: 'lb',
      mutates: true,
      inputs: memberInputs,
      outputs: { type: 'object', properties: { state: { type: 'string' } } },
      plan: (inputs) => [
        {
          key: `${inputs.pool}/${inputs.member}`,
          inputs,
          request: { method: 'PUT', path: encodePath`/pools/${inputs.pool}/members/${inputs.member}/${verb}` },
        },
      ],
      async probe(op, ctx) {
        const state = await memberState(ctx.http, op.inputs);
        return state === wanted
          ? { outcome: 'unchanged', reason: `${op.inputs.member} is already ${wanted}` }
          : { outcome: 'would change', reason: `${op.inputs.member} is ${state}` };
      },
      async run(op, ctx) {
        const { pool, member } = op.inputs;
        if ((await memberState(ctx.http, op.inputs)) === wanted) return { status: 'unchanged', outputs: { state: wanted } };
        const res = await ctx.http.request({ method: 'PUT', path: encodePath`/pools/${pool}/members/${member}/${verb}` });
        const state = /** @type {{ state?: string }} */ (res.body)?.state;
        if (state !== wanted) throw new Error(`the load balancer says ${member} is ${state ?? 'unknown'} after ${verb}, not ${wanted}`);
        ctx.log.info({ pool, member }, `member ${verb}ed`);
        return { status: 'changed', outputs: { state } };
      },
    }),
  );
}

export default [lbConnection, memberAction('drain', 'DRAINED'), memberAction('enable', 'ENABLED')];
