// The type of the JSON Schemas that actions and connection types declare for their inputs and outputs.

/** A JSON Schema (2020-12) as a plain object. */
export type JsonSchema = Record<string, unknown>;
