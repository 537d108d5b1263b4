// Text that servers and plugins write (messages, names) reaches terminals and Markdown files inert:
// no control character, escape sequence or markup of theirs survives.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeControlChars, escapeMarkdown } from '../../src/secrets/untrusted-text.js';
import { startServer, type TestServer } from '../connections/test-server.js';
import { runMain } from '../helpers/main.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const PLUGIN = join(import.meta.dirname, '../fixtures/plugins/hostile-text.js');
const { HOSTILE_TEXT } = (await import(pathToFileURL(PLUGIN).href)) as { HOSTILE_TEXT: string };
/** Control characters a terminal acts on; `\n` (our own line breaks) is the one allowed. */
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

let server: TestServer;
let ws: Workspace;

beforeAll(async () => {
  // The server answers every request with HTTP 500 and the hostile text as its message.
  server = await startServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: HOSTILE_TEXT }));
  });
  ws = createWorkspace();
});
afterAll(async () => {
  await server.close();
  ws.remove();
});

const RUNBOOK = (url: string) => `version: 1
name: hostile
plugins: [${JSON.stringify(PLUGIN)}]
connections:
  api: { type: http, url: "${url}" }
steps:
  - id: call
    action: http.request
    connection: api
    with: { path: /x }
    continueOnError: true
  - id: say
    action: hostile.say
`;

describe('text from servers and plugins', () => {
  it('reaches the terminal with its control characters escaped, and the Markdown summary without markup', async () => {
    const file = ws.write('hostile.yaml', RUNBOOK(server.url));
    const md = ws.path('summary.md');
    const runs = [
      await runMain(['run', file, '--report', ws.path('r.json'), '--summary-md', md]),
      await runMain(['run', file, '--quiet', '--report', ws.path('q.json')]),
      await runMain(['report', ws.path('r.json.journal.jsonl')]),
    ];
    expect(runs[0]!.code).toBe(1);
    // Both messages did reach the output, escaped.
    expect(runs[0]!.stdout).toContain('\\u001b[2J\\u001b]0;pwned\\u0007 \\u009b31m <img');
    expect(runs[0]!.stdout.match(/\\r\\nFAKE LINE/g)).toHaveLength(2 * 2);
    for (const [i, r] of runs.entries()) {
      expect(TERMINAL_CONTROL.test(r.stdout), `command ${i} stdout holds a control character`).toBe(false);
      expect(TERMINAL_CONTROL.test(r.stderr), `command ${i} stderr holds a control character`).toBe(false);
      expect(r.stdout).not.toMatch(/^FAKE LINE/m);
    }
    // The report keeps the text as the server sent it: it is data, and JSON escapes it.
    expect(JSON.stringify(JSON.parse(readFileSync(ws.path('r.json'), 'utf8')))).toContain(JSON.stringify(HOSTILE_TEXT).slice(1, -1));

    const summary = readFileSync(md, 'utf8');
    expect(TERMINAL_CONTROL.test(summary)).toBe(false);
    expect(summary).not.toMatch(/(^|[^\\])<img/);
    expect(summary).not.toMatch(/(^|[^\\])\[click(\\)?\]\(/);
    expect(summary).toContain('\\<img src=x onerror=alert(1)\\> \\[click\\](http://evil.example) \\| cell \\` code \\*\\*bold\\*\\*');
    // Each failure row has its four cell borders and no more: the text's | does not make a column.
    const failures = summary
      .slice(summary.indexOf('### Failures'))
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| operation'));
    expect(failures.map((l) => l.split(' | ')[0])).toEqual(['| call/GET /x', '| say']);
    for (const row of failures) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(5);
  });
});

describe('escapeControlChars and escapeMarkdown', () => {
  it('write every control character as its JSON escape and leave other text alone', () => {
    expect(escapeControlChars('a\u001b[31mb\u009bc\r\n\u202ed é')).toBe('a\\u001b[31mb\\u009bc\\r\\n\\u202ed é');
    expect(escapeControlChars('plain text: 100% [ok] <fine>')).toBe('plain text: 100% [ok] <fine>');
  });

  it('escape markup but leave an underscore inside a word', () => {
    expect(escapeMarkdown('HTTP_STATUS _em_ a|b <b> [l](u) `c` ~s~ &amp; \\')).toBe(
      'HTTP_STATUS \\_em\\_ a\\|b \\<b\\> \\[l\\](u) \\`c\\` \\~s\\~ \\&amp; \\\\',
    );
  });
});
