// Validation of a parsed runbook: every kind of mistake is reported with its code, its line and column,
// its document path and a message that says what to do, and all of a file's mistakes come at once.

import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/errors.js';
import { diagnosticsOf, lines, parse, withSteps } from './runbook-text.js';

describe('a valid runbook', () => {
  it('is accepted with the built-in actions and connection types', async () => {
    const runbook = await parse(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: ${{ params.hosts }}',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
        '  - id: pause',
        '    action: core.sleep',
        '    with: { duration: 1s }',
      ),
    );
    expect(runbook.steps.map((s) => s.id)).toEqual(['stop', 'pause']);
    expect(Object.keys(runbook.connections)).toEqual(['ocp', 'bao']);
  });
});

describe('connections of steps', () => {
  it('refuses an undeclared connection, suggesting the declared one it resembles', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    connection: ocpp', '    with: { hostId: 20, alias: obstat2 }'),
    );
    expect(diagnostics).toEqual([
      {
        code: 'UNKNOWN_CONNECTION',
        message: "step 'stop' names connection 'ocpp', which is not declared; did you mean 'ocp'?",
        file: 'rb.yaml',
        line: 11,
        column: 17,
        path: 'steps[0].connection',
      },
    ]);
  });

  it('refuses a connection whose type is not the one the action needs', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    connection: bao', '    with: { hostId: 20, alias: obstat2 }'),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'CONNECTION_TYPE_MISMATCH', line: 11, column: 17, path: 'steps[0].connection' });
    expect(d!.message).toBe("step 'stop' uses connection 'bao' of type bao, but action ocp.stopAgentProcess needs one of type ocp");
  });

  it('refuses a step that talks to a server without a connection, naming the one to add', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    with: { hostId: 20, alias: obstat2 }'),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'CONNECTION_REQUIRED', line: 9, column: 5, path: 'steps[0]' });
    expect(d!.message).toBe("step 'stop' runs ocp.stopAgentProcess, which needs a connection of type ocp; add 'connection: ocp'");
  });

  it('refuses a connection on an action that talks to no server', async () => {
    const [d] = await diagnosticsOf(
      withSteps('  - id: pause', '    action: core.sleep', '    connection: ocp', '    with: { duration: 1s }'),
    );
    expect(d).toMatchObject({ code: 'CONNECTION_TYPE_MISMATCH', line: 11, column: 17, path: 'steps[0].connection' });
    expect(d!.message).toContain("remove 'connection: ocp'");
  });

  it('refuses a connection type that is not registered, suggesting the closest one', async () => {
    const [d, ...rest] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  web: { type: htp, url: "http://x.example" }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'UNKNOWN_CONNECTION_TYPE', line: 4, column: 16, path: 'connections.web.type' });
    expect(d!.message).toContain("did you mean 'http'?");
  });

  it('names the auth type a connection can use when the one written is unknown', async () => {
    const [d, ...rest] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  ocp: { type: ocp, url: "http://x.example", auth: { type: basc, username: u, password: p } }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'SCHEMA', line: 4, column: 60, path: 'connections.ocp.auth.type' });
    expect(d!.message).toBe(`auth.type of connection 'ocp' must be one of "basic", "accessKey", got string 'basc'; did you mean 'basic'?`);
  });

  it('names the missing setting of the auth type that is written', async () => {
    const [d, ...rest] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  ocp: { type: ocp, url: "http://x.example", auth: { type: basic, username: u } }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'SCHEMA', line: 4, column: 46, path: 'connections.ocp.auth' });
    expect(d!.message).toBe("missing required key 'password' in connections.ocp.auth");
  });

  it('says in words that a url must start with http:// or https://', async () => {
    const [d] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  web: { type: http, url: "x.example" }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 4, column: 27, path: 'connections.web.url' });
    expect(d!.message).toBe("url of connection 'web' must be a URL that starts with http:// or https://, got string 'x.example'");
  });
});

