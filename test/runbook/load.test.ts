import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../src/actions/registry.js';
import { ValidationError, type Diagnostic } from '../../src/errors.js';
import { loadRunbook, parseRunbook, type PluginSpec } from '../../src/runbook/load.js';
import { DEFAULTS } from '../../src/runbook/model.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { testRegistry } from './test-registry.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/runbooks/${name}`, import.meta.url));

/** Loads text that must be refused, and returns its diagnostics. */
async function refused(source: string, file = 'rb.yaml'): Promise<Diagnostic[]> {
  const error = await parseRunbook(source, file, { registry: testRegistry() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).diagnostics;
}

async function refusedWith(source: string, registry: Registry): Promise<Diagnostic[]> {
  const error = await parseRunbook(source, 'rb.yaml', { registry }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).diagnostics;
}

async function diagnosticsOfFile(file: string): Promise<Diagnostic[]> {
  const error = await loadRunbook(file, { registry: testRegistry() }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).diagnostics;
}

function only(diagnostics: Diagnostic[], code: string): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  expect(found, JSON.stringify(diagnostics, null, 2)).toHaveLength(1);
  return found[0]!;
}

const header = 'version: 1\nname: t\n';
const ocp = 'connections:\n  ocp: { type: ocp, url: "https://ocp.example" }\n';

describe('loading a valid runbook', () => {
  it('returns the validated runbook with durations in ms, defaults filled in and the file hash', async () => {
    const file = fixture('pre-patch-stop.yaml');
    const runbook = await loadRunbook(file, { registry: testRegistry() });
    expect(runbook.file).toBe(file);
    expect(runbook.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(runbook.name).toBe('pre-patch-stop');
    expect(runbook.concurrency).toBe(8);
    expect(runbook.plugins).toEqual(['./plugins/lb.js']);
    expect(runbook.params.hosts).toEqual({ type: 'array', items: { type: 'integer' }, default: [20, 21] });
    expect(runbook.params.password?.secret).toBe(true);
    expect(runbook.connections.ocp).toEqual({
      type: 'ocp',
      url: '${{ env.OCP_URL }}',
      auth: { type: 'basic', username: '${{ env.OCP_USER }}', password: '${{ env.OCP_PASSWORD }}' },
    });
    const [list, stop, settle] = runbook.steps;
    expect(list).toEqual({ id: 'list', action: 'ocp.listHosts', connection: 'ocp', with: {}, maxErrors: 0, continueOnError: false });
    expect(stop).toMatchObject({
      id: 'stop-obstat',
      name: 'Stop obstat on each host',
      forEach: '${{ params.hosts }}',
      with: { hostId: '${{ item }}', agentProcessId: 185, alias: 'obstat-${{ index }}' },
      concurrency: 4,
      maxErrors: '10%',
      continueOnError: true,
      retry: { attempts: 3, delayMs: 1_000, maxDelayMs: 30_000 },
      timeoutMs: 30_000,
      if: '${{ params.enabled && steps.list.outputs.ids.length > 0 }}',
      rollout: { batches: [1, '10%', '100%'], pauseBetweenMs: 300_000 },
    });
    expect(settle?.with).toEqual({ duration: '500ms' });
    expect(settle?.retry).toBeUndefined();
    expect(settle?.timeoutMs).toBeUndefined();
  });

  it('defaults concurrency, plugins, maxErrors and continueOnError', async () => {
    const runbook = await parseRunbook(`${header}steps:\n  - id: a\n    action: core.sleep\n`, 'rb.yaml', { registry: testRegistry() });
    expect(runbook.concurrency).toBe(DEFAULTS.concurrency);
    expect(runbook.plugins).toEqual([]);
    expect(runbook.params).toEqual({});
    expect(runbook.steps[0]).toEqual({ id: 'a', action: 'core.sleep', with: {}, maxErrors: 0, continueOnError: false });
  });

  it('locates document paths: values, keys of collections, and the parent of a missing key', async () => {
    const runbook = await loadRunbook(fixture('pre-patch-stop.yaml'), { registry: testRegistry() });
    expect(runbook.locate(['steps', 1, 'id'])).toEqual({ line: 20, column: 9 });
    expect(runbook.locate(['steps', 1, 'with', 'hostId'])).toEqual({ line: 25, column: 21 });
    expect(runbook.locate(['steps', 1, 'with'])).toEqual({ line: 25, column: 5 });
    expect(runbook.locate(['steps', 1, 'with', 'nothing'])).toEqual({ line: 25, column: 5 });
    expect(runbook.locate(['steps', 2, 'with', 'duration'])).toEqual({ line: 36, column: 17 });
    expect(runbook.locate([])).toEqual({ line: 2, column: 1 });
  });
});

describe('reading the file', () => {
  let workspace: Workspace | undefined;
  afterEach(() => workspace?.remove());

  it('refuses a missing file with FILE_NOT_FOUND', async () => {
    const error = await loadRunbook('/nonexistent/dir/rb.yaml', { registry: testRegistry() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const [d] = (error as ValidationError).diagnostics;
    expect(d).toMatchObject({ code: 'FILE_NOT_FOUND', file: '/nonexistent/dir/rb.yaml' });
    expect(d?.message).toContain('does not exist');
  });

  it('refuses a directory with FILE_NOT_FOUND', async () => {
    workspace = createWorkspace();
    const error = await loadRunbook(workspace.dir, { registry: testRegistry() }).catch((e: unknown) => e);
    expect((error as ValidationError).diagnostics[0]?.code).toBe('FILE_NOT_FOUND');
  });

  it('refuses a file over the size limit before parsing it', async () => {
    workspace = createWorkspace();
    // Not YAML at all: a parse would report YAML_SYNTAX, so FILE_TOO_LARGE shows the size came first.
    const file = workspace.write('big.yaml', `{{{{ ${'x'.repeat(2_000)}`);
    const error = await loadRunbook(file, { registry: testRegistry(), maxBytes: 1_000 }).catch((e: unknown) => e);
    const diagnostics = (error as ValidationError).diagnostics;
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'FILE_TOO_LARGE', file });
    expect(diagnostics[0]?.message).toContain('1000 bytes');
  });

  it('applies the size limit to text given directly too', async () => {
    const error = await parseRunbook('x'.repeat(50), 'rb.yaml', { registry: testRegistry(), maxBytes: 10 }).catch((e: unknown) => e);
    expect((error as ValidationError).diagnostics[0]?.code).toBe('FILE_TOO_LARGE');
  });

  it('refuses a file that is not UTF-8, with its line', async () => {
    workspace = createWorkspace();
    const file = workspace.path('latin1.yaml');
    const bytes = Buffer.concat([Buffer.from('version: 1\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    (await import('node:fs')).writeFileSync(file, bytes);
    const error = await loadRunbook(file, { registry: testRegistry() }).catch((e: unknown) => e);
    expect((error as ValidationError).diagnostics[0]).toMatchObject({ code: 'YAML_SYNTAX', line: 2, column: 10 });
  });
});

describe('YAML errors', () => {
  it('reports malformed YAML with its line and column', async () => {
    const d = only(await refused('version: 1\nname: t\nsteps: [1, 2\nother: 3\n'), 'YAML_SYNTAX');
    // At the [ that is never closed, where the mistake is, not where the parser gave up.
    expect(d).toMatchObject({ file: 'rb.yaml', line: 3, column: 8, path: 'steps' });
    expect(d.message).toMatch(/this \[ is not closed/);
  });

  it('tells to quote an unquoted expression inside a flow mapping', async () => {
    const diagnostics = await diagnosticsOfFile(fixture('unquoted-flow.yaml'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'YAML_SYNTAX', line: 7, column: 21 });
    expect(diagnostics[0]?.message).toContain('quote the expression: hostId: "${{ item }}"');
  });

  it('names a duplicate key and the line of its first occurrence', async () => {
    const d = only(await refused(`${header}steps:\n  - id: a\n    action: core.sleep\n    action: core.sleep\n`), 'YAML_DUPLICATE_KEY');
    expect(d).toMatchObject({ line: 6, column: 5 });
    expect(d.message).toContain("key 'action' appears twice");
    expect(d.message).toContain('first on line 5');
  });

  it('refuses a second YAML document', async () => {
    const d = only(await refused(`${header}steps: []\n---\nversion: 1\n`), 'YAML_SYNTAX');
    expect(d.line).toBe(4);
    expect(d.message).toContain('more than one YAML document');
  });

  it('refuses a billion-laughs alias bomb quickly', async () => {
    const started = Date.now();
    const diagnostics = await diagnosticsOfFile(fixture('alias-bomb.yaml'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(diagnostics).toHaveLength(1);
    // At the alias whose expansion takes the document over the bound: the first *f of line 9.
    expect(diagnostics[0]).toMatchObject({ code: 'YAML_ALIAS_LIMIT', line: 9, column: 8, path: 'g[0]' });
  });

  it('refuses an alias that refers to the value containing it', async () => {
    const d = only(await refused(`${header}x: &a { b: *a }\nsteps: []\n`), 'YAML_ALIAS_LIMIT');
    expect(d).toMatchObject({ line: 3, column: 12 });
  });

  it('refuses an alias with no anchor', async () => {
    const d = only(await refused(`${header}x: *nowhere\nsteps: []\n`), 'YAML_SYNTAX');
    expect(d.message).toContain('*nowhere');
    expect(d.line).toBe(3);
  });

  it('refuses documents nested deeper than any runbook needs, without exhausting the stack', async () => {
    for (const text of [
      `${header}x: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`,
      `${header}x:\n${Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i + 2)}k:`).join('\n')}\n`,
    ]) {
      const diagnostics = await refused(text);
      expect(diagnostics[0]?.code).toBe('YAML_SYNTAX');
      expect(diagnostics[0]?.message).toContain('levels deep');
    }
  });

  it('refuses YAML tags that would produce values other than plain data', async () => {
    const d = only(await refused(`${header}x: !!binary aGk=\nsteps: []\n`), 'YAML_SYNTAX');
    expect(d).toMatchObject({ line: 3, column: 4 });
    expect(d.message).toContain('tag');
  });

  it('says the file is empty rather than failing oddly', async () => {
    const diagnostics = await refused('');
    expect(diagnostics[0]?.code).toBe('SCHEMA');
    expect(diagnostics[0]?.line).toBe(1);
  });
});

