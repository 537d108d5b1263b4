// Writing reports and plans: never half-written (a process killed with SIGKILL at any moment while it
// replaces the file leaves either the previous complete file or the new complete one), exact however large,
// and laid out one operation per line.

import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, linkSync, lstatSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createReplacing, writeFileAtomic } from '../../src/report/write.js';
import { createWorkspace } from '../helpers/workspace.js';

const ws = createWorkspace();
afterAll(() => ws.remove());

// A child that rewrites the same report over and over, each version a big, complete JSON document.
const WRITER = `
import { writeFileAtomic } from ${JSON.stringify(new URL('../../dist/report/write.js', import.meta.url).href)};
const file = process.argv[2];
const filler = 'x'.repeat(200_000);
for (let version = 1; ; version++) {
  await writeFileAtomic(file, JSON.stringify({ version, filler, end: 'complete' }));
  if (version === 1) process.stdout.write('first\\n');
}
`;

describe('writeFileAtomic', () => {
  it('leaves no torn report however often the writer is killed', async () => {
    const script = ws.write('writer.mjs', WRITER); // runs the compiled writer, as the CLI does
    const target = ws.path('report.json');
    let lastVersion = 0;
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, [script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 60)));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('close', resolve));
      expect(existsSync(target)).toBe(true);
      const doc = JSON.parse(readFileSync(target, 'utf8')) as { version: number; end: string };
      expect(doc.end).toBe('complete');
      expect(doc.version).toBeGreaterThanOrEqual(1);
      lastVersion = doc.version;
    }
    expect(lastVersion).toBeGreaterThan(0);
    // Temporary files of killed writers may stay behind, but never under the report's own name.
    for (const name of readdirSync(ws.dir)) expect(name === 'report.json' || name.endsWith('.tmp') || name === 'writer.mjs').toBe(true);
  });
});

describe('writeFileAtomic and createReplacing', () => {
  const own = createWorkspace();
  afterAll(() => own.remove());

  it('replaces a symbolic link or a hard link with a new 0600 file, and leaves what they pointed at intact', async () => {
    const target = own.write('target.txt', 'precious\n');
    chmodSync(target, 0o666);
    symlinkSync(target, own.path('through-symlink.json'));
    linkSync(target, own.path('hard-link.json'));
    for (const name of ['through-symlink.json', 'hard-link.json']) {
      await writeFileAtomic(own.path(name), 'new\n');
      expect(lstatSync(own.path(name)).isFile()).toBe(true);
      expect(statSync(own.path(name)).mode & 0o777).toBe(0o600);
      expect(readFileSync(own.path(name), 'utf8')).toBe('new\n');
    }
    const fd = createReplacing(own.path('hard-link.json'));
    closeSync(fd);
    expect(readFileSync(own.path('hard-link.json'), 'utf8')).toBe('');
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(statSync(target).mode & 0o777).toBe(0o666);
  });

  it('refuses a missing folder rather than creating it', async () => {
    await expect(writeFileAtomic(own.path('no-such-folder/r.json'), '{}')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(own.path('no-such-folder'))).toBe(false);
  });
});

describe('writeFileAtomic with large text', () => {
  it('writes text of several megabytes exactly, a character outside the BMP straddling each megabyte included', async () => {
    const { writeFileAtomic } = await import('../../src/report/write.js');
    const mega = 1 << 20;
    // '😀' is two UTF-16 units: at mega - 1 and 2 * mega - 1 it would be split by a naive chunking.
    const text = `${'a'.repeat(mega - 1)}😀${'é'.repeat(mega - 2)}😀${'z'.repeat(mega / 2)}\n`;
    const target = ws.path('large.json');
    await writeFileAtomic(target, text);
    expect(readFileSync(target, 'utf8')).toBe(text);
    await writeFileAtomic(target, '');
    expect(readFileSync(target, 'utf8')).toBe('');
  });
});