describe('actions and their inputs', () => {
  it('refuses an unknown action with "did you mean"', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProces', '    connection: ocp', '    with: { hostId: 20, alias: obstat2 }'),
    );
    expect(rest).toEqual([]);
    expect(d).toEqual({
      code: 'UNKNOWN_ACTION',
      message: "unknown action 'ocp.stopAgentProces'; did you mean 'ocp.stopAgentProcess'?",
      file: 'rb.yaml',
      line: 10,
      column: 13,
      path: 'steps[0].action',
    });
  });

  it('refuses an input of the wrong type, pointing at the value', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    connection: ocp', '    with: { hostId: 20, agentProcessId: abc }'),
    );
    expect(rest).toEqual([]);
    expect(d).toEqual({
      code: 'SCHEMA',
      message: "input 'agentProcessId' of step 'stop' must be an integer, got string 'abc'",
      file: 'rb.yaml',
      line: 12,
      column: 41,
      path: 'steps[0].with.agentProcessId',
    });
  });

  it('refuses a missing required input, naming the action and the step', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    connection: ocp', '    with: { alias: obstat2 }'),
    );
    expect(rest).toEqual([]);
    expect(d).toEqual({
      code: 'SCHEMA',
      message: "missing required input 'hostId' for action ocp.stopAgentProcess in step 'stop'",
      file: 'rb.yaml',
      line: 12,
      column: 5,
      path: 'steps[0].with',
    });
  });

  it('reports the inputs an action needs when with: is left out', async () => {
    const diagnostics = await diagnosticsOf(withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    connection: ocp'));
    expect(diagnostics.map((d) => d.message)).toEqual([
      "give input 'agentProcessId' or 'alias' for action ocp.stopAgentProcess in step 'stop'",
      "missing required input 'hostId' for action ocp.stopAgentProcess in step 'stop'",
    ]);
    expect(diagnostics.map((d) => d.line)).toEqual([9, 9]);
  });

  it('asks for agentProcessId or alias when neither is given', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    connection: ocp', '    with: { hostId: 20 }'),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'SCHEMA', line: 12, column: 5, path: 'steps[0].with' });
    expect(d!.message).toBe("give input 'agentProcessId' or 'alias' for action ocp.stopAgentProcess in step 'stop'");
  });

  it('refuses agentProcessId and alias together', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    with: { hostId: 20, agentProcessId: 185, alias: obstat2 }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'SCHEMA', line: 12, column: 5, path: 'steps[0].with' });
    expect(d!.message).toBe("give only one of input 'agentProcessId' and 'alias' for action ocp.stopAgentProcess in step 'stop'");
  });

  it('refuses a list that names the same peer twice, saying which entries', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: stop-peers', '    action: bao.stopPeers', '    connection: bao', '    with: { peers: [AP1, AP2, AP1] }'),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'SCHEMA', line: 12, column: 13, path: 'steps[0].with.peers' });
    expect(d!.message).toBe("input 'peers' of step 'stop-peers' must not list the same value twice (items 1 and 3 are the same)");
  });

  it('accepts an expression wherever an input is expected, and checks it later', async () => {
    const runbook = await parse(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    with: { hostId: "${{ params.hosts[0] }}", agentProcessId: "${{ params.hosts[1] }}" }',
      ),
    );
    expect(runbook.steps[0]!.with).toEqual({ hostId: '${{ params.hosts[0] }}', agentProcessId: '${{ params.hosts[1] }}' });
  });

  it('refuses an unknown input, with a suggestion', async () => {
    const diagnostics = await diagnosticsOf(withSteps('  - id: pause', '    action: core.sleep', '    with: { duraton: 1s }'));
    expect(diagnostics.map((d) => [d.line, d.column, d.path, d.message])).toEqual([
      [11, 5, 'steps[0].with', "missing required input 'duration' for action core.sleep in step 'pause'"],
      [11, 13, 'steps[0].with.duraton', "unknown input 'duraton' for action core.sleep in step 'pause'; did you mean 'duration'?"],
    ]);
  });

  it('explains that with: itself cannot be an expression', async () => {
    const diagnostics = await diagnosticsOf(withSteps('  - id: pause', '    action: core.sleep', '    with: "${{ params.hosts }}"'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'SCHEMA', line: 11, column: 11, path: 'steps[0].with' });
    expect(diagnostics[0]!.message).toContain('put expressions in its values');
  });
});