describe('validation errors, each with its line and column', () => {
  it('reports every error of a file at once, in file order', async () => {
    const error = await loadRunbook(fixture('many-errors.yaml'), { registry: testRegistry() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const diagnostics = (error as ValidationError).diagnostics;
    const summary = diagnostics.map((d) => [d.code, d.line, d.column]);
    expect(summary).toEqual([
      ['UNKNOWN_ACTION', 9, 13],
      ['CONNECTION_REQUIRED', 11, 5],
      ['DUPLICATE_STEP_ID', 11, 9],
      ['SCHEMA', 13, 5],
      ['UNKNOWN_REFERENCE', 14, 26],
      ['SCHEMA', 14, 52],
      ['UNKNOWN_CONNECTION', 17, 17],
      ['UNKNOWN_REFERENCE', 18, 18],
      ['UNKNOWN_REFERENCE', 20, 19],
      ['SCHEMA', 24, 5],
    ]);
    for (const d of diagnostics) expect(d.file).toBe(fixture('many-errors.yaml'));
    const messages = diagnostics.map((d) => d.message);
    expect(messages[0]).toBe("unknown action 'ocp.stopAgentProces'; did you mean 'ocp.stopAgentProcess'?");
    expect(messages[2]).toContain('already used by the step on line 8');
    expect(messages[3]).toBe("unknown key 'conection' in step 'stop'; did you mean 'connection'?");
    expect(messages[4]).toContain("'item' and 'index' exist only in the with: of a step that has forEach");
    expect(messages[5]).toBe("input 'agentProcessId' of step 'stop' must be an integer, got string 'abc'");
    expect(messages[6]).toContain("connection 'ocpp', which is not declared; did you mean 'ocp'?");
    expect(messages[7]).toContain("unknown param 'hots'; did you mean 'hosts'?");
    expect(messages[8]).toContain("step 'fourth' runs later");
    expect(messages[9]).toBe("missing required input 'hostId' for action ocp.stopAgentProcess in step 'fourth'");
    expect(diagnostics[5]?.path).toBe('steps[1].with.agentProcessId');
    expect((error as ValidationError).message).toContain('many-errors.yaml:9:13: error: unknown action');
  });

  it('reports a wrong input type at the value', async () => {
    const d = only(
      await refused(
        `${header}${ocp}steps:\n  - id: a\n    action: ocp.stopAgentProcess\n    connection: ocp\n    with:\n      hostId: 1.5\n`,
      ),
      'SCHEMA',
    );
    expect(d).toMatchObject({ line: 10, column: 15, path: 'steps[0].with.hostId' });
    expect(d.message).toBe("input 'hostId' of step 'a' must be an integer, got number 1.5");
  });

  it('reports a missing required key at the mapping that lacks it', async () => {
    const d = only(await refused(`${header}steps:\n  - id: a\n    with: {}\n`), 'SCHEMA');
    expect(d).toMatchObject({ line: 4, column: 5 });
    expect(d.message).toBe("missing required key 'action' in step 'a'");
  });

  it('reports an unknown top-level key with a suggestion', async () => {
    const d = only(await refused(`${header}step: []\nsteps:\n  - id: a\n    action: core.sleep\n`), 'SCHEMA');
    expect(d).toMatchObject({ line: 3, column: 1 });
    expect(d.message).toBe("unknown key 'step' at the top level; did you mean 'steps'?");
  });

  it('reports an unknown input of an action with a suggestion', async () => {
    const d = only(
      await refused(
        `${header}${ocp}steps:\n  - id: a\n    action: ocp.stopAgentProcess\n    connection: ocp\n    with: { hostid: 1, hostId: 2 }\n`,
      ),
      'SCHEMA',
    );
    expect(d).toMatchObject({ line: 9, column: 13 });
    expect(d.message).toBe("unknown input 'hostid' for action ocp.stopAgentProcess in step 'a'; did you mean 'hostId'?");
  });

  it('checks nested inputs and enum values', async () => {
    const diagnostics = await refused(
      `${header}${ocp}steps:\n  - id: a\n    action: ocp.stopAgentProcess\n    connection: ocp\n    with:\n      hostId: 1\n      target: { port: x, mode: sofft }\n`,
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      "input 'target.port' of step 'a' must be an integer, got string 'x'",
      `input 'target.mode' of step 'a' must be one of "soft", "hard", got string 'sofft'; did you mean 'soft'?`,
    ]);
    expect(diagnostics.map((d) => d.column)).toEqual([23, 32]);
  });

  it('accepts an expression wherever an input or a connection setting is expected', async () => {
    const runbook = await parseRunbook(
      `${header}params:\n  pid: { type: integer, default: 185 }\n  url: { type: string, default: "https://x" }\n` +
        `connections:\n  ocp: { type: ocp, url: "\${{ params.url }}", auth: "\${{ params.url }}" }\n` +
        `steps:\n  - id: a\n    action: ocp.stopAgentProcess\n    connection: ocp\n    forEach: [1, 2]\n` +
        `    with: { hostId: "\${{ item }}", agentProcessId: "\${{ params.pid }}", tags: ["\${{ params.url }}", b], target: "\${{ params.pid }}" }\n`,
      'rb.yaml',
      { registry: testRegistry() },
    );
    expect(runbook.steps[0]?.with.agentProcessId).toBe('${{ params.pid }}');
  });

  it('does not accept text around an expression where a number is expected', async () => {
    const d = only(
      await refused(
        `${header}${ocp}steps:\n  - id: a\n    action: ocp.stopAgentProcess\n    connection: ocp\n    forEach: [1]\n    with: { hostId: "id-\${{ item }}" }\n`,
      ),
      'SCHEMA',
    );
    expect(d.message).toBe("input 'hostId' of step 'a' must be an integer, got string 'id-${{ item }}'");
  });

  it('refuses an unknown connection type, with a suggestion', async () => {
    const d = only(
      await refused(`${header}connections:\n  o: { type: opc, url: x }\nsteps:\n  - id: a\n    action: core.sleep\n`),
      'UNKNOWN_CONNECTION_TYPE',
    );
    expect(d).toMatchObject({ line: 4, column: 14 });
    expect(d.message).toContain("did you mean 'ocp'?");
  });

  it('checks a connection against its type', async () => {
    const d = only(
      await refused(`${header}connections:\n  o: { type: ocp, url: 5, user: x }\nsteps:\n  - id: a\n    action: core.sleep\n`).then((ds) =>
        ds.filter((x) => x.message.includes('user')),
      ),
      'SCHEMA',
    );
    expect(d.message).toBe("unknown key 'user' in connection 'o'");
  });

  it('refuses a connection of the wrong type for the action', async () => {
    const d = only(
      await refused(
        `${header}connections:\n  b: { type: bao, url: x }\nsteps:\n  - id: a\n    action: ocp.stopAgentProcess\n    connection: b\n    with: { hostId: 1 }\n`,
      ),
      'CONNECTION_TYPE_MISMATCH',
    );
    expect(d).toMatchObject({ line: 8, column: 17 });
    expect(d.message).toBe("step 'a' uses connection 'b' of type bao, but action ocp.stopAgentProcess needs one of type ocp");
  });

  it('refuses rollout on a step without forEach', async () => {
    const d = only(await refused(`${header}steps:\n  - id: a\n    action: core.sleep\n    rollout: { batches: [1] }\n`), 'SCHEMA');
    expect(d).toMatchObject({ line: 6, column: 5 });
    expect(d.message).toContain('rollout needs forEach');
  });

  it('refuses bad durations, percentages and ids in words', async () => {
    const diagnostics = await refused(
      `${header}steps:\n  - id: Bad_Id\n    action: core.sleep\n    timeout: 30 seconds\n    maxErrors: 150%\n    if: maybe\n`,
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      "id of step 'Bad_Id' must use only lower-case letters, digits and '-', got string 'Bad_Id'",
      "timeout of step 'Bad_Id' must be a duration such as 500ms, 30s, 5m or 1h, got string '30 seconds'",
      `maxErrors of step 'Bad_Id' must be an integer or a percentage from 0% to 100% such as "10%", got string '150%'`,
      "if of step 'Bad_Id' must be true or false or a ${{ }} expression, got string 'maybe'",
    ]);
  });

  it('refuses a version other than 1', async () => {
    const d = only(await refused('version: 2\nname: t\nsteps:\n  - id: a\n    action: core.sleep\n'), 'SCHEMA');
    expect(d).toMatchObject({ line: 1, column: 10 });
    expect(d.message).toContain('version must be 1');
  });

  it('refuses param defaults that do not match their type or enum', async () => {
    const diagnostics = await refused(
      `${header}params:\n  n: { type: integer, default: "5" }\n  e: { type: string, enum: [a, b], default: c }\n  l: { type: array, items: { type: integer }, default: [1, x] }\nsteps:\n  - id: a\n    action: core.sleep\n`,
    );
    expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['SCHEMA', 4, "the default of param 'n' must be an integer, got string '5'"],
      ['SCHEMA', 5, `the default of param 'e' must be one of its enum values "a", "b"`],
      ['SCHEMA', 6, "element 2 of the default of param 'l' must be an integer, got string 'x'"],
    ]);
  });

  it('says where expressions are not evaluated', async () => {
    const d = only(await refused(`${header}concurrency: \${{ params.c }}\nsteps:\n  - id: a\n    action: core.sleep\n`), 'SCHEMA');
    expect(d.message).toContain('expressions are evaluated only inside with:, forEach, if and connections');
  });
});

