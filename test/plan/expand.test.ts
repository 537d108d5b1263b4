// expandStep turns one validated step into concrete operations without sending anything: forEach over a
// list, keys, `if:`, path inputs as single encoded segments, environment values that reach headers or
// body reported as secrets, expression errors as operation errors, and steps waiting on unknown outputs.

import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import { defineAction } from '../../src/contracts/action.js';
import { openConnection, type ConnectionRuntime } from '../../src/connections/transport.js';
import { expandStep, type ConnectionView, type SecretInput } from '../../src/plan/expand.js';
import type { ResolvedStep } from '../../src/plan/types.js';
import { parseRunbook } from '../../src/runbook/load.js';
import type { StepSpec } from '../../src/runbook/model.js';
import type { Scope } from '../../src/runbook/expressions.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { hostsParam, ocpStep, runbookYaml } from '../helpers/runbooks.js';

const registry = createRegistry();
// A plugin action whose plan shows no request: what it sends is known only from the names of its inputs.
registry.registerAction(
  defineAction({
    name: 'acme.deliver',
    description: 'Delivers a note with headers and a body of its own making',
    mutates: true,
    inputs: {
      type: 'object',
      additionalProperties: false,
      properties: { headers: { type: 'object' }, body: { type: 'object' }, note: { type: 'string' } },
    },
    plan: (inputs) => [{ inputs }],
    async run() {
      return { status: 'changed' };
    },
  }),
  'plugin',
);
const CONNECTIONS = {
  ocp: { type: 'ocp', url: 'https://ocp.example:8080', auth: { type: 'basic', username: 'admin', password: 'ocp-password' } },
  bao: { type: 'bao', url: 'https://bao.example:38080', auth: { type: 'login', username: 'admin', password: 'bao-password' } },
  api: { type: 'http', url: 'https://api.example' },
};
const PARAMS = {
  hosts: hostsParam([20, 21]),
  enabled: { type: 'boolean', default: true },
  items: { type: 'array', default: [] },
};

// Real connections (opening one sends nothing): their URLs are the ones a plan prints.
const runtimes: ConnectionRuntime[] = Object.entries(CONNECTIONS).map(([name, config]) =>
  openConnection({
    name,
    config,
    definition: registry.connection(config.type)!.definition,
    baseDir: process.cwd(),
    log: pino({ level: 'silent' }),
    redactor: new Redactor(),
    maxConnections: 1,
  }),
);
const connections = new Map<string, ConnectionView>(
  runtimes.map((rt) => [rt.name, { name: rt.name, type: rt.type, url: rt.baseUrl, urlFor: (req) => rt.urlFor(req) }]),
);
afterAll(() => Promise.all(runtimes.map((rt) => rt.close())));

/** The steps of a runbook with the test connections, as the loader validates them. */
async function stepsOf(...steps: Record<string, unknown>[]): Promise<StepSpec[]> {
  const text = runbookYaml({ params: PARAMS, connections: CONNECTIONS, steps });
  return (await parseRunbook(text, 'rb.yaml', { registry })).steps;
}

interface ExpandOptions {
  params?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  steps?: Scope['steps'];
  unknownOutputs?: string[];
}

/** Expands one step as a plan does, collecting the secret inputs it reports. */
function expand(step: StepSpec, options: ExpandOptions = {}): { resolved: ResolvedStep; secrets: SecretInput[] } {
  const secrets: SecretInput[] = [];
  const resolved = expandStep(step, {
    registry,
    scope: { params: options.params ?? { hosts: [20, 21] }, env: options.env ?? {}, steps: options.steps ?? {} },
    connections,
    unknownOutputs: new Map((options.unknownOutputs ?? []).map((id) => [id, 'is unknown until run'])),
    onSecretInput: (found) => secrets.push(found),
  });
  return { resolved, secrets };
}

