// --otlp against real receivers on loopback. VictoriaMetrics stores what it is sent and is queried
// back: every sample of the prom format, under the same names and labels, at the time the site was
// measured — for a saved report and for a real run. OpenTelemetry's own generated classes decode
// both encodings to the same request, and see the bearer token a ${VAR} reference gave. A receiver
// that is down or refuses costs a warning, never the report or the exit code, and no secret is
// printed.
//
// (Prometheus's OTLP receiver is not among them: Debian builds Prometheus without it.)

import { createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTool, runCli } from '../helpers/cli.js';
import { assess, freePort, tempDir, writeSite, type TempDir } from '../helpers/peers.js';
import {
  otlpPeersMissing,
  startReferenceReceiver,
  startVictoriaMetrics,
  type ReferenceReceiver,
  type VictoriaMetrics,
} from '../helpers/otlp-peers.js';

const missing = otlpPeersMissing();
const run = requireTool(missing.length === 0, `OTLP receivers: ${missing.join('; ')}`);
const fixture = join(ROOT, 'test', 'fixtures', 'report-every-status.json');
const TOKEN = 'otlp-tok-3c1d9e8f7a6b5d4c';
const PASSWORD = 'vm:p@ss/w0rd-7';
/** Resource attributes, as labels under Prometheus naming. */
const RESOURCE = ['service_name', 'service_version', 'service_instance_id'];

let tmp: TempDir;
let vm: VictoriaMetrics | undefined;
let reference: ReferenceReceiver | undefined;
let endpointHost: Server | undefined;
let openPort = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  tmp = await tempDir('sr-otlp-');
  if (!run) return;
  [vm, reference] = await Promise.all([startVictoriaMetrics(join(tmp.path, 'vm')), startReferenceReceiver()]);
  // What the real runs measure: a TCP endpoint that accepts.
  endpointHost = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  openPort = await new Promise<number>((resolve) =>
    endpointHost!.listen(0, '127.0.0.1', () => resolve((endpointHost!.address() as { port: number }).port)),
  );
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => (endpointHost ? endpointHost.close(r) : r(undefined)));
  await Promise.all([vm?.stop(), reference?.stop()]);
  await tmp?.remove();
});