describe('the keys of the format', () => {
  it('refuses an unknown key, suggesting the key meant', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps('  - id: stop', '    action: ocp.stopAgentProcess', '    conection: ocp', '    with: { hostId: 20, alias: obstat2 }'),
    );
    expect(diagnostics.find((d) => d.code === 'SCHEMA')).toEqual({
      code: 'SCHEMA',
      message: "unknown key 'conection' in step 'stop'; did you mean 'connection'?",
      file: 'rb.yaml',
      line: 11,
      column: 5,
      path: 'steps[0].conection',
    });
    // The step then has no connection, which is said too.
    expect(diagnostics.map((d) => d.code)).toEqual(['CONNECTION_REQUIRED', 'SCHEMA']);
  });

  it('refuses an unknown top-level key', async () => {
    const [d] = await diagnosticsOf(
      lines('version: 1', 'name: demo', 'step:', '  - { id: a, action: core.sleep, with: { duration: 1s } }'),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 1, column: 1, message: "missing required key 'steps' at the top level" });
  });

  it('says a file that is empty or only comments holds no runbook', async () => {
    for (const text of ['', '# nothing yet\n', '\n\n']) {
      expect(await diagnosticsOf(text)).toEqual([
        {
          code: 'SCHEMA',
          message: 'the file holds no runbook (it is empty, or only comments); start it with version: 1, name: and steps:',
          file: 'rb.yaml',
          line: 1,
          column: 1,
        },
      ]);
    }
  });

  it('refuses a runbook without steps, and a document that is not a mapping', async () => {
    const [empty] = await diagnosticsOf(lines('version: 1', 'name: demo', 'steps: []'));
    expect(empty).toMatchObject({ code: 'SCHEMA', line: 3, column: 1, path: 'steps', message: 'steps must have at least 1 item' });
    const [list] = await diagnosticsOf(lines('- version: 1'));
    expect(list).toMatchObject({ code: 'SCHEMA', line: 1, column: 1, message: 'the runbook must be a mapping, got a list' });
  });

  it('refuses a version other than 1', async () => {
    const [d] = await diagnosticsOf(
      lines('version: 2', 'name: demo', 'steps:', '  - { id: a, action: core.sleep, with: { duration: 1s } }'),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 1, column: 10, path: 'version' });
    expect(d!.message).toContain('must be 1 (the only format version this engine reads)');
  });

  it('refuses a step id that is not lower-case letters, digits and -', async () => {
    const [d] = await diagnosticsOf(withSteps('  - id: Stop_All', '    action: core.sleep', '    with: { duration: 1s }'));
    expect(d).toMatchObject({ code: 'SCHEMA', line: 9, column: 9, path: 'steps[0].id' });
    expect(d!.message).toContain("must use only lower-case letters, digits and '-', got string 'Stop_All'");
  });

  it('refuses prototype names as step ids and connection names, which expressions could never read', async () => {
    const diagnostics = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  constructor: { type: http, url: "http://x.example" }',
        'steps:',
        '  - { id: prototype, action: core.sleep, with: { duration: 1s } }',
        '  - { id: constructor, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(diagnostics.map((d) => [d.line, d.column, d.path, d.message])).toEqual([
      [4, 3, 'connections.constructor', "connection name 'constructor' is reserved; choose another name"],
      [6, 11, 'steps[0].id', "step id 'prototype' is reserved; choose another id"],
      [7, 11, 'steps[1].id', "step id 'constructor' is reserved; choose another id"],
    ]);
    expect(Object.prototype).not.toHaveProperty('type');
  });

  it('refuses a duplicate step id, naming the line of the first', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps(
        '  - id: pause',
        '    action: core.sleep',
        '    with: { duration: 1s }',
        '  - id: pause',
        '    action: core.sleep',
        '    with: { duration: 2s }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toEqual({
      code: 'DUPLICATE_STEP_ID',
      message: "step id 'pause' is already used by the step on line 9; step ids must be unique",
      file: 'rb.yaml',
      line: 12,
      column: 9,
      path: 'steps[1].id',
    });
  });

  it('refuses a bad duration, saying what one looks like', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps('  - id: pause', '    action: core.sleep', '    with: { duration: 10x }', '    timeout: 5 minutes'),
    );
    expect(diagnostics).toEqual([
      {
        code: 'SCHEMA',
        message: "input 'duration' of step 'pause' must be a duration such as 500ms, 30s, 5m or 1h, got string '10x'",
        file: 'rb.yaml',
        line: 11,
        column: 23,
        path: 'steps[0].with.duration',
      },
      {
        code: 'SCHEMA',
        message: "timeout of step 'pause' must be a duration such as 500ms, 30s, 5m or 1h, got string '5 minutes'",
        file: 'rb.yaml',
        line: 12,
        column: 14,
        path: 'steps[0].timeout',
      },
    ]);
  });

  it('refuses durations longer than a timer can wait, which would otherwise expire at once', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: ${{ params.hosts }}',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
        '    timeout: 1000h',
        '    retry: { attempts: 2, delay: 1s, maxDelay: 600h }',
        '    rollout: { batches: [1], pauseBetween: 999999999999999999999s }',
      ),
    );
    expect(diagnostics.map((d) => [d.line, d.column, d.path])).toEqual([
      [14, 14, 'steps[0].timeout'],
      [15, 48, 'steps[0].retry.maxDelay'],
      [16, 44, 'steps[0].rollout.pauseBetween'],
    ]);
    expect(diagnostics[0]!.message).toBe(
      "timeout of step 'stop' is 1000h, longer than the longest wait runbook supports (596h31m24s, about 24 days)",
    );
  });

  it('refuses a maxErrors percentage over 100%', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: ${{ params.hosts }}',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
        '    maxErrors: "150%"',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'SCHEMA', line: 14, column: 16, path: 'steps[0].maxErrors' });
    expect(d!.message).toBe(`maxErrors of step 'stop' must be an integer or a percentage from 0% to 100% such as "10%", got string '150%'`);
  });

  it('refuses a negative maxErrors and a concurrency of 0 with their bounds', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps('  - id: pause', '    action: core.sleep', '    with: { duration: 1s }', '    maxErrors: -1', '    concurrency: 0'),
    );
    expect(diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([
      [12, 16, "maxErrors of step 'pause' must be at least 0, got number -1"],
      [13, 18, "concurrency of step 'pause' must be at least 1, got number 0"],
    ]);
  });

  it('refuses rollout on a step without forEach', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps('  - id: pause', '    action: core.sleep', '    with: { duration: 1s }', '    rollout: { batches: [1, "100%"] }'),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'SCHEMA', line: 12, column: 5, path: 'steps[0].rollout' });
    expect(d!.message).toBe("rollout needs forEach: step 'pause' has a single operation to run, nothing to batch");
  });

  it('refuses rollout batches that do not grow, since each counts the operations started so far', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: ${{ params.hosts }}',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
        '    rollout: { batches: [1, "50%", 5, 3, "50%"] }',
      ),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 14, column: 39, path: 'steps[0].rollout.batches[3]' });
    expect(d!.message).toContain("rollout.batches of step 'stop': entry 4 (3) is not more than entry 3 (5)");
    expect(rest.map((r) => r.path)).toEqual(['steps[0].rollout.batches[4]']);
  });

  it('refuses a retry delay longer than its maxDelay', async () => {
    const [d] = await diagnosticsOf(
      withSteps(
        '  - id: pause',
        '    action: core.sleep',
        '    with: { duration: 1s }',
        '    retry: { attempts: 2, delay: 1m, maxDelay: 5s }',
      ),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 12, column: 34, path: 'steps[0].retry.delay' });
  });

  it('hints that yes is a string in YAML where true or false is expected', async () => {
    const [d] = await diagnosticsOf(
      withSteps('  - id: pause', '    action: core.sleep', '    with: { duration: 1s }', '    continueOnError: yes'),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 12, column: 22, path: 'steps[0].continueOnError' });
    expect(d!.message).toBe("continueOnError of step 'pause' must be true or false, got string 'yes' (write true or false)");
  });
});

