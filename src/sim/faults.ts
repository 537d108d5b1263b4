// Fault injection for the simulator: decides, per request and reproducibly from a seed, whether to delay,
// fail, reset or hang it. The decision is pure bookkeeping; the server carries it out.

import type { FromSchema } from '../common/from-schema.js';

/** What to inject: the values `faultConfigSchema` accepts. Rates are probabilities in [0, 1]; their sum must not exceed 1. */
export type FaultConfig = FromSchema<typeof faultConfigSchema>;

/** Latency to add before answering: a fixed number of milliseconds, or a uniform range. */
export type LatencySpec = NonNullable<FaultConfig['latency']>;

/** "Fail the first `count` requests whose pathname matches `path`" (and `method`, when given). */
export type FailFirstRule = NonNullable<FaultConfig['failFirst']>[number];

/** What the server must do with one request. */
export type FaultOutcome = { kind: 'pass' } | { kind: 'error'; status: number; reason: string } | { kind: 'reset' } | { kind: 'hang' };

export interface FaultDecision {
  latencyMs: number;
  outcome: FaultOutcome;
}

/** A small, fast, seedable PRNG (mulberry32). Returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PASS: FaultOutcome = { kind: 'pass' };

interface CompiledRule {
  method: string | undefined;
  path: RegExp;
  remaining: number;
  status: number;
}

/**
 * One fault plan: the random sequence and the failFirst counters. Every request draws exactly two
 * numbers (latency, outcome) whatever the configuration, so the same seed and the same request order
 * give the same decisions.
 */
export class FaultInjector {
  private readonly random: () => number;
  private readonly rules: CompiledRule[];
  private readonly config: FaultConfig;
  /** Outcomes by cumulative probability, in the order the draw is compared with them. */
  private readonly bands: Array<[number, FaultOutcome]>;

  constructor(config: FaultConfig, defaultSeed: number) {
    this.config = config;
    this.random = mulberry32(config.seed ?? defaultSeed);
    this.rules = (config.failFirst ?? []).map((r) => ({
      method: r.method?.toUpperCase(),
      path: new RegExp(r.path),
      remaining: r.count,
      status: r.status ?? 503,
    }));
    let threshold = 0;
    const band = (rate: number | undefined, outcome: FaultOutcome): [number, FaultOutcome] => {
      threshold += rate ?? 0;
      return [threshold, outcome];
    };
    this.bands = [
      band(config.resetRate, { kind: 'reset' }),
      band(config.hangRate, { kind: 'hang' }),
      band(config.errorRate, { kind: 'error', status: 503, reason: 'errorRate' }),
      band(config.rateLimit429Rate, { kind: 'error', status: 429, reason: 'rateLimit429Rate' }),
    ];
  }

  /** Decides the fate of the next request. Call once per request, in arrival order. */
  decide(method: string, pathname: string): FaultDecision {
    const latencyDraw = this.random();
    const outcomeDraw = this.random();
    const latencyMs = latencyOf(this.config.latency, latencyDraw);

    if (this.rules.length > 0) {
      const rule = this.rules.find(
        (r) => r.remaining > 0 && (r.method === undefined || r.method === method.toUpperCase()) && r.path.test(pathname),
      );
      if (rule) {
        rule.remaining -= 1;
        return { latencyMs, outcome: { kind: 'error', status: rule.status, reason: 'failFirst' } };
      }
    }
    for (const [threshold, outcome] of this.bands) {
      if (outcomeDraw < threshold) return { latencyMs, outcome };
    }
    return { latencyMs, outcome: PASS };
  }
}

function latencyOf(spec: LatencySpec | undefined, draw: number): number {
  if (spec === undefined) return 0;
  if (typeof spec === 'number') return spec;
  return Math.round(spec.min + (spec.max - spec.min) * draw);
}

/** Longest delay a timer can wait (about 24.8 days): Node fires a longer one at once, with a warning. */
export const MAX_DELAY_MS = 2_147_483_647;

const latencyMs = { type: 'number', minimum: 0, maximum: MAX_DELAY_MS } as const;
const rate = { type: 'number', minimum: 0, maximum: 1 } as const;

/** JSON Schema of a FaultConfig, shared by the config file and `PUT /__sim/faults`. */
export const faultConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Seed of this fault plan's random sequence; defaults to the simulator's `seed`. */
    seed: { type: 'integer' },
    /**
     * How long after its arrival a request is answered, at the earliest. A request that passes is handled
     * at once and its answer held (so that concurrent requests overlap); an injected fault waits it out first.
     */
    latency: {
      oneOf: [
        latencyMs,
        { type: 'object', additionalProperties: false, required: ['min', 'max'], properties: { min: latencyMs, max: latencyMs } },
      ],
    },
    /** Answer 503 with the vendor's error body. */
    errorRate: rate,
    /** Destroy the socket without answering. */
    resetRate: rate,
    /** Never answer (the request ends when the client gives up or the simulator closes). */
    hangRate: rate,
    /** Answer 429 with the vendor's error body and `Retry-After: 1`. */
    rateLimit429Rate: rate,
    failFirst: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'count'],
        properties: {
          /** HTTP method to match (case-insensitive); any method when omitted. */
          method: { type: 'string', minLength: 1 },
          /** Regular expression (source text) tested against the raw pathname, without the query. */
          path: { type: 'string' },
          count: { type: 'integer', minimum: 0 },
          /** Status of the failed answers; default 503. */
          status: { type: 'integer', minimum: 100, maximum: 599 },
        },
      },
    },
  },
} as const;

/**
 * Checks what the schema cannot: the rates add up to at most 1, latency min <= max, the failFirst paths
 * compile. Returns the problem, or undefined when there is none.
 */
export function faultConfigProblem(config: FaultConfig): string | undefined {
  const sum = (config.resetRate ?? 0) + (config.hangRate ?? 0) + (config.errorRate ?? 0) + (config.rateLimit429Rate ?? 0);
  if (sum > 1 + 1e-9) return `resetRate + hangRate + errorRate + rateLimit429Rate is ${sum}; it must be at most 1`;
  if (typeof config.latency === 'object' && config.latency.min > config.latency.max) {
    return `latency.min (${config.latency.min}) is greater than latency.max (${config.latency.max})`;
  }
  for (const [i, rule] of (config.failFirst ?? []).entries()) {
    try {
      new RegExp(rule.path);
    } catch {
      return `failFirst[${i}].path is not a valid regular expression: ${rule.path}`;
    }
  }
  return undefined;
}
