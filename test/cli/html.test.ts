// `--html FILE`: the simulator demo with failures, run through the CLI, its page opened in a real headless
// browser (Debian's Chromium), which must draw the timeline and list the failures; the screenshot is kept
// in test-artifacts/. And the bad input: a folder that does not exist, a file that is not a report.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { RunReport } from '../../src/report/types.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const DEMO = join(ROOT, 'runbooks/examples/stop-obstat.yaml');
const DEMO_SIM = join(ROOT, 'test/fixtures/sim/html-demo.sim.yaml');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** Hosts 20 to 59 exist in the demo's simulator; 61 to 64 do not, so their stops fail and the budget is spent. */
const DEMO_HOSTS = `hosts=[${[...Array.from({ length: 40 }, (_, i) => 20 + i), 61, 62, 63, 64].join(',')}]`;

function chromiumPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

const CHROMIUM = chromiumPath();
if (!CHROMIUM && process.env.CI)
  throw new Error('chromium is not installed, and CI must run the HTML report in a browser: .ci/run installs it');
if (!CHROMIUM)
  console.warn('test/cli/html.test.ts: chromium is not installed; the browser test is skipped (apt-get install chromium to run it)');

/** Runs headless Chromium on a local page, with its own profile folder and a time limit. */
function chromium(ws: Workspace, args: string[], page: string): string {
  return execFileSync(
    CHROMIUM as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      `--user-data-dir=${ws.path('chromium-profile')}`,
      ...args,
      pathToFileURL(page).href,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

let ws: Workspace;
afterEach(() => ws?.remove());

describe('runbook run --html', () => {
  it.skipIf(!CHROMIUM)(
    'writes a page a browser draws: the timeline of the simulator demo and its failures',
    async () => {
      ws = createWorkspace();
      const report = ws.path('demo.json');
      const html = ws.path('demo.html');
      const r = await runCli(['run', DEMO, '--sim', '--sim-config', DEMO_SIM, '--param', DEMO_HOSTS, '--report', report, '--html', html], {
        timeoutMs: 60_000,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const written = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
      // 61 and 62 fail and spend the budget; 63 and 64 fail too when they started before that.
      const { changed, failed, skipped } = written.summary;
      expect(failed).toBeGreaterThanOrEqual(2);
      expect(changed).toBe(40);

      mkdirSync(ARTIFACTS, { recursive: true });
      const screenshot = join(ARTIFACTS, 'html-report.png');
      chromium(ws, [`--screenshot=${screenshot}`, '--window-size=1280,1600'], html);
      expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe('PNG');

      // The DOM after the page's script ran: what the script draws, not the static page.
      const dom = chromium(ws, ['--dump-dom', '--virtual-time-budget=5000'], html);
      const drawn = Number(/<svg id="timeline"[^>]*data-drawn="(\d+)"/.exec(dom)?.[1] ?? 0);
      expect(drawn).toBeGreaterThan(0);
      expect(dom.match(/<g class="bucket">/g)?.length ?? 0).toBeGreaterThan(10);
      expect(dom).toMatch(/<rect [^>]*data-status="failed"/);
      expect(dom).toMatch(/<rect [^>]*data-status="changed"/);
      const failureRows = dom.match(/<tr class="failure-row">.*?<\/tr>/gs) ?? [];
      expect(failureRows).toHaveLength(failed);
      expect(failureRows[0]).toContain('stop-obstat/host=61/alias=obstat2');
      expect(failureRows[0]).toContain('NOT_FOUND');
      expect(failureRows[0]).toContain('Host 61 does not exist');
      expect(dom).toMatch(
        /<tr class="step-row"><td>stop-obstat \(Stop obstat2 on each host\)<\/td><td>ocp\.stopAgentProcess<\/td><td class="s-failed">failed<\/td><td class="n">40<\/td><td class="n">0<\/td>/,
      );
      expect(dom).toContain(`<td class="n">${failed}</td><td class="n">${skipped}</td>`);
      expect(dom).toContain(`${failed} shown of ${failed} failed operations.`);

      // `runbook report` writes the same page again from the JSON report.
      const again = ws.path('again.html');
      const rebuilt = await runCli(['report', report, '--html', again]);
      expect(rebuilt.stderr).toBe('');
      expect(rebuilt.code).toBe(0);
      expect(readFileSync(again, 'utf8')).toContain('stop-obstat/host=62/alias=obstat2');
    },
    180_000,
  );
});

describe('bad input', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterAll(() => sim.close());

  it('refuses an --html path in a folder that does not exist before the first request (exit 2)', async () => {
    ws = createWorkspace();
    const missing = ws.path('no-such-folder/run.html');
    const r = await runCli(['run', DEMO, '--html', missing], {
      env: { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--html ${missing}: the folder ${ws.path('no-such-folder')} does not exist; create it first`);
    expect(r.stderr).toContain('[OUTPUT_PATH]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(sim.requests).toHaveLength(0);
    const report = await runCli(['report', DEMO, '--html', missing]);
    expect(report.code).toBe(2);
    expect(report.stderr).toContain(`--html ${missing}`);
  });

  it('refuses a file that is not a report or a journal, and a report with missing fields (exit 2)', async () => {
    ws = createWorkspace();
    const html = ws.path('out.html');
    const cases: [string, RegExp][] = [
      [ws.write('runbook.yaml', 'version: 1\nname: x\n'), /is neither a runbook report nor a journal \[USAGE\]/],
      [ws.write('other.json', '{"reportVersion":1,"steps":"many"}'), /is neither a runbook report nor a journal \[USAGE\]/],
      [
        ws.write(
          'partial.json',
          JSON.stringify({ reportVersion: 1, runId: 'r', runbook: { name: 'n', sha256: 'x' }, params: {}, steps: [] }),
        ),
        /partial\.json: it has no "startedAt", "finishedAt" or "durationMs"; is this a report runbook wrote\? \[SCHEMA\]/,
      ],
    ];
    for (const [file, message] of cases) {
      const r = await runCli(['report', file, '--html', html]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
      expect(existsSync(html)).toBe(false);
    }
  });
});
