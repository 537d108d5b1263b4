// The redactor on values: a redacted copy keeps every key as a key (a server's JSON may name one
// __proto__), and replaces secrets in keys, values and longer text.

import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../src/secrets/redactor.js';

describe('Redactor.redactValue', () => {
  it('keeps a key named __proto__ as an own key of the copy, never as its prototype', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-value');
    const value = JSON.parse('{"__proto__": {"polluted": "s3cr3t-value"}, "ok": 1}') as Record<string, unknown>;
    const copy = redactor.redactValue(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'ok']);
    expect(JSON.stringify(copy)).toBe(`{"__proto__":{"polluted":"${REDACTED}"},"ok":1}`);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('replaces a secret in keys, in whole values and inside longer text, and its JSON-escaped form', () => {
    const redactor = new Redactor();
    redactor.add('pa"ss');
    expect(redactor.redactValue({ 'pa"ss': 'x', note: 'the password is pa"ss.', whole: 'pa"ss' })).toEqual({
      [REDACTED]: 'x',
      note: `the password is ${REDACTED}.`,
      whole: REDACTED,
    });
    expect(redactor.stringify({ text: 'pa"ss' })).toBe(`{"text":"${REDACTED}"}`);
  });
});

describe('Redactor, short secrets', () => {
  it('replaces a secret of any length wherever it occurs, and leaves redacted text as it is', () => {
    const redactor = new Redactor();
    redactor.add('Xq7');
    redactor.add('E');
    const once = redactor.redact('alias obstat-Xq7 at END');
    expect(once).toBe(`alias obstat-${REDACTED} at ${REDACTED}ND`);
    expect(redactor.redact(once)).toBe(once);
  });

  it('keeps JSON valid whatever the secret: numbers and literals that hold one become the marker string', () => {
    const redactor = new Redactor();
    for (const secret of ['1', ':', '"', '\\', 'u']) redactor.add(secret);
    const value = { attempts: 1, ok: true, none: null, 'k:1': 'a "quoted" \\ line\nwith 1', list: [10, 2.5e3, false] };
    const text = redactor.stringify(value)!;
    expect(JSON.parse(text)).toEqual({
      attempts: REDACTED,
      ok: REDACTED,
      none: REDACTED,
      [`k${REDACTED}${REDACTED}`]: `a ${REDACTED}q${REDACTED}oted${REDACTED} ${REDACTED} line\nwith ${REDACTED}`,
      list: [REDACTED, 2500, false],
    });
    expect(redactor.redactJson(JSON.stringify(value))).toBe(text);
  });
});
