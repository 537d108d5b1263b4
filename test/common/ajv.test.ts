// The one compiled-schema cache, and the validators generated at build time: they must judge every
// document exactly as ajv's in-memory compile of the same schema does, errors included.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createRegistry } from '../../src/actions/builtins.js';
import { compileSchema, createAjv, findValidator, prebuiltValidatorModule } from '../../src/common/ajv.js';
import { formatPath } from '../../src/runbook/document.js';
import { buildRunbookSchema } from '../../src/runbook/schema.js';
import { describeSchemaErrors } from '../../src/runbook/schema-errors.js';
import { runbookValidator } from '../../src/runbook/validate.js';
import { prebuiltSchemas } from '../../src/runbook/write-validators.js';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const example = (name: string): unknown =>
  parseYaml(readFileSync(fileURLToPath(new URL(`../../runbooks/examples/${name}`, import.meta.url)), 'utf8'));

describe('compileSchema', () => {
  it('compiles a schema once, whether it is given again as the same object or as the same text', () => {
    const schema = { type: 'object', properties: { port: { type: 'integer', minimum: 1 } }, required: ['port'] };
    const first = compileSchema(schema);
    expect(compileSchema(schema)).toBe(first);
    expect(compileSchema(JSON.parse(JSON.stringify(schema)) as object)).toBe(first);
    expect(compileSchema({ ...schema, required: [] })).not.toBe(first);
    expect(first({ port: 0 })).toBe(false);
    expect(first({ port: 8080 })).toBe(true);
  });

  it('throws for an invalid schema and caches nothing then', () => {
    const bad = { type: 'no-such-type' };
    expect(() => compileSchema(bad)).toThrow();
    expect(findValidator(bad)).toBeUndefined();
    expect(() => compileSchema(bad)).toThrow();
  });
});

/** Loads generated module text as CommonJS, resolving its `require`s from this package. */
function loadModule(code: string): ValidateFunction {
  const module = { exports: {} as ValidateFunction };
  new Function('require', 'module', 'exports', code)(createRequire(import.meta.url), module, module.exports);
  return module.exports;
}

/** Documents the runbook schema refuses, each for other reasons. */
function invalidRunbooks(): unknown[] {
  const base = example('stop-obstat.yaml') as Record<string, unknown>;
  const steps = base.steps as Record<string, unknown>[];
  const step = steps[0]!;
  return [
    parseYaml(readFileSync(fileURLToPath(new URL('../fixtures/runbooks/many-errors.yaml', import.meta.url)), 'utf8')),
    { ...base, version: 2 },
    { ...base, name: 'Not An Id', concurrency: 0 },
    { ...base, unknownKey: true },
    { ...base, steps: [] },
    { ...base, steps: [{ ...step, with: { ...(step.with as object), hostId: 'twenty', agentProcessId: '${{ item }}', extra: 1 } }] },
    { ...base, steps: [{ ...step, action: 'ocp.nope', retry: { attempts: 0, delay: 'soon' } }] },
    { ...base, steps: [{ ...step, with: undefined, maxErrors: '150%', rollout: { batches: [] } }] },
    { ...base, connections: { ocp: { type: 'ocp', url: 'ftp://x', auth: { type: 'basic' } } } },
    { ...base, connections: { ocp: { type: 'bao', url: 'https://x', auth: { type: 'token' } } }, params: { '1bad': { type: 'text' } } },
    [],
    'version: 1',
  ];
}

