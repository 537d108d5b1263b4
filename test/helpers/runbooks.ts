// Runbook text the tests share, built from plain objects so that a test states only what it is about:
// the connections that read their address and credentials from the environment (as a real runbook
// would), the usual OCP step, and a whole runbook. Tests whose exact YAML text matters (line and column
// numbers, YAML parsing) write it out instead.

import { stringify } from 'yaml';

/** The `ocp` connection, its address and credentials from OCP_URL, OCP_USER and OCP_PASSWORD, as YAML text. */
export const OCP_ENV_CONNECTION = `connections:
  ocp:
    type: ocp
    url: \${{ env.OCP_URL }}
    auth: { type: basic, username: "\${{ env.OCP_USER }}", password: "\${{ env.OCP_PASSWORD }}" }`;

/** An `ocp` connection whose address and credentials come from OCP_URL, OCP_USER and OCP_PASSWORD. */
export function ocpConnection(): Record<string, unknown> {
  return {
    type: 'ocp',
    url: '${{ env.OCP_URL }}',
    auth: { type: 'basic', username: '${{ env.OCP_USER }}', password: '${{ env.OCP_PASSWORD }}' },
  };
}

/** A `bao` connection whose address and credentials come from BAO_URL, BAO_USER and BAO_PASSWORD. */
export function baoConnection(): Record<string, unknown> {
  return {
    type: 'bao',
    url: '${{ env.BAO_URL }}',
    auth: { type: 'login', username: '${{ env.BAO_USER }}', password: '${{ env.BAO_PASSWORD }}' },
  };
}

/** A param that is a list of host ids, with its default. */
export function hostsParam(defaultHosts: number[]): Record<string, unknown> {
  return { type: 'array', items: { type: 'integer' }, default: defaultHosts };
}

export interface OcpStepOptions {
  id?: string;
  action?: string;
  /** What the step runs for: a list of host ids or an expression such as `${{ params.hosts }}`. */
  hosts?: unknown;
  /** The inputs besides `hostId: ${{ item }}` (which they may replace); by default `agentProcessId: 185`. */
  with?: Record<string, unknown>;
  /** Any other key of the step (`concurrency`, `maxErrors`, `if`, ...). */
  [key: string]: unknown;
}

/**
 * A step on the `ocp` connection: by default `stop`, ocp.stopAgentProcess of agent process 185 on each
 * host of `hosts` (`${{ params.hosts }}` when not given).
 */
export function ocpStep(options: OcpStepOptions = {}): Record<string, unknown> {
  const {
    id = 'stop',
    action = 'ocp.stopAgentProcess',
    hosts = '${{ params.hosts }}',
    with: inputs = { agentProcessId: 185 },
    ...rest
  } = options;
  return { id, action, connection: 'ocp', forEach: hosts, with: { hostId: '${{ item }}', ...inputs }, ...rest };
}

export interface RunbookOptions {
  name?: string;
  plugins?: string[];
  params?: Record<string, unknown>;
  /** By default the `ocp` connection of ocpConnection(); `{}` for none. */
  connections?: Record<string, unknown>;
  steps: Record<string, unknown>[];
  /** Any other top-level key (`concurrency`, `description`, ...). */
  [key: string]: unknown;
}

/** The YAML text of a runbook (version 1). */
export function runbookYaml(options: RunbookOptions): string {
  const { name = 'test', plugins, params, connections = { ocp: ocpConnection() }, steps, ...rest } = options;
  const doc: Record<string, unknown> = { version: 1, name };
  if (plugins !== undefined) doc.plugins = plugins;
  if (params !== undefined) doc.params = params;
  if (Object.keys(connections).length > 0) doc.connections = connections;
  return stringify({ ...doc, ...rest, steps }, { lineWidth: 0 });
}
