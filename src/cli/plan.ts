// `runbook plan FILE`: every operation with the exact request it would send. Offline it sends nothing;
// `--online` makes read-only lookups (GET requests, and a BAO login and logout) to resolve aliases and
// predict each outcome; its summary line says exactly what was sent. `--revert-from REPORT` previews the
// revert of that run (the inverse steps `runbook revert` would run) in the same way.

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { previewRunbook } from '../engine/preview.js';
import { withPreviewRequests } from '../engine/revert-plan.js';
import { openRunbookConnections } from '../engine/connections.js';
import type { Registry } from '../actions/registry.js';
import type { SentRequests } from '../connections/transport.js';
import { summarisePlan, PLAN_VERSION, type PlanConnection, type PlanDocument } from '../plan/plan-file.js';
import type { ResolvedStep } from '../plan/types.js';
import type { SecretInput } from '../plan/expand.js';
import { toJson, writeFileAtomic } from '../report/write.js';
import { RunbookError, ValidationError } from '../errors.js';
import { missingEnvironment } from '../runbook/env-references.js';
import type { ConnectionSpec } from '../runbook/model.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatPlanStep, plural } from './format.js';
import { escapeControlChars as shown, escapeJsonForTerminal } from '../secrets/untrusted-text.js';
import type { CliIo } from './io.js';
import { createLogger } from './logger.js';
import { plannedConnections } from './plan-target.js';
import { loadForCommand, resolvePath, type LoadedRunbook } from './load-for-command.js';
import { describeIrreversible, prepareRevert } from './revert.js';
import { isSimulated, startRunSimulator, type RunSimulator } from './with-sim.js';

export interface PlanCommandOptions {
  file: string;
  params: string[];
  paramsFiles: string[];
  plugins: string[];
  json: boolean;
  online: boolean;
  out?: string;
  /** Exit 0 with no changes, 5 with changes, 6 when something would fail (see `detailedExitCode`). */
  detailedExitcode: boolean;
  logLevel?: string;
  logFile?: string;
  sim: boolean;
  simConfig?: string;
  /** Preview the revert of the run this report or journal records, instead of a run. */
  revertFrom?: string;
  /** With revertFrom: leave alone what actions without an inverse changed, instead of refusing. */
  skipIrreversible: boolean;
  /** With revertFrom: although the runbook file changed since the run. */
  acceptChangedRunbook: boolean;
}

