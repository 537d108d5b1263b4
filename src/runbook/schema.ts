// The JSON Schema (2020-12) of the runbook format, built from the registry so that every registered
// action's inputs and every connection type's config are checked, and editors can complete them.

import type { Registry } from '../actions/registry.js';
import type { JsonSchema } from '../contracts/action.js';
import { DURATION_PATTERN } from '../common/durations.js';
import { NOT_HOST_HEADER_PATTERN } from '../common/patterns.js';
import { isPlainObject, setOwn } from '../common/plain-data.js';

export const RUNBOOK_SCHEMA_ID = 'https://runbook.dev/schemas/runbook.schema.json';

/** A string that is exactly one `${{ }}` expression (a `}}` ends it). */
export const EXPRESSION_PATTERN = '^\\$\\{\\{(?:(?!\\}\\})[\\s\\S])*\\}\\}$';
/**
 * A string with a `${{` in it: one `${{ }}` expression alone, or expressions inside other text (a whole
 * expression keeps its value's type, one inside text is interpolated into a string when the step runs).
 * Whether each expression is well formed is checked with the runbook's other expressions.
 */
export const TEMPLATE_PATTERN = '\\$\\{\\{';
/** Step ids and runbook names. */
export const ID_PATTERN = '^[a-z0-9-]+$';
/** Param names: usable in `params.<name>` and `--param <name>=...`. */
export const PARAM_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';
export const CONNECTION_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';
/** A percentage from 0% to 100%, such as `10%` or `12.5%`. */
export const PERCENT_PATTERN = '^(?:100|[0-9]{1,2}(?:\\.[0-9]+)?)%$';
export { DURATION_PATTERN, NOT_HOST_HEADER_PATTERN };

export const PARAM_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object'] as const;

const EXPRESSION_DESCRIPTION = 'A ${{ }} expression, evaluated when the step runs.';
const TEMPLATE_DESCRIPTION = 'Text with ${{ }} expressions in it, each replaced by its value when the step runs; the result is checked then.';

/** The schema of a value written as a `${{ }}` expression. */
export function expressionSchema(): JsonSchema {
  return { type: 'string', pattern: EXPRESSION_PATTERN, description: EXPRESSION_DESCRIPTION };
}

/** The schema of a string value with `${{ }}` expressions in it, alone or inside other text. */
export function templateSchema(): JsonSchema {
  return { type: 'string', pattern: TEMPLATE_PATTERN, description: TEMPLATE_DESCRIPTION };
}

/**
 * True for the schemas `expressionSchema()` and `templateSchema()` return (how error reporting recognises
 * the expression branch).
 */
export function isExpressionSchema(schema: unknown): boolean {
  return isPlainObject(schema) && schema.type === 'string' && (schema.pattern === EXPRESSION_PATTERN || schema.pattern === TEMPLATE_PATTERN);
}

/** `$defs` key of an action's `with:` schema. */
export function actionDefName(action: string): string {
  return `with.${action}`;
}

/** `$defs` key of a connection type's config schema. */
export function connectionDefName(type: string): string {
  return `connection.${type}`;
}

/** Which actions' inputs and which connection types' configs to wire in (default: all registered). */
export interface SchemaSubset {
  actions?: Iterable<string>;
  connectionTypes?: Iterable<string>;
}

/**
 * Builds the JSON Schema of the whole runbook format for the actions and connection types in `registry`.
 * Wherever an action input or a connection setting is expected, a `${{ }}` expression is accepted too.
 */