/** `name{a="x",b=""} value` lines of the prom format, keyed without empty labels (a receiver drops those). */
function promSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map((l) => [l[1]!, l[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1')] as const)
      .filter(([, v]) => v !== '');
    out.set(key(m[1]!, Object.fromEntries(labels)), Number(m[3]));
  }
  return out;
}

function key(name: string, labels: Record<string, string>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
}

function secretsIn(text: string): string[] {
  const forms = [TOKEN, PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(`siteready:${PASSWORD}`).toString('base64')];
  return forms.filter((f) => text.includes(f));
}

async function twoEndpointSite(name: string, file: string): Promise<string> {
  const refused = await freePort();
  return writeSite(
    tmp.path,
    {
      site: { name },
      platform: {
        endpoints: [
          { name: 'chat', host: '127.0.0.1', port: openPort, protocol: 'tcp', checks: ['tcp'] },
          { name: 'files', host: '127.0.0.1', port: refused, protocol: 'tcp', checks: ['tcp'] },
        ],
      },
    },
    file,
  );
}

describe.runIf(run)('--otlp: real OTLP/HTTP receivers', () => {
  it('VictoriaMetrics stores every sample of the prom format, same names and labels, at the time the site was measured', async () => {
    const report = JSON.parse(await readFile(fixture, 'utf8')) as { score: number; startedAt: string; tool: { version: string } };
    const promFile = join(tmp.path, 'saved.prom');
    const out = await runCli(['report', fixture, '--format', `prom=${promFile}`, '--otlp', vm!.otlpBase]);
    expect(out.code, out.stderr).toBe(0);
    const prom = promSamples(await readFile(promFile, 'utf8'));
    expect(out.stderr).toBe(`siteready: metrics sent to ${vm!.otlpBase}/v1/metrics: ${prom.size} data points\n`);

    const stored = await vm!.series('{__name__=~"siteready_.*",site="Demo HQ"}', prom.size);
    const at = Date.parse(report.startedAt);
    const seen = new Map<string, number>();
    for (const s of stored) {
      const { __name__: name, ...labels } = s.metric;
      expect(Object.fromEntries(RESOURCE.map((r) => [r, labels[r]]))).toEqual({
        service_name: 'siteready',
        service_version: report.tool.version,
        service_instance_id: 'Demo HQ',
      });
      for (const r of RESOURCE) delete labels[r];
      // Stamped with when the run measured (hours or days before it was sent), once.
      expect(s.timestamps).toEqual([at]);
      seen.set(key(name!, labels), s.values[0]!);
    }
    expect(seen.size).toBe(prom.size);
    expect(new Map([...seen].sort())).toEqual(new Map([...prom].sort()));
    expect(seen.get(key('siteready_score', { site: 'Demo HQ' }))).toBe(report.score);
  });

  it('a real run: the report is written, then its score lands at the time the run measured', async () => {
    const site = await writeSite(
      tmp.path,
      {
        site: { name: 'Branch 7' },
        platform: { endpoints: [{ name: 'chat', host: '127.0.0.1', port: openPort, protocol: 'tcp', checks: ['tcp'] }] },
      },
      'branch-7.yaml',
    );
    const { cli, report } = await assess(site, tmp.path, ['--otlp', vm!.otlpBase], 'branch-7.json');
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toBe('');
    expect(report.score).toBe(100);
    const startedAt = Date.parse(report.startedAt as string);
    const [score] = await vm!.series('siteready_score{site="Branch 7"}');
    expect(score).toMatchObject({ values: [100], timestamps: [startedAt] });
    const [measured] = await vm!.series('siteready_run_timestamp_seconds{site="Branch 7"}');
    expect(measured).toMatchObject({ values: [startedAt / 1000], timestamps: [startedAt] });
    const [tcp] = await vm!.series('siteready_result_status{site="Branch 7",check="tcp",target="chat",status="pass"}');
    expect(tcp!.values).toEqual([1]);
  });

  it("OpenTelemetry's own classes decode both encodings to the same request; the bearer token from ${VAR} arrives", async () => {
    const report = JSON.parse(await readFile(fixture, 'utf8')) as { score: number; startedAt: string };
    const args = ['report', fixture, '--format', 'json', '--otlp', reference!.url, '--otlp-header', 'Authorization=Bearer ${OTLP_TOKEN}'];
    const protobuf = await runCli(args, { env: { OTLP_TOKEN: TOKEN } });
    const json = await runCli(args, {
      env: { OTLP_TOKEN: TOKEN, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' },
    });
    for (const r of [protobuf, json]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^siteready: metrics sent to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics: \d+ data points\n$/);
      expect(secretsIn(r.stdout + r.stderr)).toEqual([]);
    }
    const [p, j] = await reference!.requests();
    expect(p).toMatchObject({ path: '/v1/metrics', canonical: true });
    expect(p!.headers).toMatchObject({ 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}` });
    expect(j!.headers).toMatchObject({ 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${TOKEN}` });
    expect(p!.error ?? j!.error).toBeUndefined();
    expect(j!.message).toEqual(p!.message);

    const rm = p!.message!.resourceMetrics[0]!;
    expect(rm.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'siteready' } },
      { key: 'service.version', value: { stringValue: '0.1.0' } },
      { key: 'service.instance.id', value: { stringValue: 'Demo HQ' } },
    ]);
    const metrics = rm.scopeMetrics[0].metrics as Array<{
      name: string;
      unit?: string;
      gauge: { dataPoints: Array<Record<string, unknown>> };
    }>;
    expect(metrics.find((m) => m.name === 'siteready_run_duration_seconds')!.unit).toBe('s');
    expect(metrics.find((m) => m.name === 'siteready_score')!.gauge.dataPoints).toEqual([
      {
        attributes: [{ key: 'site', value: { stringValue: 'Demo HQ' } }],
        timeUnixNano: `${Date.parse(report.startedAt)}000000`,
        asDouble: report.score,
      },
    ]);
  });

  it("a receiver that is down: the report is written first, the exit code stays the gate's, no secret is printed", async () => {
    const site = await twoEndpointSite('Branch 9', 'branch-9.yaml');
    const down = await freePort();
    const env = { OTLP_TOKEN: TOKEN, OTLP_PASSWORD: PASSWORD };
    const gate = ['--fail-under', '100', '--format', 'terminal,json=REPORT', '--verbose'];
    const withGate = (file: string) => gate.map((a) => a.replace('REPORT', join(tmp.path, file)));
    const without = await runCli(['assess', site, ...withGate('without.json')], { env });
    const otlp = ['--otlp', `http://siteready:\${OTLP_PASSWORD}@127.0.0.1:${down}`, '--otlp-header', 'Authorization=Bearer ${OTLP_TOKEN}'];
    const withOtlp = await runCli(['assess', site, ...withGate('with.json'), ...otlp], { env });
    expect(without.code, without.stderr).toBe(1);
    expect(withOtlp.code, withOtlp.stderr).toBe(1);
    const written = await readFile(join(tmp.path, 'with.json'), 'utf8');
    expect((JSON.parse(written) as { site: { name: string } }).site.name).toBe('Branch 9');
    expect(withOtlp.stderr).toContain(
      `siteready: warning: the metrics could not be sent to http://siteready:***@127.0.0.1:${down}/v1/metrics: connect ECONNREFUSED 127.0.0.1:${down}`,
    );
    expect(withOtlp.stderr).toContain(
      `send its metrics again with: siteready report ${join(tmp.path, 'with.json')} --otlp 'http://siteready:\${OTLP_PASSWORD}@127.0.0.1:${down}' --otlp-header 'Authorization=Bearer \${OTLP_TOKEN}'`,
    );
    expect(withOtlp.stderr).not.toMatch(/\n\s+at /);
    expect(secretsIn(withOtlp.stdout + withOtlp.stderr + written)).toEqual([]);
  });

  it('a receiver that refuses the encoding: its own words in a warning, the exit code unchanged', async () => {
    // VictoriaMetrics takes OTLP in protobuf only.
    const out = await runCli(['report', fixture, '--format', 'json', '--otlp', vm!.otlpBase], {
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ site: { name: 'Demo HQ' } });
    expect(out.stderr).toMatch(/^siteready: warning: the metrics could not be sent to .*\/opentelemetry\/v1\/metrics: HTTP 400: .*json/);
  });
});
