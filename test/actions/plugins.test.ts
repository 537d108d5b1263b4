// Plugins: loaded by path and by package name, validated like built-ins, isolated when they misbehave,
// refused when they take a taken name; and the built-ins use the same door.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as publicApi from '../../src/index.js';
import { builtinActions, builtinConnections, createRegistry } from '../../src/actions/builtins.js';
import { Registry } from '../../src/actions/registry.js';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;

// A plain JavaScript plugin with no imports at all: defineAction only adds types.
const ECHO_PLUGIN = `export default {
  name: 'acme.echo',
  description: 'Returns its message',
  mutates: true,
  inputs: { type: 'object', required: ['message'], additionalProperties: false, properties: { message: { type: 'string' }, times: { type: 'integer' } } },
  async run(op) {
    if (op.inputs.message === 'throw') throw new Error('the echo plugin broke');
    if (op.inputs.message === 'reject') return Promise.reject('not even an Error');
    if (op.inputs.message === 'malformed') return { status: 'done-ish' };
    return { status: 'changed', outputs: { echoed: op.inputs.message } };
  },
};
`;

function runbook(plugin: string, messages: string[], extra = ''): string {
  return `version: 1
name: plugin-test
plugins: [${plugin}]
steps:
  - id: echo
    action: acme.echo
    forEach: ${JSON.stringify(messages)}
    with: { message: "\${{ item }}" }
    maxErrors: 10
${extra}`;
}

beforeAll(() => {
  ws = createWorkspace();
  ws.write('echo.js', ECHO_PLUGIN);
  // A plugin installed as a package, found from the runbook's folder.
  mkdirSync(ws.path('node_modules/acme-runbook-echo'), { recursive: true });
  ws.write(
    'node_modules/acme-runbook-echo/package.json',
    JSON.stringify({ name: 'acme-runbook-echo', type: 'module', exports: './index.js' }),
  );
  ws.write('node_modules/acme-runbook-echo/index.js', ECHO_PLUGIN);
  ws.write('broken.js', 'export default {{ this is not javascript');
  ws.write('clash.js', ECHO_PLUGIN.replace("'acme.echo'", "'ocp.stopAgentProcess'"));
  ws.write('nameless.js', 'export default { description: "no name", inputs: {}, mutates: true, run() {} };');
});
afterAll(() => ws.remove());

