// The reference tables of docs/, rendered from the code that defines what they list: the registry's
// actions, the error catalogue, and the command-line flags and commands. `npm run docs` writes them between markers
// (`<!-- BEGIN GENERATED: name -->` … `<!-- END GENERATED: name -->`), and a test fails when they are stale.

import type { ActionDefinition, JsonSchema } from '../contracts/action.js';
import type { Registry } from '../actions/registry.js';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { FLAG_SPECS, summarySentence, type CommandSpec, type FlagSpec } from './commands.js';
import type { FlagDoc } from './flags.js';

/** Where each error code can come from, and the exit code it leads to, for the error-codes table. */
export const ERROR_CODE_WHERE: Partial<Record<ErrorCode, string>> = {
  FILE_NOT_FOUND: 'input (exit 2)',
  FILE_TOO_LARGE: 'input (exit 2)',
  YAML_SYNTAX: 'input (exit 2)',
  YAML_DUPLICATE_KEY: 'input (exit 2)',
  YAML_ALIAS_LIMIT: 'input (exit 2)',
  SCHEMA: 'input (exit 2)',
  UNKNOWN_ACTION: 'input (exit 2)',
  DUPLICATE_STEP_ID: 'input (exit 2)',
  UNKNOWN_CONNECTION: 'input (exit 2)',
  CONNECTION_REQUIRED: 'input (exit 2)',
  CONNECTION_TYPE_MISMATCH: 'input (exit 2)',
  UNKNOWN_CONNECTION_TYPE: 'input (exit 2)',
  EXPRESSION_SYNTAX: 'input (exit 2)',
  UNKNOWN_REFERENCE: 'input (exit 2)',
  PLUGIN_LOAD: 'input (exit 2)',
  PLUGIN_NAME_CLASH: 'input (exit 2)',
  BAD_PARAM: 'input (exit 2)',
  USAGE: 'input (exit 2)',
  PLAN_STALE: 'input (exit 2)',
  PLAN_SECRET: 'input (exit 2)',
  IRREVERSIBLE: 'input (exit 2)',
  PLAN_TARGET_CHANGED: 'input (exit 2)',
  LOCKED: 'run (exit 75)',
  LOCK_UNUSABLE: 'run (exit 2)',
  OUTPUT_PATH: 'input (exit 2)',
  OUTPUT_WRITE: 'output (exit 4)',
  INVALID_INPUT: 'operation (exit 1)',
  EXPRESSION: 'operation (exit 1)',
  UNRESOLVED_INPUT: 'step (exit 1)',
  ENV_MISSING: 'input (exit 2)',
  HTTP_STATUS: 'operation (exit 1)',
  OCP_ERROR: 'operation (exit 1)',
  BAO_ERROR: 'operation (exit 1)',
  AUTH_FAILED: 'operation (exit 1)',
  CONNECTION_ERROR: 'operation (exit 1)',
  TIMEOUT: 'operation (exit 1)',
  TLS_ERROR: 'operation (exit 1)',
  REDIRECT_REFUSED: 'operation (exit 1)',
  BAD_RESPONSE: 'operation (exit 1)',
  NOT_FOUND: 'operation (exit 1)',
  NOT_OPERABLE: 'operation (exit 1)',
  UNEXPECTED_STATE: 'operation (exit 1)',
  WAIT_TIMEOUT: 'operation (exit 1)',
  TASK_FAILED: 'operation (exit 1)',
  ASSERTION_FAILED: 'operation (exit 1)',
  FAILED_ON_PURPOSE: 'operation (exit 1)',
  PLUGIN_ERROR: 'operation (exit 1)',
  CANCELLED: 'operation (exit 1)',
  STEP_FAILED: 'run (exit 1)',
  HANDLER_FAILED: 'run (exit 1)',
  INTERNAL: 'operation (exit 1)',
};

/** The error codes of ERROR_CODES, in their order, with where they come from and what they mean. */
export function renderErrorCodesTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, meaning]) => [`\`${code}\``, ERROR_CODE_WHERE[code as ErrorCode] ?? '', meaning]);
  return table(['code', 'where', 'meaning'], rows);
}

