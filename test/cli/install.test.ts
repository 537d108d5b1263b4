// The installation docs/cron.md describes: `npm pack` a clean copy of the checkout, install the tarball
// into a prefix with the documented command, and run the installed command from another folder, as the
// documented crontab line does.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const run = promisify(execFile);

let ws: Workspace | undefined;
afterEach(() => ws?.remove());

const CRON_SECTION = readFileSync(join(ROOT, 'docs', 'cron.md'), 'utf8');
/** Where docs/cron.md installs runbook on a cron host. */
const DOCUMENTED_PREFIX = '/opt/runbook';

/** The environment without what an enclosing `npm test` sets about its own project and prefix. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package|lifecycle)_|^npm_config_(prefix|global|global_prefix|local_prefix|ignore_scripts|dry_run)$/i.test(key))
      delete env[key];
  }
  return env;
}

async function npm(args: string[], cwd: string): Promise<void> {
  try {
    await run('npm', args, { cwd, env: npmEnv(), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed: ${(e as Error).message}\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

describe('installing the packed tarball', () => {
  it('is what docs/cron.md documents: an install of the tarball into a prefix, and a crontab line with absolute paths', () => {
    expect(CRON_SECTION).toMatch(/^npm ci .*&& npm pack$/m);
    expect(CRON_SECTION).toMatch(new RegExp(`^npm install --global --prefix ${DOCUMENTED_PREFIX} .*\\./runbook-[^ ]+\\.tgz$`, 'm'));
    const job = /^[\d*][\d*,/-]* [\d*][\d*,/-]* .*runbook run .*$/m.exec(CRON_SECTION)?.[0] ?? '';
    expect(job).toContain(`${DOCUMENTED_PREFIX}/bin/runbook run /`);
    expect(job).not.toContain('npx');
    expect(CRON_SECTION).not.toMatch(/^npx |&& npx /m);
    // Every file the job names is an absolute path.
    const paths = job.split(/\s+/).filter((word) => /[./]/.test(word) && !/^[\d*]/.test(word) && word !== '.' && word !== '&&');
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) expect(path, job).toMatch(/^\//);
  });

  it('packs bin, dist and schemas, installs into a prefix, and runs from outside the checkout', { timeout: 300_000 }, async () => {
    const documented = /^npm install (.*)$/m.exec(CRON_SECTION)?.[1]?.split(' ') ?? [];
    expect(documented).toContain(DOCUMENTED_PREFIX);
    ws = createWorkspace('runbook-install-');
    // A copy without dist/, so that the tarball's dist/ can only come from `prepare` running on pack.
    const checkout = ws.path('checkout');
    cpSync(ROOT, checkout, {
      recursive: true,
      filter: (src) => !/^(node_modules|dist|\.git|coverage|reports)$/.test(src.slice(ROOT.length).replace(/^\//, '')),
    });
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    expect(existsSync(join(checkout, 'dist'))).toBe(false);

    const packed = ws.path('packed');
    mkdirSync(packed);
    await npm(['pack', '--pack-destination', packed], checkout);
    const tarballs = readdirSync(packed).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);

    // The documented install command, into a scratch prefix. `npm ci` cached the dependencies' tarballs, but
    // not the registry metadata a tarball install resolves their version ranges with: --prefer-offline
    // takes what the cache has and asks the registry for the rest.
    const prefix = ws.path('prefix');
    const args = documented.map((arg) => (arg === DOCUMENTED_PREFIX ? prefix : arg.endsWith('.tgz') ? join(packed, tarballs[0]!) : arg));
    await npm(['install', ...args, '--prefer-offline'], ws.dir);
    const installed = join(prefix, 'lib', 'node_modules', 'runbook');
    expect(existsSync(join(installed, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'schemas', 'plan.schema.json'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);

    const elsewhere = ws.path('elsewhere');
    mkdirSync(elsewhere);
    const bin = join(prefix, 'bin', 'runbook');
    const example = join(ROOT, 'runbooks', 'examples', 'stop-obstat.yaml');
    const validated = await run(bin, ['validate', example], { cwd: elsewhere, env: npmEnv(), timeout: 60_000 });
    expect(validated.stdout).toBe(`${example}: ok (stop-obstat, 1 step)\n`);
    const version = await run(bin, ['--version'], { cwd: elsewhere, env: npmEnv(), timeout: 60_000 });
    const { version: expected } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`${expected}\n`);
  });
});