describe('expression checks in a runbook', () => {
  const withStep = (extra: string, withBlock: string): string =>
    `${header}params:\n  hosts: { type: array, default: [1] }\n${ocp}steps:\n  - id: first\n    action: ocp.listHosts\n    connection: ocp\n  - id: second\n    action: ocp.stopAgentProcess\n    connection: ocp\n${extra}    with:\n${withBlock}`;

  it('points at the exact column of a syntax error inside an expression', async () => {
    const d = only(await refused(withStep('    forEach: [1]\n', '      hostId: ${{ item + 1 }}\n')), 'EXPRESSION_SYNTAX');
    expect(d).toMatchObject({ line: 16, column: 24, path: 'steps[1].with.hostId' });
    expect(d.message).toContain('arithmetic is not supported');
  });

  it('refuses item outside forEach, and inside forEach and if themselves', async () => {
    const diagnostics = await refused(withStep('    forEach: ${{ item }}\n    if: ${{ index > 0 }}\n', '      hostId: 1\n'));
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ['UNKNOWN_REFERENCE', 14, 18],
      ['UNKNOWN_REFERENCE', 15, 13],
    ]);
  });

  it('allows reading earlier steps, refuses the step itself and unknown steps with a suggestion', async () => {
    const ok = withStep('', '      hostId: ${{ steps.first.outputs.ids[0] }}\n');
    await expect(parseRunbook(ok, 'rb.yaml', { registry: testRegistry() })).resolves.toBeDefined();
    const self = only(await refused(withStep('', '      hostId: ${{ steps.second.outputs.x }}\n')), 'UNKNOWN_REFERENCE');
    expect(self.message).toContain('cannot read its own outputs');
    const unknown = only(await refused(withStep('', '      hostId: ${{ steps.frist.outputs.x }}\n')), 'UNKNOWN_REFERENCE');
    expect(unknown.message).toContain("unknown step 'frist'; did you mean 'first'?");
    const noOutputs = only(await refused(withStep('', '      hostId: ${{ steps.first.output.x }}\n')), 'UNKNOWN_REFERENCE');
    expect(noOutputs.message).toContain('steps.first.outputs.<name>');
  });

  it('lets connections read only params and env', async () => {
    const d = only(
      await refused(
        `${header}connections:\n  ocp: { type: ocp, url: "\${{ steps.a.outputs.url }}" }\nsteps:\n  - id: a\n    action: core.sleep\n`,
      ),
      'UNKNOWN_REFERENCE',
    );
    expect(d.message).toContain('connections can read only params and env');
    expect(d).toMatchObject({ line: 4, column: 31 });
  });

  it('refuses unknown names with a suggestion', async () => {
    const d = only(await refused(withStep('', '      hostId: ${{ parms.x }}\n')), 'UNKNOWN_REFERENCE');
    expect(d.message).toContain("unknown name 'parms'; did you mean 'params'?");
  });
});