describe('loading plugins', () => {
  it('loads a plugin by path relative to the runbook, and runs it', async () => {
    const file = ws.write('by-path.yaml', runbook('./echo.js', ['hello']));
    const r = await runCli(['run', file, '--report', ws.path('by-path.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(ws.path('by-path.json'), 'utf8'));
    expect(report.steps[0].operations[0]).toMatchObject({ status: 'changed', outputs: { echoed: 'hello' } });
  });

  it('loads a plugin by package name', async () => {
    const file = ws.write('by-name.yaml', runbook('acme-runbook-echo', ['hi']));
    const r = await runCli(['run', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('loads a plugin given with --plugin', async () => {
    const file = ws.write('by-flag.yaml', runbook('', ['hi']).replace('plugins: []\n', ''));
    expect((await runCli(['validate', file])).code).toBe(2);
    const r = await runCli(['validate', file, '--plugin', ws.path('echo.js')]);
    expect(r.code).toBe(0);
  });

  it('validates plugin inputs at validate time, with line and column', async () => {
    const file = ws.write(
      'bad-input.yaml',
      `version: 1
name: plugin-test
plugins: [./echo.js]
steps:
  - id: echo
    action: acme.echo
    with: { message: hi, times: many }
`,
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file}:7:\\d+: error: .*times.*(integer|whole number)`));
  });

  it('reports a plugin that fails to load as a validation error naming the file', async () => {
    const file = ws.write('broken.yaml', runbook('./broken.js', ['x']));
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file}:3:\\d+: error: cannot load plugin './broken.js'.*\\[PLUGIN_LOAD\\]`));
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const missing = await runCli(['validate', ws.write('missing.yaml', runbook('./nope.js', ['x']))]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot load plugin '.\/nope.js'/);

    const nameless = await runCli(['validate', ws.write('nameless.yaml', runbook('./nameless.js', ['x']))]);
    expect(nameless.code).toBe(2);
    expect(nameless.stderr).toMatch(/not a valid action: 'name' must look like vendor.verb/);
  });

  it('refuses a plugin that takes a built-in name', async () => {
    const file = ws.write('clash.yaml', runbook('./clash.js', ['x']));
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/action 'ocp.stopAgentProcess' from .\/clash.js clashes with the one from builtin.*\[PLUGIN_NAME_CLASH\]/);
  });

  it('includes plugin actions in the generated schema', async () => {
    const r = await runCli(['schema', '--plugin', ws.path('echo.js')]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(JSON.stringify(schema)).toContain('acme.echo');
  });
});

describe('isolation', () => {
  it('fails only the operation of a plugin that throws, rejects or returns something malformed', async () => {
    const file = ws.write('isolation.yaml', runbook('./echo.js', ['throw', 'reject', 'malformed', 'fine']));
    const r = await runCli(['run', file, '--report', ws.path('isolation.json')]);
    expect(r.code).toBe(3); // within maxErrors, with failures
    const ops = JSON.parse(readFileSync(ws.path('isolation.json'), 'utf8')).steps[0].operations;
    expect(ops.map((o: { status: string }) => o.status)).toEqual(['failed', 'failed', 'failed', 'changed']);
    for (const op of ops.slice(0, 3)) {
      expect(op.error.code).toBe('PLUGIN_ERROR');
      expect(op.error.message).toContain('acme.echo');
    }
    expect(ops[0].error.message).toContain('the echo plugin broke');
  });
});

describe('the context a plugin runs with', () => {
  it('can be copied and taken apart: step, signal, sleep and log work once out of it', async () => {
    ws.write(
      'context.js',
      `export default {
  name: 'acme.context',
  description: 'Reports what its context gives',
  mutates: true,
  inputs: { type: 'object' },
  async run(op, ctx) {
    const { step, signal, sleep, log } = { ...ctx };
    await sleep(5);
    log.info({ seen: true }, 'context taken apart');
    return { status: 'changed', outputs: { step: step.id, isSignal: signal instanceof AbortSignal, aborted: signal.aborted } };
  },
};
`,
    );
    const file = ws.write(
      'context.yaml',
      `version: 1
name: context-test
plugins: [./context.js]
steps:
  - id: look
    action: acme.context
`,
    );
    const r = await runCli(['run', file, '--report', ws.path('context.json'), '--log-file', ws.path('context.log')]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(ws.path('context.json'), 'utf8'));
    expect(report.steps[0].operations[0]).toMatchObject({ status: 'changed', outputs: { step: 'look', isSignal: true, aborted: false } });
    const line = readFileSync(ws.path('context.log'), 'utf8')
      .split('\n')
      .find((l) => l.includes('context taken apart'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ step: 'look', operation: expect.any(String), seen: true });
  });
});

describe('the built-ins', () => {
  it('register through the same public registry door as plugins, with no back door', () => {
    const fresh = new Registry();
    for (const c of builtinConnections) fresh.registerConnection(c, 'test');
    for (const a of builtinActions) fresh.registerAction(a, 'test');
    expect(fresh.actionNames()).toEqual(createRegistry().actionNames());
    // Every built-in is a plain action object, the same shape defineAction (the public API) returns.
    for (const a of builtinActions) expect(publicApi.defineAction(a)).toBe(a);
  });

  it('are refused a second registration, like any plugin', () => {
    const registry = createRegistry();
    expect(() => registry.registerAction(builtinActions[0]!, 'again')).toThrow(/clashes/);
  });

  it('export the public API from the package entry point', () => {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'));
    expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
    expect(typeof publicApi.defineAction).toBe('function');
    expect(typeof publicApi.defineConnection).toBe('function');
    expect(typeof publicApi.encodePath).toBe('function');
  });
});
