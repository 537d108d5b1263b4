import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import { Registry } from '../../src/actions/registry.js';
import { buildRunbookSchema, EXPRESSION_PATTERN, RUNBOOK_SCHEMA_ID } from '../../src/runbook/schema.js';
import { RUNBOOK_SCHEMA_FILE } from '../../src/runbook/write-schemas.js';
import { testRegistry } from './test-registry.js';

const Ajv2020 = Ajv2020Module.default;

/** Compiles a schema the way an editor would: standalone, from its JSON. */
function compile(schema: unknown): (data: unknown) => boolean {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(JSON.stringify(schema)) as object);
}

const base = {
  version: 1,
  name: 't',
  connections: { ocp: { type: 'ocp', url: 'https://ocp.example' } },
};

describe('the runbook JSON Schema', () => {
  it('says what it is, that it is generated, and is a 2020-12 schema', () => {
    const schema = buildRunbookSchema(testRegistry());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(RUNBOOK_SCHEMA_ID);
    expect(schema.$id).toBe('https://runbook.dev/schemas/runbook.schema.json');
    expect(String(schema.$comment)).toContain('npm run schemas');
    expect(schema.title).toBeTruthy();
  });

  it('refuses unknown keys in every mapping of the format', () => {
    const schema = buildRunbookSchema(testRegistry());
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    expect(schema.additionalProperties).toBe(false);
    for (const name of ['param', 'step', 'with.ocp.stopAgentProcess', 'with.core.sleep', 'connection.ocp']) {
      expect(defs[name]?.additionalProperties, name).toBe(false);
    }
    const step = defs.step!.properties as Record<string, Record<string, unknown>>;
    expect(step.retry?.additionalProperties).toBe(false);
    expect(step.rollout?.additionalProperties).toBe(false);
  });

  it('lists the registered actions for completion, with their descriptions', () => {
    const schema = buildRunbookSchema(testRegistry());
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    const action = (defs.step!.properties as Record<string, Record<string, unknown>>).action!;
    expect(action.enum).toEqual(['bao.stopPeer', 'core.sleep', 'ocp.listHosts', 'ocp.stopAgentProcess']);
    expect(defs['with.ocp.stopAgentProcess']?.description).toBe('Stops one agent process on one host.');
  });

  it("checks each step's with: against its action's inputs, accepting an expression for any input", () => {
    const validate = compile(buildRunbookSchema(testRegistry()));
    const step = (extra: Record<string, unknown>): unknown => ({
      ...base,
      steps: [{ id: 'a', action: 'ocp.stopAgentProcess', connection: 'ocp', ...extra }],
    });
    expect(validate(step({ with: { hostId: 20 } }))).toBe(true);
    expect(validate(step({ with: { hostId: '${{ item }}', tags: ['${{ params.x }}'], target: { port: '${{ params.p }}' } } }))).toBe(true);
    expect(validate(step({ with: { hostId: '${{ item }}', target: '${{ params.target }}' } }))).toBe(true);
    expect(validate(step({ with: { hostId: 'abc' } }))).toBe(false);
    expect(validate(step({ with: { hostId: 'x ${{ item }}' } }))).toBe(false);
    expect(validate(step({ with: { hostId: 1, unknown: 1 } }))).toBe(false);
    expect(validate(step({ with: { agentProcessId: 1 } }))).toBe(false);
    expect(validate(step({}))).toBe(false);
  });

  it("checks each connection against its type's config, accepting expressions for its settings but not its type", () => {
    const validate = compile(buildRunbookSchema(testRegistry()));
    const withConnection = (connection: Record<string, unknown>): unknown => ({
      version: 1,
      name: 't',
      connections: { c: connection },
      steps: [{ id: 'a', action: 'core.sleep' }],
    });
    expect(validate(withConnection({ type: 'ocp', url: '${{ env.OCP_URL }}', auth: { type: 'basic', password: '${{ env.P }}' } }))).toBe(
      true,
    );
    expect(validate(withConnection({ type: 'ocp', url: 'u', auth: '${{ params.auth }}' }))).toBe(true);
    expect(validate(withConnection({ type: 'ocp', url: 'u', extra: 1 }))).toBe(false);
    expect(validate(withConnection({ type: 'ocp' }))).toBe(false);
    expect(validate(withConnection({ type: '${{ params.type }}', url: 'u' }))).toBe(false);
  });

  it('compiles for a registry with nothing registered, and for any subset of actions', () => {
    const validate = compile(buildRunbookSchema(new Registry()));
    expect(validate({ version: 1, name: 't', steps: [{ id: 'a', action: 'x.y' }] })).toBe(true);
    const subset = buildRunbookSchema(testRegistry(), { actions: ['core.sleep'], connectionTypes: [] });
    expect(Object.keys(subset.$defs as object).filter((k) => k.startsWith('with.') || k.startsWith('connection.'))).toEqual([
      'with.core.sleep',
    ]);
    expect(compile(subset)({ version: 1, name: 't', steps: [{ id: 'a', action: 'core.sleep', with: { duration: 1 } }] })).toBe(false);
  });

  it('uses an expression pattern that matches exactly one whole expression', () => {
    const pattern = new RegExp(EXPRESSION_PATTERN, 'u');
    expect(pattern.test('${{ item }}')).toBe(true);
    expect(pattern.test('${{ params.a ?? "b" }}')).toBe(true);
    expect(pattern.test('x${{ item }}')).toBe(false);
    expect(pattern.test('${{ a }} and ${{ b }}')).toBe(false);
    expect(pattern.test('${{ item')).toBe(false);
  });

  it('accepts the example runbooks whose actions are built in, as an editor would', () => {
    const validate = compile(JSON.parse(readFileSync(RUNBOOK_SCHEMA_FILE, 'utf8')));
    const registered = new Set(createRegistry().actionNames());
    const folder = fileURLToPath(new URL('../../runbooks/examples/', import.meta.url));
    const files = [
      fileURLToPath(new URL('../fixtures/runbooks/builtins-example.yaml', import.meta.url)),
      ...readdirSync(folder)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => `${folder}${f}`),
    ];
    let checked = 0;
    for (const file of files) {
      const data = parseYaml(readFileSync(file, 'utf8')) as { steps: { action: string }[] };
      if (!data.steps.every((s) => registered.has(s.action))) continue;
      expect(validate(data), file).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