describe('prototype keys', () => {
  it('keeps __proto__, constructor and prototype in inputs as plain data and pollutes nothing', async () => {
    const registry = testRegistry();
    registry.registerAction({
      name: 'test.anything',
      description: 'accepts any inputs',
      mutates: false,
      inputs: { type: 'object', additionalProperties: true },
      run: async () => ({ status: 'unchanged' }),
    });
    const runbook = await parseRunbook(
      `${header}steps:\n  - id: a\n    action: test.anything\n    with:\n      __proto__: { polluted: true }\n      constructor: { prototype: { polluted: true } }\n      prototype: 1\n`,
      'rb.yaml',
      { registry },
    );
    const inputs = runbook.steps[0]!.with;
    expect(Object.keys(inputs)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.getPrototypeOf(inputs)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(inputs, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses prototype names as param names, and unknown prototype keys in steps, without polluting', async () => {
    const diagnostics = await refused(
      `${header}params:\n  __proto__: { type: string, default: x }\n  constructor: { type: string, default: y }\nsteps:\n  - id: a\n    action: core.sleep\n    __proto__: { polluted: true }\n`,
    );
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['SCHEMA', 4],
      ['SCHEMA', 5],
      ['SCHEMA', 9],
    ]);
    expect(diagnostics[2]?.message).toContain("unknown key '__proto__' in step 'a'");
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('type');
  });
});

