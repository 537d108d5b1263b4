// Regular expressions written by users as action inputs (`format: regex` in an input schema): ECMAScript
// syntax, at most MAX_REGEX_INPUT_LENGTH characters, and no nested repetition such as `(a+)+`, whose
// matching time can grow exponentially with the text. Literal patterns are checked at validation, patterns
// built by expressions when the step is planned.

import { RunbookError } from '../errors.js';

/** The longest pattern accepted. */
export const MAX_REGEX_INPUT_LENGTH = 200;

/** What is wrong with a pattern, as the end of a sentence naming the input; undefined when it can be used. */
export function regexInputProblem(text: string): string | undefined {
  if (text.length > MAX_REGEX_INPUT_LENGTH) {
    return `is ${text.length} characters long; a pattern may have at most ${MAX_REGEX_INPUT_LENGTH}`;
  }
  try {
    new RegExp(text);
  } catch (e) {
    return `is not a valid regular expression (${e instanceof Error ? e.message : String(e)}); write it in JavaScript syntax, e.g. ^AP[0-9]+$`;
  }
  const nested = nestedRepetition(text);
  if (nested !== undefined) {
    return `repeats a group that itself repeats (${nested}), which can take exponential time to match; write the repetition once, e.g. (ab)+ rather than (ab+)+`;
  }
  return undefined;
}

/** Compiles a pattern input; INVALID_INPUT naming the action and the input when it cannot be used. */
export function compileRegexInput(text: string, input: string, action: string): RegExp {
  const problem = regexInputProblem(text);
  if (problem !== undefined) throw new RunbookError('INVALID_INPUT', `${action}: input '${input}' ${problem}`, { details: { input } });
  return new RegExp(text);
}

/**
 * The first group that repeats without bound (`*`, `+`, `{n,}`, `{n,m}`) and holds a repetition of its
 * own, as `(…)+`; undefined when there is none. Reads a pattern `new RegExp` accepted.
 */
function nestedRepetition(text: string): string | undefined {
  // For each open group: where it starts, and whether it holds a quantifier.
  const open: Array<{ start: number; repeats: boolean }> = [];
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\\') {
      i += 1;
    } else if (c === '[') {
      // A class is one atom: skip to its closing bracket, past escapes.
      for (i += 1; i < text.length && text[i] !== ']'; i += 1) if (text[i] === '\\') i += 1;
    } else if (c === '(') {
      open.push({ start: i, repeats: false });
      // `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`: the `?` is not a quantifier.
      if (text[i + 1] === '?') i += 1;
    } else if (c === ')') {
      const group = open.pop();
      if (group === undefined) continue;
      const after = quantifierAt(text, i + 1);
      if (after?.unbounded && group.repeats) return text.slice(group.start, i + 1 + after.length);
      const parent = open[open.length - 1];
      if (parent && (group.repeats || after !== undefined)) parent.repeats = true;
      if (after) i += after.length - 1;
    } else {
      const q = quantifierAt(text, i);
      if (q) {
        const current = open[open.length - 1];
        if (current) current.repeats = true;
        i += q.length - 1;
      }
    }
  }
  return undefined;
}

/** The quantifier at `i` (with a lazy `?` after it), if there is one. */
function quantifierAt(text: string, i: number): { length: number; unbounded: boolean } | undefined {
  const c = text[i];
  let length = 0;
  let unbounded = false;
  if (c === '*' || c === '+') {
    length = 1;
    unbounded = true;
  } else if (c === '?') {
    length = 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(text.slice(i, i + 24));
    if (!m) return undefined;
    length = m[0].length;
    unbounded = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 1);
  } else {
    return undefined;
  }
  if (text[i + length] === '?') length += 1;
  return { length, unbounded };
}