describe('validators generated at build time', () => {
  const registry = createRegistry();

  it('are one module for each schema known at build time', () => {
    const schemas = prebuiltSchemas();
    expect(schemas.length).toBeGreaterThan(1);
    for (const schema of schemas) expect(loadModule(prebuiltValidatorModule(schema))).toBeTypeOf('function');
  });

  it("give each action's with: a function of its own in the runbook schema's validator, so that V8 compiles only those a runbook reaches", () => {
    const source = prebuiltValidatorModule(buildRunbookSchema(registry));
    const functions = source.match(/function validate\d+\(/g) ?? [];
    expect(functions.length).toBeGreaterThan(registry.actions().length);
  });

  it('agree with an in-memory compile of the runbook schema on the examples and on invalid runbooks', () => {
    const schema = buildRunbookSchema(registry);
    const prebuilt = loadModule(prebuiltValidatorModule(schema));
    const compiled = createAjv().compile(schema);
    const valid = ['stop-obstat.yaml', 'stop-bao-peers.yaml', 'maintenance-window.yaml'].map(example);
    const invalid = invalidRunbooks();
    for (const document of [...valid, ...invalid]) {
      const verdict = compiled(document);
      expect(prebuilt(document)).toBe(verdict);
      expect(prebuilt.errors ?? null).toEqual(compiled.errors ?? null);
    }
    expect(valid.every((d) => compiled(d))).toBe(true);
    expect(invalid.some((d) => compiled(d))).toBe(false);
  });

  it('are of the whole schema, which words every problem as the schema of only the actions a runbook uses does', () => {
    const whole = runbookValidator(registry);
    const wording = {
      label: (path: (string | number)[]) => formatPath(path),
      container: (path: (string | number)[]) => `in ${formatPath(path)}`,
      keyNoun: () => 'key',
    };
    const problems = (validate: ValidateFunction, document: unknown): string[] =>
      validate(document)
        ? []
        : describeSchemaErrors(validate.errors ?? [], document, wording)
            .map((p) => `${formatPath(p.path)}: ${p.message}`)
            .sort();
    for (const document of invalidRunbooks()) {
      const steps = (document as { steps?: unknown }).steps;
      const actions = Array.isArray(steps)
        ? [
            ...new Set(
              steps.map((s) => (s as { action?: string }).action).filter((a): a is string => registry.action(a ?? '') !== undefined),
            ),
          ].sort()
        : [];
      const used = runbookValidator(registry, { actions, connectionTypes: ['ocp', 'bao'].sort() });
      expect(problems(whole, document)).toEqual(problems(used, document));
    }
  });

  it("agree with an in-memory compile of each built-in action's inputs", () => {
    for (const { definition } of registry.actions()) {
      const prebuilt = loadModule(prebuiltValidatorModule(definition.inputs));
      const compiled = createAjv().compile(definition.inputs);
      for (const inputs of [{}, { hostId: 20, agentProcessId: 185 }, { hostId: -1, alias: 7, extra: true }, []]) {
        expect(prebuilt(inputs), definition.name).toBe(compiled(inputs));
        expect(prebuilt.errors ?? null).toEqual(compiled.errors ?? null);
      }
    }
  });
});

// Needs `npm run build` first (it runs dist/).
describe('runbook validate', () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('compiles no schema for runbooks that use only built-in actions: it never loads the ajv compiler', async () => {
    ws = createWorkspace();
    const preload = ws.write(
      'report-ajv.cjs',
      [
        'const loaded = (part) => Object.keys(require.cache).filter((f) => f.includes(part)).length;',
        "process.on('exit', () => process.stderr.write(`ajv compiler loaded: ${loaded('/ajv/dist/compile/') > 0}\\n`));",
        "process.on('exit', () => process.stderr.write(`validator modules: ${loaded('/dist/validators/')}\\n`));",
        "process.on('exit', () => process.stderr.write(`undici or pino loaded: ${loaded('/undici/') + loaded('/pino/') > 0}\\n`));",
        '',
      ].join('\n'),
    );
    const files = ['stop-obstat.yaml', 'stop-bao-peers.yaml', 'maintenance-window.yaml'].map((f) => `runbooks/examples/${f}`);
    const r = await runCli(['validate', ...files], { env: { NODE_OPTIONS: `--require ${preload}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('ajv compiler loaded: false');
    expect(r.stderr).toContain('undici or pino loaded: false');
    // A runbook without params needs the runbook schema's validator only: it checks each action's inputs too.
    const plain = ws.write(
      'plain.yaml',
      'version: 1\nname: plain\nsteps:\n  - { id: wait, action: core.sleep, with: { duration: 1ms } }\n',
    );
    const one = await runCli(['validate', plain], { env: { NODE_OPTIONS: `--require ${preload}` } });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain('validator modules: 1');

    const custom = ws.write(
      'custom-items.yaml',
      'version: 1\nname: custom\nparams:\n  ids: { type: array, items: { type: integer, minimum: 1 }, default: [1] }\nsteps:\n  - { id: wait, action: core.sleep, with: { duration: 1ms } }\n',
    );
    const other = await runCli(['validate', custom], { env: { NODE_OPTIONS: `--require ${preload}` } });
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain('ajv compiler loaded: true');
  });
});