describe('plugins', () => {
  it('calls the plugin hook with the specifiers, their positions and the runbook folder, before checking steps', async () => {
    const registry = testRegistry();
    const calls: { specs: PluginSpec[]; baseDir: string }[] = [];
    const runbook = await parseRunbook(
      `${header}plugins:\n  - ./plugins/lb.js\n  - some-package\nsteps:\n  - id: a\n    action: lb.drain\n`,
      '/srv/runbooks/rb.yaml',
      {
        registry,
        loadPlugins: async (specs, baseDir) => {
          calls.push({ specs, baseDir });
          registry.registerAction(
            { name: 'lb.drain', description: 'd', mutates: true, inputs: { type: 'object' }, run: async () => ({ status: 'changed' }) },
            specs[0]!.specifier,
          );
          return [];
        },
      },
    );
    expect(calls).toEqual([
      {
        specs: [
          { specifier: './plugins/lb.js', line: 4, column: 5 },
          { specifier: 'some-package', line: 5, column: 5 },
        ],
        baseDir: '/srv/runbooks',
      },
    ]);
    expect(runbook.steps[0]?.action).toBe('lb.drain');
  });

  it('merges the diagnostics of the plugin hook with the others', async () => {
    const error = await parseRunbook(`${header}plugins: [./bad.js]\nsteps:\n  - id: a\n    action: nope.nothing\n`, 'rb.yaml', {
      registry: testRegistry(),
      loadPlugins: async (specs) => [
        { code: 'PLUGIN_LOAD', message: 'cannot load ./bad.js', line: specs[0]!.line, column: specs[0]!.column },
      ],
    }).catch((e: unknown) => e);
    const diagnostics = (error as ValidationError).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([
      ['PLUGIN_LOAD', 'rb.yaml', 3],
      ['UNKNOWN_ACTION', 'rb.yaml', 6],
    ]);
  });

  it('turns a failing plugin hook into a diagnostic, never another exception', async () => {
    const error = await parseRunbook(`${header}plugins: [./bad.js]\nsteps:\n  - id: a\n    action: core.sleep\n`, 'rb.yaml', {
      registry: testRegistry(),
      loadPlugins: async () => {
        throw new TypeError('boom');
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const [d] = (error as ValidationError).diagnostics;
    expect(d).toMatchObject({ code: 'INTERNAL', line: 1 });
    expect(d?.message).not.toMatch(/\n\s+at /);
  });
});

describe('schema cache', () => {
  it('loads with a registry that has nothing registered', async () => {
    const diagnostics = await refusedWith(`${header}steps:\n  - id: a\n    action: core.sleep\n`, new Registry());
    expect(diagnostics.map((d) => d.code)).toEqual(['UNKNOWN_ACTION']);
  });

  it('notices actions registered after the first load of a registry', async () => {
    const registry = testRegistry();
    const source = `${header}steps:\n  - id: a\n    action: late.action\n    with: { x: 1 }\n`;
    const first = await refusedWith(source, registry);
    expect(first[0]?.code).toBe('UNKNOWN_ACTION');
    registry.registerAction({
      name: 'late.action',
      description: 'd',
      mutates: false,
      inputs: { type: 'object', properties: { x: { type: 'string' } } },
      run: async () => ({ status: 'unchanged' }),
    });
    const second = await refusedWith(source, registry);
    expect(second.map((d) => d.message)).toEqual(["input 'x' of step 'a' must be a string, got number 1"]);
  });
});