describe('forEach', () => {
  it('makes one operation per item of a params list, keyed by the action, with the item, its index and the exact request', async () => {
    const [step] = await stepsOf(ocpStep());
    const { resolved } = expand(step!, { params: { hosts: [20, 21, 22] } });
    expect(resolved.disposition).toBe('planned');
    expect(resolved.operations.map((op) => [op.key, op.item, op.index, op.inputs])).toEqual([
      ['stop/host=20/process=185', 20, 0, { hostId: 20, agentProcessId: 185 }],
      ['stop/host=21/process=185', 21, 1, { hostId: 21, agentProcessId: 185 }],
      ['stop/host=22/process=185', 22, 2, { hostId: 22, agentProcessId: 185 }],
    ]);
    expect(resolved.operations[0]!.requests).toEqual([
      { method: 'POST', url: 'https://ocp.example:8080/api/v2/compute/hosts/20/agent/processes/185/stop' },
    ]);
  });

  it('takes a literal list, and an empty list gives a planned step of no operations', async () => {
    const [literal, empty] = await stepsOf(ocpStep({ hosts: [30, 31] }), ocpStep({ id: 'none', hosts: [] }));
    expect(expand(literal!).resolved.operations.map((op) => op.key)).toEqual(['stop/host=30/process=185', 'stop/host=31/process=185']);
    expect(expand(empty!).resolved).toMatchObject({ disposition: 'planned', operations: [] });
  });

  it('gives a repeated item its own key: the second and third get #2 and #3', async () => {
    const [step] = await stepsOf(ocpStep({ hosts: [20, 20, 21, 20] }));
    expect(expand(step!).resolved.operations.map((op) => op.key)).toEqual([
      'stop/host=20/process=185',
      'stop/host=20/process=185#2',
      'stop/host=21/process=185',
      'stop/host=20/process=185#3',
    ]);
  });

  it('fails the step with EXPRESSION when forEach is not a list', async () => {
    const [step] = await stepsOf(ocpStep({ hosts: '${{ params.hosts }}' }));
    const { resolved } = expand(step!, { params: { hosts: 'twenty' } });
    expect(resolved).toMatchObject({ disposition: 'failed', error: { code: 'EXPRESSION' }, operations: [] });
    expect(resolved.reason).toBe(`forEach of step 'stop' must be a list, got the string "twenty"`);
  });
});

describe('if:', () => {
  it('skips the step, with no operation, when the condition is false, and expands it when true', async () => {
    const [step] = await stepsOf(ocpStep({ if: '${{ params.enabled }}' }));
    expect(expand(step!, { params: { hosts: [20], enabled: false } }).resolved).toEqual({
      id: 'stop',
      action: 'ocp.stopAgentProcess',
      connection: 'ocp',
      disposition: 'skipped',
      reason: 'its if: condition is false',
      operations: [],
    });
    expect(expand(step!, { params: { hosts: [20], enabled: true } }).resolved.operations).toHaveLength(1);
  });
});

describe('path inputs', () => {
  const call = { id: 'call', action: 'http.request', connection: 'api', with: { method: 'POST', path: '/peers/${{ item }}/stop' } };

  it('encodes each value as exactly one path segment, keeping the literal text as written', async () => {
    const [step] = await stepsOf({ ...call, forEach: ['../admin', 'a/b?x=1', '..', 'AP1'] });
    const { resolved } = expand(step!);
    expect(resolved.operations.map((op) => op.inputs.path)).toEqual([
      '/peers/..%2Fadmin/stop',
      '/peers/a%2Fb%3Fx%3D1/stop',
      '/peers/%2E%2E/stop',
      '/peers/AP1/stop',
    ]);
    expect(resolved.operations[0]!.requests).toEqual([{ method: 'POST', url: 'https://api.example/peers/..%2Fadmin/stop' }]);
  });

  it('makes a value that is not a string or a number an INVALID_INPUT error of its operation, naming the expression', async () => {
    const [step] = await stepsOf({ ...call, forEach: '${{ params.items }}' });
    const [listed, named] = expand(step!, { params: { items: [['a', 'b'], 'AP1'] } }).resolved.operations;
    expect(listed).toMatchObject({ key: 'call[0]', inputs: {}, requests: [], error: { code: 'INVALID_INPUT' } });
    expect(listed!.error!.message).toBe(
      "http.request: input 'path': ${{ item }} is a list; a value in a URL path must be a string or a number, and becomes exactly one path segment",
    );
    expect(named!.error).toBeUndefined();
  });
});