export function buildRunbookSchema(registry: Registry, only: SchemaSubset = {}): JsonSchema {
  const actions = registry.actions().map((a) => a.definition);
  const connections = registry.connections().map((c) => c.definition);
  const wiredActions = only.actions ? new Set(only.actions) : undefined;
  const wiredConnections = only.connectionTypes ? new Set(only.connectionTypes) : undefined;
  const defs: Record<string, JsonSchema> = {};

  const actionRules: JsonSchema[] = [];
  for (const action of actions) {
    if (wiredActions && !wiredActions.has(action.name)) continue;
    defs[actionDefName(action.name)] = {
      ...withRef(acceptExpressions(closeObject(action.inputs)), `${RUNBOOK_SCHEMA_ID.replace(/\.schema\.json$/, '')}/actions/${action.name}`),
      title: `with: of ${action.name}`,
      description: action.description,
    };
    const inputs = action.inputs;
    const needsWith = Array.isArray(inputs.required) && inputs.required.length > 0;
    actionRules.push({
      if: { properties: { action: { const: action.name } }, required: ['action'] },
      then: {
        properties: { with: { $ref: `#/$defs/${actionDefName(action.name)}` } },
        ...(needsWith ? { required: ['with'] } : {}),
      },
    });
  }

  const connectionRules: JsonSchema[] = [];
  for (const connection of connections) {
    if (wiredConnections && !wiredConnections.has(connection.type)) continue;
    defs[connectionDefName(connection.type)] = {
      ...withRef(acceptExpressions(closeObject(connection.config), ['type']), `${RUNBOOK_SCHEMA_ID.replace(/\.schema\.json$/, '')}/connections/${connection.type}`),
      title: `connection of type ${connection.type}`,
      description: connection.description,
    };
    connectionRules.push({
      if: { properties: { type: { const: connection.type } }, required: ['type'] },
      then: { $ref: `#/$defs/${connectionDefName(connection.type)}` },
    });
  }

  const duration = (description: string): JsonSchema => ({ type: 'string', pattern: DURATION_PATTERN, description });
  const actionNames = actions.map((a) => a.name);
  const connectionTypes = connections.map((c) => c.type);

  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: RUNBOOK_SCHEMA_ID,
    $comment: 'Generated by `npm run schemas` from the registered actions and connection types. Do not edit by hand.',
    title: 'Runbook',
    description: 'A declarative maintenance runbook (format version 1).',
    type: 'object',
    additionalProperties: false,
    required: ['version', 'name', 'steps'],
    properties: {
      version: { const: 1, description: 'The format version. Always 1.' },
      name: { type: 'string', pattern: ID_PATTERN, description: 'The runbook name: lower-case letters, digits and -.' },
      description: { type: 'string', description: 'What the runbook does, for people.' },
      params: {
        type: 'object',
        description: 'Values given on the command line with --param name=value; read them as ${{ params.name }}.',
        propertyNames: { pattern: PARAM_NAME_PATTERN },
        additionalProperties: { $ref: '#/$defs/param' },
      },
      plugins: {
        type: 'array',
        description: 'Plugin modules that register more actions: paths relative to this file, or package names.',
        items: { type: 'string', minLength: 1 },
      },
      connections: {
        type: 'object',
        description: 'Named servers; a step picks one with connection: <name>.',
        propertyNames: { pattern: CONNECTION_NAME_PATTERN },
        additionalProperties: { $ref: '#/$defs/connection' },
      },
      concurrency: { type: 'integer', minimum: 1, description: 'Most operations in flight at once, over all steps (default 4).' },
      steps: {
        type: 'array',
        minItems: 1,
        description: 'The steps, run in order.',
        items: { $ref: '#/$defs/step' },
      },
    },
    $defs: {
      param: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          type: { enum: [...PARAM_TYPES], description: 'How --param values are parsed.' },
          default: { description: 'The value used when the param is not given. Without one, the param is required.' },
          description: { type: 'string' },
          enum: { type: 'array', minItems: 1, description: 'The only values allowed.' },
          secret: { type: 'boolean', description: 'Redact the value from reports, logs and plans.' },
          items: { type: ['object', 'boolean'], description: 'JSON Schema every element of an array param must match.' },
        },
      },
      connection: {
        type: 'object',
        required: ['type'],
        properties: {
          type: {
            type: 'string',
            description: 'The connection type.',
            ...(connectionTypes.length > 0 ? { enum: connectionTypes } : {}),
          },
        },
        // An empty allOf is not a valid schema (a registry with no connection type would break loading).
        ...(connectionRules.length > 0 ? { allOf: connectionRules } : {}),
      },
      step: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'action'],
        properties: {
          id: { type: 'string', pattern: ID_PATTERN, description: 'Unique step id: lower-case letters, digits and -.' },
          name: { type: 'string', description: 'A title for people.' },
          description: { type: 'string', description: 'What the step does, for people; kept in the report.' },
          action: {
            type: 'string',
            description: 'The action to run, vendor.verb.',
            ...(actionNames.length > 0 ? { enum: actionNames } : {}),
          },
          connection: { type: 'string', description: 'The name of a connection declared under connections:.' },
          forEach: {
            type: ['array', 'string'],
            pattern: EXPRESSION_PATTERN,
            description: 'Run once per element: a list, or an expression giving one. item and index are in scope.',
          },
          with: { type: 'object', description: "The action's inputs." },
          concurrency: { type: 'integer', minimum: 1, description: "Most of this step's operations in flight at once." },
          maxErrors: {
            type: ['integer', 'string'],
            minimum: 0,
            pattern: PERCENT_PATTERN,
            description: 'How many operations may fail before the step fails: a count, or a percentage like "10%" (default 0).',
          },
          continueOnError: { type: 'boolean', description: 'Go on with the next steps when this one fails (default false).' },
          retry: {
            type: 'object',
            additionalProperties: false,
            description: 'Retries of transient failures (connection errors, timeouts, 429, 5xx).',
            properties: {
              attempts: { type: 'integer', minimum: 1, description: 'Total attempts, the first included (default 1).' },
              delay: duration('Wait before the first retry; doubles each time (default 1s).'),
              maxDelay: duration('The longest wait between attempts (default 30s).'),
            },
          },
          timeout: duration('Time limit of one request attempt (default 60s).'),
          operationTimeout: duration(
            'Time limit of one whole operation, its requests, retries and waits included (default 1h). Past it the operation fails with TIMEOUT, whatever its action does.',
          ),
          if: {
            type: ['boolean', 'string'],
            pattern: EXPRESSION_PATTERN,
            description: 'Run the step only when true: a boolean or an expression.',
          },
          rollout: {
            type: 'object',
            additionalProperties: false,
            required: ['batches'],
            description: 'Run a forEach step in growing batches, stopping at the first failed batch.',
            properties: {
              batches: {
                type: 'array',
                minItems: 1,
                items: { type: ['integer', 'string'], minimum: 1, pattern: PERCENT_PATTERN },
                description: 'Batch sizes: counts, or percentages of the operations, such as [1, "10%", "100%"].',
              },
              pauseBetween: duration('Wait between batches (default 0s).'),
            },
          },
        },
        ...(actionRules.length > 0 ? { allOf: actionRules } : {}),
      },
      ...defs,
    },
  };
}

