// FromSchema reads a value's type from its JSON Schema: a schema and the type it checks cannot drift.

import { describe, expectTypeOf, it } from 'vitest';
import type { FromSchema } from '../../src/common/from-schema.js';

describe('FromSchema', () => {
  it('reads scalars, enums, lists, and objects with required and optional keys', () => {
    const schema = {
      type: 'object',
      required: ['id', 'tags'],
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        on: { type: 'boolean' },
        mode: { enum: ['a', 'b'] },
        tags: { type: 'array', items: { type: 'string' } },
        anything: {},
      },
    } as const;
    expectTypeOf<FromSchema<typeof schema>>().toEqualTypeOf<{
      id: number;
      tags: string[];
      name?: string;
      on?: boolean;
      mode?: 'a' | 'b';
      anything?: unknown;
    }>();
  });

  it('reads oneOf as a union, and if (required) / then / else as the two forms', () => {
    const latency = {
      oneOf: [{ type: 'number' }, { type: 'object', required: ['min'], properties: { min: { type: 'number' } } }],
    } as const;
    expectTypeOf<FromSchema<typeof latency>>().toEqualTypeOf<number | { min: number }>();
    const host = {
      type: 'object',
      if: { required: ['ids'] },
      then: { properties: { ids: { type: 'string' }, name: { type: 'string' } } },
      else: { required: ['id'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    } as const;
    expectTypeOf<FromSchema<typeof host>>().toEqualTypeOf<{ ids: string; name?: string } | { id: number; name?: string }>();
  });
});
