// encodePath: every interpolated value is exactly one path segment, whatever it contains.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodePath, encodePathSegment } from '../../src/connections/encode-path.js';
import { RunbookError } from '../../src/errors.js';

describe('encodePath', () => {
  it('keeps the literal parts and encodes a plain name unchanged', () => {
    expect(encodePath`/peer/${'AP1'}/stop`).toBe('/peer/AP1/stop');
    expect(encodePath`/compute/hosts/${20}/agent/processes/${185}/stop`).toBe('/compute/hosts/20/agent/processes/185/stop');
  });

  it('encodes slashes, query and fragment marks, percent signs and spaces inside a value', () => {
    expect(encodePath`/peer/${'a/b?c#d%e f'}/stop`).toBe('/peer/a%2Fb%3Fc%23d%25e%20f/stop');
  });

  it('writes dot segments as %2E so they cannot be normalised away', () => {
    expect(encodePath`/peer/${'..'}/stop`).toBe('/peer/%2E%2E/stop');
    expect(encodePath`/peer/${'.'}/stop`).toBe('/peer/%2E/stop');
    expect(encodePath`/peer/${'...'}/stop`).toBe('/peer/.../stop');
    expect(encodePath`/peer/${'../admin'}`).toBe('/peer/..%2Fadmin');
  });

  it('uses strict RFC 3986 encoding with upper-case hex', () => {
    expect(encodePathSegment("it's (a) *test*!+é")).toBe('it%27s%20%28a%29%20%2Atest%2A%21%2B%C3%A9');
  });

  it('refuses an empty value, which would merge two segments', () => {
    expect(() => encodePath`/peer/${''}/stop`).toThrow(RunbookError);
    expect(() => encodePath`/peer/${''}/stop`).toThrow(/empty value/);
  });

  it('refuses values that are not strings or numbers', () => {
    const sneaky = [undefined] as unknown as string[];
    expect(() => encodePath`/peer/${sneaky[0] as string}`).toThrow(/string or a number/);
  });

  it('refuses text that is not valid Unicode', () => {
    expect(() => encodePathSegment('ab\uD800')).toThrow(/invalid Unicode/);
  });

  it('never lets any value add a segment or change the path (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 1 }),
          fc.string({ minLength: 1, unit: 'grapheme' }),
          fc.constantFrom('.', '..', '%2e%2e', '/', '?'),
        ),
        (value) => {
          const path = encodePath`/peer/${value}/stop`;
          const segments = path.split('/');
          expect(segments).toHaveLength(4);
          expect(segments[3]).toBe('stop');
          expect(path).not.toMatch(/[?#]/);
          expect(['.', '..']).not.toContain(segments[2]);
          expect(decodeURIComponent(segments[2] as string)).toBe(value);
        },
      ),
    );
  });
});