/** One row per registered action, sorted by name: its connection, inputs, outputs, kind and description. */
export function renderActionsTable(registry: Registry): string {
  const rows = registry
    .actions()
    .map(({ definition: a }) => [
      `\`${a.name}\``,
      a.connection === undefined ? '' : `\`${a.connection}\``,
      describeInputs(a.inputs),
      describeOutputs(a),
      a.mutates ? 'mutates' : 'read-only',
      a.mutates && !a.changesNothing ? (a.revert ? 'yes' : 'no') : a.revert ? 'yes' : 'nothing to undo',
      a.description,
    ]);
  return table(['action', 'connection', 'inputs (`with:`)', 'outputs', 'kind', 'revert', 'what it does'], rows);
}

/** One row per flag, in the order of the list. */
export function renderFlagsTable(flags: readonly FlagDoc[]): string {
  const rows = flags.map((f) => [`\`${f.name}${f.value === undefined ? '' : ` ${f.value}`}\``, f.commands.join(', '), f.meaning]);
  return table(['flag', 'commands', 'meaning'], rows);
}

/** A subsection per command: its synopsis, what it does, its flags, and examples. */
export function renderCommandsSection(commands: readonly CommandSpec[]): string {
  return commands
    .map((c) => {
      const flags = c.flags.map((name) => {
        const spec: FlagSpec = FLAG_SPECS[name];
        return `\`--${name}${spec.value === undefined ? '' : ` ${spec.value}`}\``;
      });
      const synopsis = ['runbook', c.name, c.args].filter((part) => part !== '').join(' ');
      const text = [`### \`${synopsis}\``, '', `${summarySentence(c)} Flags: ${flags.join(', ')}.`];
      return [...text, '', '```sh', ...c.examples, '```', ''].join('\n');
    })
    .join('\n');
}

/**
 * Replaces the text between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->` with
 * `content`. Throws when the document lacks the pair of markers.
 */
export function replaceGenerated(document: string, name: string, content: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const from = document.indexOf(begin);
  const to = document.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`no ${begin} … ${end} markers`);
  return `${document.slice(0, from + begin.length)}\n${content}${document.slice(to)}`;
}

/** The text between a pair of markers, as `replaceGenerated` writes it; undefined without the markers. */
export function generatedSection(document: string, name: string): string | undefined {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const from = document.indexOf(begin);
  const to = document.indexOf(`<!-- END GENERATED: ${name} -->`, from);
  if (from < 0 || to < 0) return undefined;
  return document.slice(from + begin.length + 1, to);
}

/** `hostId`, one of `agentProcessId` or `alias`; optional `status`, `interval` (default `2s`). */
function describeInputs(schema: JsonSchema): string {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const alternatives = ((schema.oneOf ?? schema.anyOf ?? []) as JsonSchema[])
    .map((s) => (s.required ?? []) as string[])
    .filter((names) => names.length === 1)
    .map((names) => names[0]!);
  const withDefault = (name: string): string => {
    const fallback = properties[name]?.default;
    return fallback === undefined ? `\`${name}\`` : `\`${name}\` (default \`${String(fallback)}\`)`;
  };
  const parts = Object.keys(properties)
    .filter((name) => required.has(name))
    .map(withDefault);
  if (alternatives.length > 1) parts.push(`one of ${alternatives.map((n) => `\`${n}\``).join(' or ')}`);
  const optional = Object.keys(properties).filter((name) => !required.has(name) && !alternatives.includes(name));
  if (optional.length > 0) parts.push(`optional ${optional.map(withDefault).join(', ')}`);
  return parts.join('; ');
}

function describeOutputs(action: ActionDefinition): string {
  const properties = (action.outputs?.properties ?? {}) as Record<string, unknown>;
  return Object.keys(properties)
    .map((name) => `\`${name}\``)
    .join(', ');
}

/** A Markdown table; `|` and line breaks in cells are escaped so that a cell stays one cell. */
function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')).join(' | ')} |`;
  return `${[line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n')}\n`;
}
