// The TypeScript type of the values a JSON Schema accepts, read from the schema itself (written `as const`),
// so that a type and the schema that checks it cannot drift apart. Covers the keywords this project's
// typed schemas use: type, enum, const, properties and required, items, oneOf, anyOf, if/then/else.

/** Flattens an intersection into one object type (for readable hovers and messages). */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S> = S extends { readonly required: readonly (infer K)[] } ? K : never;

type ObjectFrom<P, R> = Simplify<
  { -readonly [K in keyof P as K extends R ? K : never]: FromSchema<P[K]> } & {
    -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]>;
  }
>;

/**
 * The type of the values `S` accepts. An `if: { required: [k] }` with `then` and `else` is read as a
 * choice between the `then` form, where `k` is required, and the `else` form. A schema this does not
 * understand (`{}` among them) gives `unknown`.
 */
export type FromSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly oneOf: readonly (infer B)[] }
      ? FromSchema<B>
      : S extends { readonly anyOf: readonly (infer B)[] }
        ? FromSchema<B>
        : S extends { readonly if: { readonly required: readonly (infer K)[] }; readonly then: infer T; readonly else: infer E }
          ? FromSchema<T & { readonly required: readonly K[] }> | FromSchema<E>
          : S extends { readonly type: 'integer' | 'number' }
            ? number
            : S extends { readonly type: 'string' }
              ? string
              : S extends { readonly type: 'boolean' }
                ? boolean
                : S extends { readonly type: 'null' }
                  ? null
                  : S extends { readonly type: 'array'; readonly items: infer I }
                    ? FromSchema<I>[]
                    : S extends { readonly properties: infer P }
                      ? ObjectFrom<P, RequiredKeys<S>>
                      : unknown;
