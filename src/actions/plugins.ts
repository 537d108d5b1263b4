// Loads plugin modules into a registry. A plugin default-exports an action, a connection type, or a
// list of them; it goes through exactly the door the built-ins use. A plugin that cannot be loaded is a
// validation error naming the file, never a crash.

import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isRunbookError, type Diagnostic } from '../errors.js';
import type { Registry } from './registry.js';

/** How long a plugin module may take to load (its top-level code and awaits included). */
export const PLUGIN_LOAD_TIMEOUT_MS = 10_000;

export interface PluginSpec {
  /** As written: a path (relative to `baseDir`) or a package name. */
  specifier: string;
  /** Where it was written, for the diagnostic. */
  file?: string;
  line?: number;
  column?: number;
  path?: string;
}

/** Loads each plugin into the registry; returns a diagnostic per plugin that failed. */
export async function loadPlugins(specs: readonly PluginSpec[], baseDir: string, registry: Registry): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const spec of specs) {
    const where: Partial<Diagnostic> = {
      ...(spec.file !== undefined ? { file: spec.file } : {}),
      ...(spec.line !== undefined ? { line: spec.line, column: spec.column ?? 1 } : {}),
      ...(spec.path !== undefined ? { path: spec.path } : {}),
    };
    let exported: unknown;
    let timer: NodeJS.Timeout | undefined;
    try {
      const url = resolvePlugin(spec.specifier, baseDir);
      // A top-level await that never settles must not hang the command (nor let it exit 13 half-way).
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`it did not finish loading within ${PLUGIN_LOAD_TIMEOUT_MS / 1000}s (a top-level await that never settles?)`)),
          PLUGIN_LOAD_TIMEOUT_MS,
        );
      });
      const module = (await Promise.race([import(url), timedOut])) as { default?: unknown };
      exported = module.default;
    } catch (e) {
      diagnostics.push({
        ...where,
        code: 'PLUGIN_LOAD',
        message: `cannot load plugin '${spec.specifier}': ${firstLine(e)}`,
      });
      continue;
    } finally {
      clearTimeout(timer);
    }
    if (exported === undefined) {
      diagnostics.push({
        ...where,
        code: 'PLUGIN_LOAD',
        message: `plugin '${spec.specifier}' has no default export; export default an action (or a list of actions)`,
      });
      continue;
    }
    for (const item of Array.isArray(exported) ? exported : [exported]) {
      try {
        if (isConnectionLike(item)) registry.registerConnection(item, spec.specifier);
        else registry.registerAction(item, spec.specifier);
      } catch (e) {
        diagnostics.push({
          ...where,
          code: isRunbookError(e) ? e.code : 'PLUGIN_LOAD',
          message: isRunbookError(e) ? e.message : `plugin '${spec.specifier}': ${firstLine(e)}`,
        });
      }
    }
  }
  return diagnostics;
}

/** A path (starting with `.` or `/`) is relative to the runbook's folder; anything else is a package. */
export function resolvePlugin(specifier: string, baseDir: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    return pathToFileURL(isAbsolute(specifier) ? specifier : resolve(baseDir, specifier)).href;
  }
  const require = createRequire(join(baseDir, 'noop.js'));
  try {
    return pathToFileURL(require.resolve(specifier)).href;
  } catch {
    // An ESM-only package without a require/default export: let the loader resolve it from here.
    return specifier;
  }
}

function isConnectionLike(item: unknown): boolean {
  return item !== null && typeof item === 'object' && 'open' in item && 'type' in item && !('run' in item);
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}
