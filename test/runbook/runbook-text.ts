// Builds runbook text for the loader tests and collects what the loader says about it, so that each test
// reads as "this YAML gives this diagnostic at this line and column".

import { createRegistry } from '../../src/actions/builtins.js';
import type { Registry } from '../../src/actions/registry.js';
import { ValidationError, type Diagnostic } from '../../src/errors.js';
import { parseRunbook, type LoadOptions } from '../../src/runbook/load.js';
import type { Runbook } from '../../src/runbook/model.js';

/** Joins lines into a file's text, ending with a newline. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/**
 * Eight header lines (params `hosts`; connections `ocp` of type ocp and `bao` of type bao), so that the
 * steps given start on line 9.
 */
export function withSteps(...steps: string[]): string {
  return lines(
    'version: 1',
    'name: demo',
    'params:',
    '  hosts: { type: array, items: { type: integer }, default: [20, 21] }',
    'connections:',
    '  ocp: { type: ocp, url: "http://ocp.example:8080", auth: { type: basic, username: admin, password: "${{ env.OCP_PASSWORD }}" } }',
    '  bao: { type: bao, url: "http://bao.example:38080", auth: { type: login, username: admin, password: "${{ env.BAO_PASSWORD }}" } }',
    'steps:',
    ...steps,
  );
}

/** Parses text as rb.yaml with the built-in actions and connection types. */
export function parse(source: string, options: Partial<LoadOptions> & { registry?: Registry } = {}): Promise<Runbook> {
  return parseRunbook(source, 'rb.yaml', { registry: createRegistry(), ...options });
}

/** The diagnostics of a runbook that must be refused; fails the test when it is accepted. */
export async function diagnosticsOf(source: string, options: Partial<LoadOptions> = {}): Promise<Diagnostic[]> {
  const error = await refusal(parse(source, options));
  return error.diagnostics;
}

/** The ValidationError a promise rejects with; fails when it resolves or rejects with anything else. */
export async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  let outcome: unknown;
  try {
    await promise;
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof ValidationError)) {
    throw new Error(`expected a ValidationError, got ${outcome === undefined ? 'success' : String(outcome)}`);
  }
  return outcome;
}

/** The 1-based column of the first occurrence of `text` in `line` (to spell out where a diagnostic points). */
export function columnOf(line: string, text: string): number {
  const index = line.indexOf(text);
  if (index < 0) throw new Error(`'${text}' is not in '${line}'`);
  return index + 1;
}
