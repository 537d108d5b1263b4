// `npm run build`, last step: bundles the compiled command line (dist/cli/main.js) into dist/bin/, which
// bin/runbook.js runs. Node loads each ES module and CommonJS file of a program on its own (resolve, read,
// compile), and `runbook validate` alone would load some 80 of ours and 70 of the yaml package; a few
// files instead make every command start sooner. Each command's module is a chunk loaded when it is run,
// so `validate` still loads nothing of the transport, the simulator or the reports.
//
// undici, pino and ajv stay outside the bundle: pino starts workers from its own files, and the
// validators generated at build time (dist/validators/) require ajv's runtime. So does dist/errors.js: a
// plugin imports RunbookError from the package (`import { RunbookError } from 'runbook'`), and
// `e instanceof RunbookError` must hold for the errors the engine throws, so there must be one class. dist/ keeps the compiled
// modules too: the library API (`import ... from 'runbook'`) and `runbook/sim` are those.
// dist/bin/ sits two levels down like every dist/<layer>/ folder, so paths the code builds from
// `import.meta.url` (../../schemas/, ../validators/) lead to the same places from a chunk.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const errorsModule = `${root}dist/errors.js`;

/** Leaves dist/errors.js out of the bundle: the chunks import it from dist/bin/ as `../errors.js`. */
const sharedWithPlugins = {
  name: 'shared-with-plugins',
  /** @param {import('esbuild').PluginBuild} build */
  setup(build) {
    build.onResolve({ filter: /errors\.js$/ }, (args) =>
      join(args.resolveDir, args.path) === errorsModule ? { path: '../errors.js', external: true } : undefined,
    );
  },
};
const outdir = `${root}dist/bin`;

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}dist/cli/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['undici', 'pino', 'ajv', 'ajv/*'],
  chunkNames: 'chunk-[hash]',
  plugins: [sharedWithPlugins],
  // The yaml package is CommonJS: its require() calls of Node's modules need a require in an ES module.
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
  },
  logLevel: 'warning',
});