export async function planCommand(options: PlanCommandOptions, io: CliIo): Promise<ExitCode> {
  if (options.out) await refuseToOverwriteRunbook(resolvePath(io, options.out), resolvePath(io, options.file), options.out);
  const revert = options.revertFrom === undefined ? undefined : await prepareRevert({ ...options, from: options.revertFrom }, io);
  // A revert's preview is of the inverse steps, already planned; the runbook is read once either way.
  const loaded = revert
    ? { ...revert.loaded, runbook: revert.plan.runbook }
    : await loadForCommand({
        file: options.file,
        params: options.params,
        paramsFiles: options.paramsFiles,
        plugins: options.plugins,
        io,
      });
  const { redactor, runbook } = loaded;
  // Everything the preview reads from the environment is checked at once, before anything is sent.
  const missing = missingEnvironment(runbook, io.env, {
    credentials: options.online,
    ...(options.sim ? { replaced: (_name: string, spec: ConnectionSpec) => isSimulated(spec) } : {}),
  });
  if (missing.length > 0) throw new ValidationError(missing);
  const log = createLogger({ level: options.logLevel, file: options.logFile, redactor });
  const simulator = options.sim ? await startRunSimulator(options.simConfig && resolvePath(io, options.simConfig)) : undefined;
  let expanded: Expansion;
  const secretInputs: SecretInput[] = [];
  try {
    expanded = await expandAll(loaded, log, io, options.online, simulator, (found) => secretInputs.push(found), revert?.plan.steps);
  } finally {
    await simulator?.sim.close();
  }
  const plan: PlanDocument = {
    planVersion: PLAN_VERSION,
    runbook: { name: runbook.name, file: runbook.file, path: resolve(io.cwd, runbook.file), sha256: runbook.sha256 },
    createdAt: new Date().toISOString(),
    online: options.online,
    params: loaded.params,
    connections: expanded.connections,
    steps: expanded.steps,
    summary: summarisePlan(expanded.steps),
    ...(revert ? { revertOf: revert.previous.runId } : {}),
    ...(revert && revert.plan.irreversible.length > 0 ? { irreversible: revert.plan.irreversible } : {}),
  };
  const safe = redactor.redactValue(plan);
  if (options.out && secretInputs.length > 0) throw planHoldsSecret(secretInputs, options.out);
  if (options.out) {
    try {
      await writeFileAtomic(resolvePath(io, options.out), redactor.redactJson(toJson(safe)));
    } catch (e) {
      throw new RunbookError(
        'USAGE',
        `cannot write the plan to ${options.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  io.stdout.write(
    options.json
      ? escapeJsonForTerminal(redactor.redactJson(toJson(safe)))
      : redactor.redact(formatPlanText(safe, options.out, expanded.sent, options.revertFrom)),
  );
  return options.detailedExitcode ? detailedExitCode(safe, loaded.registry) : EXIT.OK;
}

/** `plan --out` must never replace the runbook it reads: not by its path, a symlink or a hard link to it. */
async function refuseToOverwriteRunbook(out: string, runbook: string, given: string): Promise<void> {
  const [target, source] = await Promise.all([stat(out).catch(() => undefined), stat(runbook).catch(() => undefined)]);
  if (target && source && target.dev === source.dev && target.ino === source.ino) {
    throw new RunbookError(
      'USAGE',
      `--out ${given} is the runbook itself; the plan would overwrite it: save the plan to another file, e.g. --out plan.json`,
    );
  }
}

/**
 * The exit code of `plan --detailed-exitcode`. 6 (would fail): an operation that cannot be attempted, one
 * that an online probe predicts would fail, or a step that could not be expanded. Otherwise 5 (changes):
 * an operation of a mutating action, unless the online preview predicts it `unchanged`; and a mutating
 * step whose operations are unknown until run. Otherwise 0: read-only actions never count as changes.
 */
export function detailedExitCode(plan: PlanDocument, registry: Registry): ExitCode {
  let changes = false;
  for (const step of plan.steps) {
    // onFailure runs only if the run fails: what would fail or change is told by the other steps.
    if (step.part === 'onFailure') continue;
    if (step.disposition === 'failed') return EXIT.PLAN_WOULD_FAIL;
    const mutates = registry.action(step.action)?.definition.mutates ?? true;
    if (mutates && step.disposition === 'unresolved') changes = true;
    for (const op of step.operations) {
      if (op.error || op.prediction?.outcome === 'would fail') return EXIT.PLAN_WOULD_FAIL;
      if (mutates && !(plan.online && op.prediction?.outcome === 'unchanged')) changes = true;
    }
  }
  return changes ? EXIT.PLAN_CHANGES : EXIT.OK;
}

function formatPlanText(plan: PlanDocument, out: string | undefined, sent: SentRequests[], revertFrom: string | undefined): string {
  const text = [
    `Plan for ${plan.runbook.name} (${plan.runbook.file}, sha256 ${plan.runbook.sha256.slice(0, 12)})${plan.online ? ', online' : ''}\n`,
  ];
  if (plan.revertOf !== undefined) {
    text.push(
      `Revert of run ${shown(plan.revertOf)} (${shown(revertFrom ?? '')}): the inverse of what it changed, steps in reverse order\n`,
    );
    if (plan.irreversible && plan.irreversible.length > 0)
      text.push(`Left as they are (no inverse, --skip-irreversible): ${shown(describeIrreversible(plan.irreversible))}\n`);
    if (plan.steps.length === 0) text.push('Nothing to undo: the run changed nothing that has an inverse.\n');
  }
  text.push('\n');
  const main = plan.steps.filter((s) => s.part === undefined);
  for (const [i, step] of main.entries()) text.push(formatPlanStep(step, `Step ${i + 1}/${main.length}`), '\n');
  for (const part of ['onFailure', 'finally'] as const) {
    const steps = plan.steps.filter((s) => s.part === part);
    if (steps.length === 0) continue;
    text.push(`${part}: ${part === 'onFailure' ? 'runs only if the run fails' : 'always runs'}\n\n`);
    for (const [i, step] of steps.entries()) text.push(formatPlanStep(step, `${part} ${i + 1}/${steps.length}`), '\n');
  }
  text.push(`${formatPlanSummary(plan, sent)}\n`);
  if (out) text.push(`Saved to ${out}; run it as reviewed with: runbook apply ${out}\n`);
  return text.join('');
}

/** "12 operations: 9 would change, 2 unchanged, 1 would fail." and what was sent. */
export function formatPlanSummary(plan: PlanDocument, sent: SentRequests[]): string {
  const p = plan.summary.predictions;
  const parts: string[] = [];
  if (plan.online) parts.push(`${p['would change']} would change`, `${p.unchanged} unchanged`, `${p['would fail']} would fail`);
  else if (p['would fail'] > 0) parts.push(`${p['would fail']} would fail`);
  if (p['unknown until run'] > 0) parts.push(`${p['unknown until run']} unknown until run`);
  const counts = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  return `${plural(plan.summary.operations, 'operation')} in ${plural(plan.summary.steps, 'step')}${counts}. ${describeSent(sent)}`;
}

/** Every request the preview sent, e.g. "Sent 12 GET requests and the BAO login and logout (POST)." */
export function describeSent(sent: SentRequests[]): string {
  const byMethod = new Map<string, number>();
  let logins = 0;
  let logouts = 0;
  const other = new Map<string, number>();
  for (const connection of sent) {
    for (const [method, n] of Object.entries(connection.byMethod)) byMethod.set(method, (byMethod.get(method) ?? 0) + n);
    for (const [request, n] of Object.entries(connection.bySession)) {
      if (/^POST \S*\/login$/.test(request)) logins += n;
      else if (/^POST \S*\/logout$/.test(request)) logouts += n;
      else other.set(request, (other.get(request) ?? 0) + n);
    }
  }
  const parts = [...byMethod].map(([method, n]) => plural(n, `${method} request`));
  if (logins === 1 && logouts === 1) parts.push('the BAO login and logout (POST)');
  else if (logins + logouts > 0)
    parts.push(
      `${[logins > 0 ? plural(logins, 'BAO login') : '', logouts > 0 ? plural(logouts, 'BAO logout') : ''].filter(Boolean).join(' and ')} (POST)`,
    );
  for (const [request, n] of other) parts.push(`${n} × ${request}`);
  if (parts.length === 0) return 'Nothing was sent.';
  return `Sent ${parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`}.`;
}

interface Expansion {
  steps: ResolvedStep[];
  connections: Record<string, PlanConnection>;
  /** What each connection sent while the plan was made (online only: offline sends nothing). */
  sent: SentRequests[];
}

/**
 * A saved plan never holds a secret, and apply sends exactly what the plan says: a plan whose `with:`
 * sends an environment value as a secret is not saved. Names the first such step, input and variable.
 */
function planHoldsSecret(found: SecretInput[], out: string): RunbookError {
  const first = found[0]!;
  const more = found.length > 1 ? ` (and ${found.length - 1} more)` : '';
  return new RunbookError(
    'PLAN_SECRET',
    `the plan was not saved to ${out}: step '${first.step}' sends env.${first.env} as with.${first.input}${more}, a secret that a saved plan never holds; ` +
      `move the credential to the connection (auth: or headers:, read again from the environment by apply), or use 'runbook run'`,
    { details: { step: first.step, input: first.input, env: first.env } },
  );
}

/**
 * Expands every step as a dry run does (or takes the `planned` expansions: a revert's inverse steps);
 * online, read-only steps run and probes predict outcomes.
 */
async function expandAll(
  loaded: LoadedRunbook,
  log: Logger,
  io: CliIo,
  online: boolean,
  simulator: RunSimulator | undefined,
  onSecretInput: (found: SecretInput) => void,
  planned?: ReadonlyMap<string, ResolvedStep>,
): Promise<Expansion> {
  const connections = openRunbookConnections({
    runbook: loaded.runbook,
    registry: loaded.registry,
    scope: { params: loaded.params, env: io.env },
    redactor: loaded.redactor,
    log,
    maxConnections: loaded.runbook.concurrency,
    allowMissingCredentials: !online,
    ...(simulator ? { override: simulator.override } : {}),
  });
  const steps: ResolvedStep[] = [];
  try {
    await previewRunbook(
      {
        runbook: loaded.runbook,
        registry: loaded.registry,
        params: loaded.params,
        env: io.env,
        online,
        connections: connections.map,
        log,
        redactor: loaded.redactor,
        onSecretInput,
        ...(planned ? { planned: withPreviewRequests(planned, loaded.registry, connections.map) } : {}),
      },
      { emit: () => undefined, stepPlanned: (resolved) => steps.push(resolved) },
    );
  } finally {
    // Closing logs out of BAO: what was sent is read afterwards.
    await connections.closeAll();
  }
  const opened = connections.list();
  return {
    steps,
    connections: plannedConnections(connections, loaded.runbook, simulator, loaded.redactor),
    sent: opened.map((c) => c.sent),
  };
}