describe('params', () => {
  it('refuses a default of the wrong type', async () => {
    const [d, ...rest] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'params:',
        '  count: { type: integer, default: "3" }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toEqual({
      code: 'SCHEMA',
      message: "the default of param 'count' must be an integer, got string '3'",
      file: 'rb.yaml',
      line: 4,
      column: 36,
      path: 'params.count.default',
    });
  });

  it('refuses a default outside the enum, and enum values of the wrong type', async () => {
    const diagnostics = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'params:',
        '  mode: { type: string, enum: [fast, 2], default: slow }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(diagnostics.map((d) => [d.path, d.column, d.message])).toEqual([
      ['params.mode.enum[1]', 38, "value 2 of the enum of param 'mode' must be a string, got number 2"],
      ['params.mode.default', 51, `the default of param 'mode' must be one of its enum values "fast", 2`],
    ]);
  });

  it('checks each element of an array default against items', async () => {
    const [d] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'params:',
        '  hosts: { type: array, items: { type: integer }, default: [20, x] }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 4, column: 65, path: 'params.hosts.default[1]' });
    expect(d!.message).toBe("element 2 of the default of param 'hosts' must be an integer, got string 'x'");
  });

  it('refuses an unknown param type with the list of types', async () => {
    const [d] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'params:',
        '  n: { type: int }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(d).toMatchObject({ code: 'SCHEMA', line: 4, column: 14, path: 'params.n.type' });
    expect(d!.message).toContain(
      `must be one of "string", "integer", "number", "boolean", "array", "object", got string 'int'; did you mean 'integer'?`,
    );
  });
});

