// Replaces every known secret value with [REDACTED] in text and in JSON-like values.
// One redactor travels with a run; anything that prints, logs or writes a file goes through it.

import { setOwn } from '../common/plain-data.js';
import { escapeControlChars } from './untrusted-text.js';

export const REDACTED = '[REDACTED]';

/** A JSON string, or a number or literal (`true`, `null`): what `redactJson` may rewrite. */
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|[^\s"{}[\],:]+/g;
const QUOTE = 34;

export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /**
   * Registers a secret, and the encodings it commonly travels in (URL, JSON, console escapes). Every
   * occurrence is replaced, however short the secret: a one-character secret makes much of the output
   * `[REDACTED]`, and leaks nothing.
   */
  add(secret: string | undefined | null): void {
    if (secret === undefined || secret === null || secret === '') return;
    const before = this.#secrets.size;
    this.#secrets.add(secret);
    const uri = encodeURIComponent(secret);
    if (uri !== secret) this.#secrets.add(uri);
    const json = JSON.stringify(secret).slice(1, -1);
    if (json !== secret) this.#secrets.add(json);
    const shown = escapeControlChars(secret);
    if (shown !== secret) this.#secrets.add(shown);
    if (this.#secrets.size !== before) this.#pattern = undefined;
  }

  /** Registers a username/password pair and its Basic auth encoding. */
  addBasic(username: string, password: string): void {
    this.add(password);
    this.add(Buffer.from(`${username}:${password}`).toString('base64'));
  }

  get size(): number {
    return this.#secrets.size;
  }

  has(value: string): boolean {
    return this.#secrets.has(value);
  }

  /** The text with every occurrence of every secret replaced. Text already redacted stays as it is. */
  redact(text: string): string {
    if (this.#secrets.size === 0 || text.length === 0) return text;
    return text.replace(this.#compile(), REDACTED);
  }

  /**
   * JSON text with every secret replaced, and still valid JSON: a string is redacted as the text it
   * stands for (then written again as JSON), and a number or literal that holds a secret becomes the
   * string "[REDACTED]". Punctuation and whitespace between values are never touched, so a secret such
   * as `1`, `e` or `:` cannot break the document.
   */
  redactJson(json: string): string {
    // A secret shows in JSON text as itself or as registered JSON escapes, unless written with \u escapes.
    if (this.#secrets.size === 0 || (json.search(this.#compile()) < 0 && !json.includes('\\u'))) return json;
    return json.replace(JSON_TOKEN, (token) => {
      if (token.charCodeAt(0) !== QUOTE) return this.redact(token) === token ? token : `"${REDACTED}"`;
      // Without a backslash the text between the quotes is the string itself, and the marker needs no escape.
      if (!token.includes('\\')) return `"${this.redact(token.slice(1, -1))}"`;
      const text = JSON.parse(token) as string;
      const redacted = this.redact(text);
      return redacted === text ? token : JSON.stringify(redacted);
    });
  }

  /**
   * The JSON text of `value` with every secret replaced, as `redactJson(JSON.stringify(redactValue(value)))`
   * without the deep copy: values that are a whole secret are replaced while serialising, every other
   * occurrence (in keys, in longer strings, in numbers) in the text. Undefined where JSON.stringify leaves
   * the value out.
   */
  stringify(value: unknown): string | undefined {
    const text = (
      this.#secrets.size === 0
        ? JSON.stringify(value)
        : JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && this.#secrets.has(v) ? REDACTED : v))
    ) as string | undefined;
    return text === undefined ? undefined : this.redactJson(text);
  }

  /** Returns a deep copy with every string redacted. Non-plain objects are copied as plain data. */
  redactValue<T>(value: T): T {
    if (this.#secrets.size === 0) return value;
    return this.#walk(value) as T;
  }

  #walk(value: unknown): unknown {
    if (typeof value === 'string') return this.#secrets.has(value) ? REDACTED : this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.#walk(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      // setOwn: a key named __proto__ (a server's JSON may have one) stays a key, not the copy's prototype.
      for (const [k, v] of Object.entries(value)) setOwn(out, this.redact(k), this.#walk(v));
      return out;
    }
    return value;
  }

  #compile(): RegExp {
    if (this.#pattern) return this.#pattern;
    // Longest first, so that a secret containing another is replaced whole. The marker is one of the
    // alternatives and is replaced by itself: redacting twice gives the same text, even for a secret `E`.
    const all = [...new Set([REDACTED, ...this.#secrets])].sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp(all.map(escapeRegExp).join('|'), 'g');
    return this.#pattern;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A URL (perhaps one that does not parse) for a message: whatever stands between its scheme and its last
 * `@` may be `user:password` and is replaced, so `http://admin:pa@ss@[bad` is shown as
 * `http://[REDACTED]@[bad`. Text without `@` is returned as it is.
 */
export function withoutUserInfo(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
  return `${scheme}${REDACTED}@${value.slice(at + 1)}`;
}
