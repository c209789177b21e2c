// Metrics where monitoring already looks: the `prom` format, as node_exporter's textfile collector
// reads it, checked by promtool and scraped by a real Prometheus — whose query must return the
// site's score and the time the site was measured, not the scrape time.

import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTool, runCli } from '../helpers/cli.js';
import { platformVerdict } from '../helpers/fixtures.js';
import { delay, freePort, hasTool, startProcess, tempDir, waitForTcp, type Peer, type TempDir } from '../helpers/peers.js';

const TOOLS = ['promtool', 'prometheus', 'prometheus-node-exporter'];
const present = TOOLS.every(hasTool);
const run = requireTool(present, TOOLS.join(', '));
const fixture = join(ROOT, 'test', 'fixtures', 'report-every-status.json');

let tmp: TempDir;
const peers: Peer[] = [];

beforeAll(async () => {
  tmp = await tempDir('sr-prom-');
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await tmp?.remove();
});

async function query(port: number, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as {
    status: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  expect(body.status).toBe('success');
  return body.data.result;
}

describe.runIf(run)('prom format: node_exporter textfile collector and Prometheus', () => {
  it('promtool accepts the exposition', async () => {
    const out = await runCli(['report', fixture, '--format', 'prom']);
    expect(out.code, out.stderr).toBe(0);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: out.stdout, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('a real Prometheus scrapes it through the textfile collector; a query returns the score and when it was measured', async () => {
    const report = JSON.parse(await readFile(fixture, 'utf8')) as { score: number; startedAt: string; site: { name: string } };
    const textfiles = join(tmp.path, 'textfile');
    await mkdir(textfiles);
    // Written where the collector reads, as a cron job or systemd timer would: one file per site.
    const out = await runCli(['report', fixture, '--format', `prom=${join(textfiles, 'siteready-demo-hq.prom')}`]);
    expect(out.code, out.stderr).toBe(0);
    // A second site, assessed against a platform catalog: the collector merges both files.
    const branch = { ...JSON.parse(await readFile(fixture, 'utf8')), site: { ...report.site, name: 'Branch 7' } } as Record<
      string,
      unknown
    >;
    branch.platforms = [platformVerdict()];
    const branchJson = join(tmp.path, 'branch-7.json');
    await writeFile(branchJson, JSON.stringify(branch));
    const second = await runCli(['report', branchJson, '--format', `prom=${join(textfiles, 'siteready-branch-7.prom')}`]);
    expect(second.code, second.stderr).toBe(0);

    const exporterPort = await freePort();
    peers.push(
      await startProcess(
        'prometheus-node-exporter',
        [
          `--web.listen-address=127.0.0.1:${exporterPort}`,
          '--collector.disable-defaults',
          '--collector.textfile',
          `--collector.textfile.directory=${textfiles}`,
        ],
        {
          name: 'node_exporter',
          ready: () =>
            waitForTcp('127.0.0.1', exporterPort, 200).then(
              () => true,
              () => false,
            ),
          timeoutMs: 15_000,
        },
      ),
    );
    const exposed = await (await fetch(`http://127.0.0.1:${exporterPort}/metrics`)).text();
    // The collector reports a file it could not parse in node_textfile_scrape_error.
    expect(exposed).toContain('node_textfile_scrape_error 0');
    expect(exposed).toContain(`siteready_score{site="${report.site.name}"} ${report.score}`);

    const promPort = await freePort();
    const config = join(tmp.path, 'prometheus.yml');
    await writeFile(
      config,
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: branch-hosts\n    static_configs:\n      - targets: ['127.0.0.1:${exporterPort}']\n`,
    );
    peers.push(
      await startProcess(
        'prometheus',
        [`--config.file=${config}`, `--storage.tsdb.path=${join(tmp.path, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
        { name: 'prometheus', ready: /Server is ready to receive web requests/, timeoutMs: 30_000 },
      ),
    );
    let score: Awaited<ReturnType<typeof query>> = [];
    for (let i = 0; i < 60 && score.length === 0; i++) {
      score = await query(promPort, `siteready_score{site="${report.site.name}"}`);
      if (!score.length) await delay(500);
    }
    expect(score).toHaveLength(1);
    expect(Number(score[0]!.value[1])).toBe(report.score);
    expect(score[0]!.metric.job).toBe('branch-hosts');
    const measured = await query(promPort, `siteready_run_timestamp_seconds{site="${report.site.name}"}`);
    expect(Number(measured[0]!.value[1])).toBe(Date.parse(report.startedAt) / 1000);
    // "Sites whose last measurement is older than a day" is a query on the run's time, not on the scrape's.
    const stale = await query(promPort, `time() - siteready_run_timestamp_seconds > 86400`);
    expect(stale.length).toBe(Date.now() - Date.parse(report.startedAt) > 86_400_000 ? 1 : 0);

    // Every query of the Grafana dashboard in deploy/ is valid PromQL and finds the series it charts.
    const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy', 'grafana', 'siteready-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        const result = await query(promPort, t.expr.replaceAll('$site', '.*'));
        expect(result.length, `${panel.title}: ${t.expr}`).toBeGreaterThan(0);
      }
    }
  }, 90_000);
});
