// `runbook plan FILE`: every operation with the exact request it would send. Offline it sends nothing;
// `--online` makes read-only lookups (GET only) to resolve aliases and predict each outcome.

import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { executeRunbook } from '../engine/executor.js';
import { openRunbookConnections } from '../engine/connections.js';
import { summarisePlan, PLAN_VERSION, type PlanDocument } from '../plan/plan-file.js';
import type { ResolvedStep } from '../plan/types.js';
import { toJson, writeFileAtomic } from '../report/write.js';
import { RunbookError, ValidationError } from '../errors.js';
import { missingEnvironment } from '../runbook/env-references.js';
import type { ConnectionSpec } from '../runbook/model.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatPlanStep, plural } from './format.js';
import type { CliIo } from './io.js';
import { createLogger } from './logger.js';
import { loadForCommand, resolvePath, type LoadedRunbook } from './session.js';
import { isSimulated, startRunSimulator, type RunSimulator } from './with-sim.js';

export interface PlanCommandOptions {
  file: string;
  params: string[];
  plugins: string[];
  json: boolean;
  online: boolean;
  out?: string;
  logLevel?: string;
  logFile?: string;
  sim: boolean;
  simConfig?: string;
}

export async function planCommand(options: PlanCommandOptions, io: CliIo): Promise<ExitCode> {
  const loaded = await loadForCommand({ file: options.file, params: options.params, plugins: options.plugins, io });
  const { redactor, runbook } = loaded;
  // Everything the preview reads from the environment is checked at once, before anything is sent.
  const missing = missingEnvironment(runbook, io.env, {
    credentials: options.online,
    ...(options.sim ? { replaced: (_name: string, spec: ConnectionSpec) => isSimulated(spec) } : {}),
  });
  if (missing.length > 0) throw new ValidationError(missing);
  const log = createLogger({ level: options.logLevel, file: options.logFile, redactor });
  const simulator = options.sim ? await startRunSimulator(options.simConfig && resolvePath(io, options.simConfig)) : undefined;
  let steps: ResolvedStep[];
  try {
    steps = await expandAll(loaded, log, io, options.online, simulator);
  } finally {
    await simulator?.sim.close();
  }
  const plan: PlanDocument = {
    planVersion: PLAN_VERSION,
    runbook: { name: runbook.name, file: runbook.file, path: resolve(io.cwd, runbook.file), sha256: runbook.sha256 },
    createdAt: new Date().toISOString(),
    online: options.online,
    params: loaded.params,
    steps,
    summary: summarisePlan(steps),
  };
  const safe = redactor.redactValue(plan);
  if (options.out) {
    try {
      await writeFileAtomic(resolvePath(io, options.out), redactor.redact(toJson(safe)));
    } catch (e) {
      throw new RunbookError('USAGE', `cannot write the plan to ${options.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  io.stdout.write(redactor.redact(options.json ? toJson(safe) : formatPlanText(safe, options.out)));
  return EXIT.OK;
}

function formatPlanText(plan: PlanDocument, out: string | undefined): string {
  const text = [`Plan for ${plan.runbook.name} (${plan.runbook.file}, sha256 ${plan.runbook.sha256.slice(0, 12)})${plan.online ? ', online' : ''}\n\n`];
  plan.steps.forEach((step, i) => text.push(formatPlanStep(step, `Step ${i + 1}/${plan.steps.length}`), '\n'));
  text.push(`${formatPlanSummary(plan)}\n`);
  if (out) text.push(`Saved to ${out}; run it as reviewed with: runbook apply ${out}\n`);
  return text.join('');
}

/** "12 operations: 9 would change, 2 unchanged, 1 would fail." and what was sent. */
export function formatPlanSummary(plan: PlanDocument): string {
  const p = plan.summary.predictions;
  const parts: string[] = [];
  if (plan.online) parts.push(`${p['would change']} would change`, `${p.unchanged} unchanged`, `${p['would fail']} would fail`);
  else if (p['would fail'] > 0) parts.push(`${p['would fail']} would fail`);
  if (p['unknown until run'] > 0) parts.push(`${p['unknown until run']} unknown until run`);
  const counts = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  const sent = plan.online ? 'Only read-only (GET) requests were sent.' : 'Nothing was sent.';
  return `${plural(plan.summary.operations, 'operation')} in ${plural(plan.summary.steps, 'step')}${counts}. ${sent}`;
}

/** Expands every step as a dry run does; online, read-only steps run and probes predict outcomes. */
async function expandAll(loaded: LoadedRunbook, log: Logger, io: CliIo, online: boolean, simulator?: RunSimulator): Promise<ResolvedStep[]> {
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
    await executeRunbook({
      runbook: loaded.runbook,
      registry: loaded.registry,
      params: loaded.params,
      env: io.env,
      mode: 'dry-run',
      online,
      connections: connections.map,
      log,
      redactor: loaded.redactor,
      onStepPlanned: (_step, resolved) => steps.push(resolved),
    });
  } finally {
    await connections.closeAll();
  }
  return steps;
}
