// JSON-like data built safely: own properties only, and no key (`__proto__` included) can reach a prototype.

/** Keys that name prototype machinery: expressions never read them, params may not be called so. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A plain object: made by `{}`, JSON.parse, YAML, or Object.create(null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets an own, enumerable property, even for `__proto__`, without invoking any setter. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Object.prototype has one setter, __proto__; any other key is a plain assignment (and a fast one).
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** Reads an own property of a plain object, or undefined. */
export function getOwn(target: unknown, key: string): unknown {
  return isPlainObject(target) && Object.hasOwn(target, key) ? target[key] : undefined;
}

/** Deep equality of JSON-like values (arrays by position, objects by own keys). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameData(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameData(a[k], b[k]));
  }
  return false;
}

/** A deep copy of JSON-like data with safely built objects. */
export function copyData<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => copyData(v)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, copyData(v));
    return out as T;
  }
  return value;
}

/**
 * Reads one property the way expressions do: own data of plain objects, array elements by index,
 * `.length` of arrays and strings. Anything else, and the prototype keys, read as undefined.
 */
export function readProperty(value: unknown, key: string | number): unknown {
  if (typeof key === 'string' && UNSAFE_KEYS.has(key)) return undefined;
  if (Array.isArray(value) || typeof value === 'string') {
    if (key === 'length') return value.length;
    if (!Array.isArray(value)) return undefined;
    const index = typeof key === 'number' ? key : /^(?:0|[1-9][0-9]*)$/.test(key) ? Number(key) : NaN;
    return Number.isInteger(index) && index >= 0 && index < value.length ? value[index] : undefined;
  }
  if (isPlainObject(value)) {
    const name = String(key);
    return Object.hasOwn(value, name) ? value[name] : undefined;
  }
  return undefined;
}