describe('environment values in with:', () => {
  const ENV = { TOKEN: 'tok-5f0c93d1', PASSWORD: 'pw-2b7e1516', API_KEY: 'key-9d4b1c7e', REGION: 'eu-west', PEER: 'AP-secret-peer' };

  it('reports those read under headers, body or a secret-looking key as secrets, once each, and not those in the path', async () => {
    const [step] = await stepsOf({
      id: 'call',
      action: 'http.request',
      connection: 'api',
      with: {
        method: 'POST',
        path: '/regions/${{ env.REGION }}',
        query: { api_key: '${{ env.API_KEY }}' },
        headers: { Authorization: 'Bearer ${{ env.TOKEN }}' },
        body: { user: 'ops', note: '${{ env.PASSWORD }}' },
      },
    });
    const { resolved, secrets } = expand(step!, { env: ENV });
    expect(resolved.operations[0]!.inputs.path).toBe('/regions/eu-west');
    expect(secrets).toEqual([
      { step: 'call', key: 'call', input: 'query.api_key', env: 'API_KEY', value: ENV.API_KEY },
      { step: 'call', key: 'call', input: 'headers.Authorization', env: 'TOKEN', value: ENV.TOKEN },
      { step: 'call', key: 'call', input: 'body.note', env: 'PASSWORD', value: ENV.PASSWORD },
    ]);
  });

  it('reports one under a plain key when the action puts it into a request body', async () => {
    const [step] = await stepsOf({ id: 'group', action: 'bao.stopPeers', connection: 'bao', with: { peers: ['AP1', '${{ env.PEER }}'] } });
    const { secrets } = expand(step!, { env: ENV });
    expect(secrets).toEqual([{ step: 'group', key: 'group', input: 'peers.1', env: 'PEER', value: ENV.PEER }]);
  });

  it('reports those read under headers or body by their place alone, when the plan shows no request', async () => {
    const [step] = await stepsOf({
      id: 'deliver',
      action: 'acme.deliver',
      with: { headers: { 'X-Trace': '${{ env.TOKEN }}' }, body: { text: '${{ env.PASSWORD }}' }, note: '${{ env.REGION }}' },
    });
    const { secrets } = expand(step!, { env: ENV });
    expect(secrets.map((f) => [f.input, f.env])).toEqual([
      ['headers.X-Trace', 'TOKEN'],
      ['body.text', 'PASSWORD'],
    ]);
  });

  it('reports nothing for an environment value that only reaches the path, or one that is empty', async () => {
    const [step] = await stepsOf({
      id: 'call',
      action: 'http.request',
      connection: 'api',
      with: { method: 'GET', path: '/regions/${{ env.REGION }}', headers: { 'X-Empty': '${{ env.EMPTY }}' } },
    });
    expect(expand(step!, { env: { ...ENV, EMPTY: '' } }).secrets).toEqual([]);
  });
});

describe('errors', () => {
  it('makes an expression that fails for one item an error of that operation, not of the step', async () => {
    const [step] = await stepsOf(
      ocpStep({ hosts: '${{ params.items }}', with: { hostId: '${{ item.host }}', alias: 'obstat-${{ item.suffix }}' } }),
    );
    const { resolved } = expand(step!, { params: { items: [{ host: 20, suffix: '2' }, { host: 21 }] } });
    expect(resolved.disposition).toBe('planned');
    const [ok, broken] = resolved.operations;
    expect(ok).toMatchObject({ key: 'stop/host=20/alias=obstat-2', inputs: { hostId: 20, alias: 'obstat-2' } });
    expect(ok!.error).toBeUndefined();
    expect(broken).toEqual({
      key: 'stop[1]',
      inputs: {},
      item: { host: 21 },
      index: 1,
      requests: [],
      error: {
        code: 'EXPRESSION',
        message: "${{ item.suffix }} has no value inside the text 'obstat-${{ item.suffix }}'; check the name, or give a default with ??",
      },
    });
  });

  it('makes inputs that break the action schema once evaluated an INVALID_INPUT error of the operation', async () => {
    const [step] = await stepsOf(ocpStep({ hosts: ['twenty'] }));
    const [op] = expand(step!).resolved.operations;
    expect(op).toMatchObject({
      key: 'stop[0]',
      inputs: { hostId: 'twenty', agentProcessId: 185 },
      requests: [],
      error: { code: 'INVALID_INPUT' },
    });
  });
});

describe('step outputs', () => {
  const find = { id: 'find', action: 'ocp.listAgentProcesses', connection: 'ocp', with: { hostId: 20 } };
  const after = ocpStep({
    id: 'after',
    hosts: '${{ steps.find.outputs.processes }}',
    with: { hostId: 20, agentProcessId: '${{ item.id }}' },
  });

  it('leaves a step that reads the outputs of a step not run (offline) unresolved, naming that step', async () => {
    const [, step] = await stepsOf(find, after);
    expect(expand(step!, { unknownOutputs: ['find'] }).resolved).toMatchObject({
      id: 'after',
      disposition: 'unresolved',
      reason: "unknown until run: depends on the outputs of step 'find'",
      operations: [],
    });
  });

  it('expands it from the outputs once they are known', async () => {
    const [, step] = await stepsOf(find, after);
    const { resolved } = expand(step!, { steps: { find: { outputs: { processes: [{ id: 185 }, { id: 186 }] } } } });
    expect(resolved.disposition).toBe('planned');
    expect(resolved.operations.map((op) => op.inputs)).toEqual([
      { hostId: 20, agentProcessId: 185 },
      { hostId: 20, agentProcessId: 186 },
    ]);
  });
});