describe('credentials in messages', () => {
  it('never shows the default of a secret param, nor its enum', async () => {
    const diagnostics = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'params:',
        '  pin: { type: integer, secret: true, default: "hunter2" }',
        '  code: { type: string, secret: true, enum: [s3cr3t-a, s3cr3t-b], default: s3cr3t-c }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['params.pin.default', "the default of param 'pin' must be an integer, got a string (not shown: it may be a secret)"],
      ['params.code.default', "the default of param 'code' must be one of its enum values"],
    ]);
  });

  it('never shows a password or token written with the wrong type or form', async () => {
    const diagnostics = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  ocp: { type: ocp, url: "http://x.example", auth: { type: basic, username: admin, password: 123456 } }',
        '  web: { type: http, url: "http://y.example", auth: { type: bearer, token: 987654 } }',
        'steps:',
        '  - { id: pause, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['connections.ocp.auth.password', "auth.password of connection 'ocp' must be a string, got a number (not shown: it may be a secret)"],
      ['connections.web.auth.token', "auth.token of connection 'web' must be a string, got a number (not shown: it may be a secret)"],
    ]);
  });
});

describe('references in expressions', () => {
  it('refuses an unknown param, suggesting the declared one', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: ${{ params.hots }}',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toEqual({
      code: 'UNKNOWN_REFERENCE',
      message: "unknown param 'hots'; did you mean 'hosts'? (in ${{ params.hots }} in the forEach of step 'stop')",
      file: 'rb.yaml',
      line: 12,
      column: 18,
      path: 'steps[0].forEach',
    });
  });

  it('points at the reference inside a longer string', async () => {
    const [d] = await diagnosticsOf(
      withSteps('  - id: fail', '    action: core.fail', '    with: { message: "host ${{ params.hosts[0] }} and ${{ params.nope }}" }'),
    );
    expect(d).toMatchObject({ code: 'UNKNOWN_REFERENCE', line: 11, column: 59, path: 'steps[0].with.message' });
  });

  it('refuses a reference to a step that runs later', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps(
        '  - id: first',
        '    action: core.sleep',
        '    with: { duration: "${{ steps.second.outputs.wait }}" }',
        '  - id: second',
        '    action: core.sleep',
        '    with: { duration: 1s }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'UNKNOWN_REFERENCE', line: 11, column: 28, path: 'steps[0].with.duration' });
    expect(d!.message).toBe(
      "step 'second' runs later; a step can read the outputs of earlier steps only (in ${{ steps.second.outputs.wait }} in the with: of step 'first')",
    );
  });

  it('refuses a reference to an unknown step, listing the earlier ones', async () => {
    const [d] = await diagnosticsOf(
      withSteps(
        '  - id: first',
        '    action: core.sleep',
        '    with: { duration: 1s }',
        '  - id: second',
        '    action: core.sleep',
        '    with: { duration: "${{ steps.zzz.outputs.wait }}" }',
      ),
    );
    expect(d).toMatchObject({ code: 'UNKNOWN_REFERENCE', line: 14, column: 28, path: 'steps[1].with.duration' });
    expect(d!.message).toContain("unknown step 'zzz'; earlier steps: first");
  });

  it('refuses a step reading its own outputs, and suggests a misspelt step id', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps(
        '  - id: first',
        '    action: core.sleep',
        '    with: { duration: 1s }',
        '  - id: second',
        '    action: core.sleep',
        '    with: { duration: "${{ steps.second.outputs.x ?? steps.frist.outputs.x }}" }',
      ),
    );
    expect(diagnostics.map((d) => [d.column, d.message.split(' (in ')[0]])).toEqual([
      [28, "a step cannot read its own outputs ('second')"],
      [54, "unknown step 'frist'; did you mean 'first'?"],
    ]);
  });

  it('refuses item outside a forEach step', async () => {
    const [d, ...rest] = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'UNKNOWN_REFERENCE', line: 12, column: 26, path: 'steps[0].with.hostId' });
    expect(d!.message).toBe(
      "'item' and 'index' exist only in the with: of a step that has forEach, and step 'stop' has none (in ${{ item }} in the with: of step 'stop')",
    );
  });

  it('refuses item in forEach and if, where it is not defined yet', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: ${{ item }}',
        '    if: ${{ index == 0 }}',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
      ),
    );
    expect(diagnostics.map((d) => [d.line, d.path])).toEqual([
      [12, 'steps[0].forEach'],
      [13, 'steps[0].if'],
    ]);
  });

  it('refuses step outputs and item in connections, which read only params and env', async () => {
    const [d] = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  web: { type: http, url: "${{ steps.a.outputs.url }}" }',
        'steps:',
        '  - { id: a, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(d).toMatchObject({ code: 'UNKNOWN_REFERENCE', line: 4, column: 32, path: 'connections.web.url' });
    expect(d!.message).toContain('connections can read only params and env');
  });

  it('refuses an unknown root name with a suggestion', async () => {
    const [d] = await diagnosticsOf(withSteps('  - id: pause', '    action: core.sleep', '    with: { duration: "${{ parms.wait }}" }'));
    expect(d).toMatchObject({ code: 'UNKNOWN_REFERENCE', line: 11, column: 28 });
    expect(d!.message).toContain("unknown name 'parms'; did you mean 'params'?");
  });

  it('refuses an expression that does not parse, pointing at the mistake', async () => {
    const [d] = await diagnosticsOf(
      withSteps('  - id: pause', '    action: core.sleep', '    with: { duration: "${{ params.hosts = 1 }}" }'),
    );
    expect(d).toMatchObject({ code: 'EXPRESSION_SYNTAX', line: 11, column: 41, path: 'steps[0].with.duration' });
    expect(d!.message).toContain("use '==' to compare");
  });

  it('refuses expressions where they are not evaluated', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps('  - id: pause', '    name: "${{ params.hosts }}"', '    action: core.sleep', '    with: { duration: 1s }'),
    );
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'SCHEMA', line: 10, column: 11, path: 'steps[0].name' });
    expect(diagnostics[0]!.message).toContain('is not evaluated');
  });
});