/** The schema file's text, as written to schemas/runbook.schema.json. */
export function renderRunbookSchema(registry: Registry): string {
  return `${JSON.stringify(buildRunbookSchema(registry), null, 2)}\n`;
}

/**
 * An object schema that does not say what to do with unknown keys refuses them, so that a misspelt
 * input is reported instead of ignored.
 */
function closeObject(schema: JsonSchema): JsonSchema {
  const open =
    'additionalProperties' in schema || 'patternProperties' in schema || 'unevaluatedProperties' in schema;
  if (!open && isPlainObject(schema.properties)) return { ...schema, additionalProperties: false };
  return schema;
}

/** Gives a schema holding local `$ref`s its own `$id`, so that they still resolve once embedded. */
function withRef(schema: JsonSchema, id: string): JsonSchema {
  const { $schema: _ignored, ...rest } = schema;
  return containsRef(rest) && rest.$id === undefined ? { $id: id, ...rest } : rest;
}

function containsRef(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsRef);
  if (isPlainObject(value)) return Object.entries(value).some(([k, v]) => k === '$ref' || containsRef(v));
  return false;
}

/**
 * Wraps every property schema (recursively through properties, items and combinators) as
 * `anyOf: [original, expression]`, so that any value may be written as `${{ }}`.
 */
export function acceptExpressions(schema: JsonSchema, except: string[] = []): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (isPlainObject(schema.properties)) {
    const properties: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(schema.properties)) {
      setOwn(properties, name, except.includes(name) ? property : orExpression(property));
    }
    out.properties = properties;
  }
  if (isPlainObject(schema.additionalProperties)) out.additionalProperties = orExpression(schema.additionalProperties);
  if (isPlainObject(schema.items)) out.items = orExpression(schema.items);
  if (Array.isArray(schema.prefixItems)) out.prefixItems = schema.prefixItems.map(orExpression);
  for (const combinator of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[combinator];
    if (Array.isArray(branches)) {
      out[combinator] = branches.map((b) => (isPlainObject(b) ? acceptExpressions(b, except) : b));
    }
  }
  for (const branch of ['then', 'else'] as const) {
    const value = schema[branch];
    if (isPlainObject(value)) out[branch] = acceptExpressions(value, except);
  }
  return out;
}

/**
 * The schema, or an expression. Where the schema takes free text, expressions may sit inside the text
 * too (the result, a string, is checked against the schema once evaluated). Elsewhere (numbers, lists, a
 * choice from a fixed list of words) only a whole expression stands for the value.
 */
function orExpression(schema: unknown): unknown {
  if (!isPlainObject(schema) || Object.keys(schema).length === 0 || isExpressionSchema(schema)) return schema;
  return { anyOf: [acceptExpressions(schema), takesText(schema) ? templateSchema() : expressionSchema()] };
}

function takesText(schema: Record<string, unknown>): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('string') && schema.const === undefined && schema.enum === undefined;
}
