// Plain data built safely: own properties only, so that no key written in a runbook (`__proto__`
// included) reaches a prototype, and deep equality as expressions compare values.

import { describe, expect, it } from 'vitest';
import { copyData, getOwn, isPlainObject, sameData, setOwn, UNSAFE_KEYS } from '../../src/common/plain-data.js';

describe('plain objects', () => {
  it('are those made by {}, JSON or Object.create(null), not lists, class instances or null', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(JSON.parse('{"a":1}'))).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    for (const value of [[], null, new Date(0), new Map(), 'x', 1, Object.create({ inherited: true })])
      expect(isPlainObject(value)).toBe(false);
  });
});

describe('setOwn, getOwn and copyData', () => {
  it('store __proto__ as an own key without changing the prototype', () => {
    const target: Record<string, unknown> = {};
    setOwn(target, '__proto__', { polluted: true });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.keys(target)).toEqual(['__proto__']);
    expect(getOwn(target, '__proto__')).toEqual({ polluted: true });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('read only own properties', () => {
    expect(getOwn({}, 'toString')).toBeUndefined();
    expect(getOwn({ a: 1 }, 'a')).toBe(1);
    expect(getOwn([1], '0')).toBeUndefined();
  });

  it('copy deeply, keeping prototype-named keys as data and sharing nothing with the original', () => {
    const original = JSON.parse('{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}},"list":[{"a":1}]}') as Record<string, unknown>;
    const copy = copyData(original);
    expect(copy).not.toBe(original);
    expect(copy.list).not.toBe(original.list);
    expect(Object.keys(copy)).toEqual(['__proto__', 'constructor', 'list']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('name the keys expressions never read', () => {
    expect([...UNSAFE_KEYS].sort()).toEqual(['__proto__', 'constructor', 'prototype']);
  });
});

describe('sameData', () => {
  it('compares lists by position and mappings by own keys, deeply', () => {
    expect(sameData([1, { a: [2] }], [1, { a: [2] }])).toBe(true);
    expect(sameData({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameData([1, 2], [2, 1])).toBe(false);
    expect(sameData({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameData({ a: undefined }, { b: undefined })).toBe(false);
    expect(sameData(1, '1')).toBe(false);
    expect(sameData(null, undefined)).toBe(false);
    expect(sameData(Number.NaN, Number.NaN)).toBe(true);
  });
});