describe('all mistakes at once', () => {
  it('reports four different mistakes as four diagnostics, in line order', async () => {
    const diagnostics = await diagnosticsOf(
      withSteps(
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    with: { hostId: "${{ params.hots[0] }}", agentProcessId: abc }',
        '  - id: pause',
        '    action: core.slep',
        '  - id: stop',
        '    action: core.sleep',
        '    with: { duration: 1s }',
      ),
    );
    expect(diagnostics.map((d) => [d.line, d.code])).toEqual([
      [12, 'UNKNOWN_REFERENCE'],
      [12, 'SCHEMA'],
      [14, 'UNKNOWN_ACTION'],
      [15, 'DUPLICATE_STEP_ID'],
    ]);
    expect(diagnostics.every((d) => d.file === 'rb.yaml' && d.column !== undefined && d.path !== undefined)).toBe(true);
  });

  it('formats each diagnostic as file:line:col: error: message (at path) [CODE]', async () => {
    const [d] = await diagnosticsOf(withSteps('  - id: pause', '    action: core.slep'));
    expect(formatDiagnostic(d!)).toBe(
      "rb.yaml:10:13: error: unknown action 'core.slep'; did you mean 'core.sleep'? (at steps[0].action) [UNKNOWN_ACTION]",
    );
  });
});