describe('toJson', () => {
  it('writes the same document as JSON.stringify, whatever the value', async () => {
    const { toJson } = await import('../../src/report/write.js');
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(toJson(value))).toEqual(JSON.parse(JSON.stringify(value) ?? 'null'));
      }),
    );
    // A hole, a function and undefined in a list become null; in an object they are left out.
    const odd = {
      date: new Date(0),
      skipped: undefined,
      fn: () => 1,
      list: [undefined, () => 1, new Number(2), , 3],
      nested: { a: { b: { c: { d: 1 } } } },
    };
    expect(JSON.parse(toJson(odd))).toEqual(JSON.parse(JSON.stringify(odd)));
  });

  it('puts each operation of a report on its own line, with the levels above it indented', async () => {
    const { toJson } = await import('../../src/report/write.js');
    const operations = [
      { key: 'stop/host=1', status: 'changed', request: { method: 'POST', url: 'http://x/1' } },
      { key: 'stop/host=2', status: 'failed', error: { code: 'TIMEOUT', message: 'slow' } },
    ];
    const text = toJson({ reportVersion: 1, steps: [{ id: 'stop', operations }] });
    const lines = text.split('\n');
    expect(lines).toContain(`        ${JSON.stringify(operations[0])},`);
    expect(lines).toContain(`        ${JSON.stringify(operations[1])}`);
    expect(lines[1]).toBe('  "reportVersion": 1,');
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('writeJsonAtomic with redaction', () => {
  it('writes, piece by piece, the same document as redacting a redacted copy of the whole, with no secret in it', async () => {
    const { toJson, writeJson } = await import('../../src/report/write.js');
    const { redactedJson } = await import('../../src/cli/artifacts.js');
    const { Redactor } = await import('../../src/secrets/redactor.js');
    // Secrets short and long, with characters that JSON and URLs escape, and values made of them.
    const secretArb = fc.oneof(
      fc.constantFrom('pw', 's3cr3t-p4ss', 'quote"and\\slash', 'naïve pässword'),
      fc.string({ minLength: 1, maxLength: 12 }),
    );
    const valueArb = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 2 }),
        secretArb,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), secretArb), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.array(secretArb, { maxLength: 3 }), valueArb, (secrets, value) => {
        const redactor = new Redactor();
        for (const s of secrets) redactor.add(s);
        const pieces: string[] = [];
        writeJson(value, (piece) => pieces.push(piece), redactedJson(redactor));
        const text = pieces.join('');
        // The same document (a redacted copy merges two keys that redact alike; the text keeps both, and a
        // reader keeps the last, as the copy did) and no secret in it.
        expect(JSON.parse(text)).toEqual(JSON.parse(redactor.redactJson(toJson(redactor.redactValue(value)))));
        for (const secret of secrets) if (secret.length >= 4) expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a report of 100,000 operations exactly, with no secret in it, without holding its text', async () => {
    const { writeJsonAtomic, toJson } = await import('../../src/report/write.js');
    const { redactedJson } = await import('../../src/cli/artifacts.js');
    const { Redactor } = await import('../../src/secrets/redactor.js');
    const redactor = new Redactor();
    redactor.addBasic('admin', 'Tr0ub4dor&3');
    const operations = Array.from({ length: 100_000 }, (_, i) => ({
      key: `stop/host=${i}`,
      status: 'changed',
      request: {
        method: 'POST',
        url: `https://ocp.example.com/api/v2/compute/hosts/${i}/stop${i === 77_777 ? '?token=Tr0ub4dor%263' : ''}`,
      },
    }));
    const report = { reportVersion: 1, params: { password: 'Tr0ub4dor&3' }, steps: [{ id: 'stop', operations }] };
    const target = ws.path('big-report.json');
    await writeJsonAtomic(target, report, redactedJson(redactor));
    const written = readFileSync(target, 'utf8');
    expect(written).toBe(redactor.redact(toJson(redactor.redactValue(report))));
    expect(written).not.toContain('Tr0ub4dor');
    const parsed = JSON.parse(written) as typeof report;
    expect(parsed.steps[0]!.operations).toHaveLength(100_000);
    expect(parsed.steps[0]!.operations[77_777]!.request.url).toMatch(/token=\[REDACTED\]$/);
    expect(parsed.params.password).toBe('[REDACTED]');
  });
});