describe('a runbook of thousands of steps', () => {
  const manySteps = (count: number, bad: (i: number) => boolean): string =>
    lines(
      'version: 1',
      'name: many',
      'extra: 1',
      'steps:',
      ...Array.from(
        { length: count },
        (_, i) => `  - { id: s${i}, action: core.sleep, with: { duration: 1s }${bad(i) ? ', maxErrors: x' : ''} }`,
      ),
    );

  it('names each failing step by its own index and line, and a mistake outside the steps once', async () => {
    const diagnostics = await diagnosticsOf(manySteps(1_000, (i) => i === 3 || i === 300 || i === 999));
    expect(diagnostics.map((d) => [d.line, d.path])).toEqual([
      [3, 'extra'],
      [8, 'steps[3].maxErrors'],
      [305, 'steps[300].maxErrors'],
      [1004, 'steps[999].maxErrors'],
    ]);
    expect(diagnostics[3]!.message).toContain("maxErrors of step 's999' must be");
  });

  it('collects the schema errors of failing steps without copying them all again per step', async () => {
    // The validator adds each failing step's errors to the list by Array.prototype.concat.
    const copied = async (count: number): Promise<number> => {
      const text = manySteps(count, () => true);
      let elements = 0;
      const concat = Array.prototype.concat;
      Array.prototype.concat = function (this: unknown[], ...items: unknown[]) {
        elements += this.length;
        return concat.apply(this, items);
      };
      try {
        expect(await diagnosticsOf(text)).toHaveLength(count + 1);
      } finally {
        Array.prototype.concat = concat;
      }
      return elements;
    };
    const small = await copied(2_000);
    const large = await copied(8_000);
    // Four times the failing steps: four times the copies when linear, sixteen times when quadratic.
    expect(small).toBeGreaterThan(0);
    expect(large / small).toBeLessThan(5);
  });
});
