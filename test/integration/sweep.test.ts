// sweep check against a real host in a network namespace: 100 ports, each one open (a listener in
// the namespace), refused (nothing listens: RST), filtered (iptables DROP) or unreachable (REJECT
// with ICMP host-unreachable), assigned in a shuffled order; names from a real dnsmasq on loopback
// that knows only .test (so an unknown name is NXDOMAIN and nothing leaves the machine). Plus the
// pure parts (port ranges, targets, limits) and in-process measuring for abort, big sweeps, and
// the second connect after the adaptive timeout (a lost SYN and a late answer are not filtered).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sweepCheck from '../../checks/sweep/index.js';
import type { ArtifactDefinition, MeasureContext, Site } from '../../src/plugin-api.js';
import { expandPorts, formatPorts, portItemProblem } from '../../src/util/port-ranges.js';
import { requireTool } from '../helpers/cli.js';
import { createNetns, netnsSupported, type Netns } from '../helpers/netns.js';
import {
  assess,
  delay,
  expectedScore,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  tempDir,
  writeSite,
  type AssessRun,
  type Dnsmasq,
  type ReportResult,
  type TempDir,
} from '../helpers/peers.js';
import { englishReport } from '../helpers/report-text.js';

const available =
  requireTool(netnsSupported(), 'root with ip netns and iptables') &&
  requireTool(hasTool('iptables-restore') && hasTool('sysctl'), 'iptables-restore and sysctl') &&
  requireTool(hasTool('dnsmasq'), 'dnsmasq');

type Kind = 'ok' | 'refused' | 'filtered' | 'unreachable';

// 7100-7199, shuffled with a fixed seed and cut into the four kinds: neighbours differ, so a
// classification cannot come out right by accident of ordering.
const FIRST = 7100;
const PORTS = Array.from({ length: 100 }, (_, i) => FIRST + i);
const KIND_SIZES: Array<[Kind, number]> = [
  ['ok', 30],
  ['refused', 30],
  ['filtered', 20],
  ['unreachable', 20],
];
const BY_KIND = (() => {
  let seed = 0x5eed;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const shuffled = [...PORTS];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const out = {} as Record<Kind, number[]>;
  let at = 0;
  for (const [kind, n] of KIND_SIZES) {
    out[kind] = shuffled.slice(at, at + n).sort((a, b) => a - b);
    at += n;
  }
  return out;
})();
const CONNECT_TIMEOUT_MS = 1500;

// Accepts on every port given and closes at once; prints once all listen.
const SERVER = `
const net = require('node:net');
const [host, list] = process.argv.slice(1);
const ports = list.split(',').map(Number);
let up = 0;
for (const port of ports) {
  net.createServer((s) => { s.on('error', () => {}); s.destroy(); })
    .listen({ port, host, backlog: 1024 }, () => { if (++up === ports.length) console.log('listening'); });
}
`;

const DEFAULTS = { concurrency: 256, connectTimeoutMs: 1000, adaptiveFloorMs: 100, allAddresses: false, maxTargets: 100_000 };
// Listening, but the first SYN of every other connect is lost (iptables statistic nth).
const LOSSY_PORT = 7300;
// Listening, but silent to every SYN from a client for 1 s after its first one (iptables recent):
// a service that answers late. Linux resends an unanswered SYN after 1 s (the initial RTO).
const LATE_PORT = 7301;

function fakeSite(sweeps: unknown[], endpoints: unknown[] = []): Site {
  return { network: { sweeps }, platform: { endpoints }, locate: () => ({ file: 'site.yaml', line: 1, column: 1 }) } as unknown as Site;
}

/** What the runner hands a check, minus the runner: for in-process runs. */
function fakeContext(site: Site, options: typeof DEFAULTS, signal = new AbortController().signal): MeasureContext<typeof DEFAULTS> {
  const artifacts = new Map<string, Promise<unknown>>();
  const log = { debug: () => undefined };
  return {
    site,
    options,
    signal,
    remainingMs: () => 60_000,
    artifact: <T>(key: string, compute: (s: AbortSignal) => Promise<T>) => {
      if (!artifacts.has(key)) artifacts.set(key, compute(signal));
      return artifacts.get(key) as Promise<T>;
    },
    use: <I, V>(artifact: ArtifactDefinition<I, V>, input: I) => {
      const key = `${artifact.id}\0${artifact.key(input)}`;
      if (!artifacts.has(key)) artifacts.set(key, artifact.compute({ site, signal, log }, input));
      return artifacts.get(key) as Promise<V>;
    },
    log,
  };
}

describe('sweep targets and ports (no network)', () => {
  it('expands ranges, drops duplicates, keeps the order given', () => {
    expect(expandPorts([443, '3478-3481', 443, '80', ' 8080 - 8081 '])).toEqual([443, 3478, 3479, 3480, 3481, 80, 8080, 8081]);
    expect(expandPorts(['1-1'])).toEqual([1]);
    expect(expandPorts(['65535-65535'])).toHaveLength(1);
    expect(expandPorts(['1-65535'])).toHaveLength(65535);
    for (const bad of ['http', '1-2-3', '', '3478,3479', null, {}])
      expect(() => expandPorts([bad]), String(bad)).toThrow(/not a port or a "low-high" port range/);
    for (const bad of ['0-3', '65530-65536', '0', '99999']) expect(() => expandPorts([bad]), bad).toThrow(/not within 1-65535/);
    for (const bad of [0, 65536, 1.5]) expect(() => expandPorts([bad]), String(bad)).toThrow(/not an integer in 1-65535/);
  });

  it("a range written backwards is refused, not swapped or dropped, and the site's validation can say why", () => {
    expect(() => expandPorts([443, '9-3'])).toThrow('port range "9-3" runs backwards: write it low-high ("3-9")');
    expect(portItemProblem('9-3')).toMatch(/runs backwards/);
    expect(portItemProblem(' 3 - 9 ')).toBeUndefined();
    expect(portItemProblem(443)).toBeUndefined();
  });

  it("the stun check reads an endpoint's ports with the same rules: a bad range fails its task before anything is sent", async () => {
    const { default: stunCheck } = await import('../../checks/stun/index.js');
    const loc = { file: 'site.yaml', line: 3, column: 5, path: '/platform/endpoints/0' };
    const site = fakeSite(
      [],
      [
        {
          name: 'relay',
          role: 'stun',
          protocol: 'stun',
          host: 'relay.sr.test',
          port: 3478,
          expect: 'reachable',
          via: 'direct',
          location: loc,
          extra: {},
          ports: [3478, '3481-3479'],
        },
      ],
    );
    const [t] = stunCheck.targets(site, {} as never);
    const ctx = { ...fakeContext(site, DEFAULTS), options: stunCheck.inputs!.defaults } as unknown as Parameters<
      typeof stunCheck.measure
    >[0];
    await expect(stunCheck.measure(ctx, t!)).rejects.toThrow('endpoint relay, ports: port range "3481-3479" runs backwards');
  });

  it('port lists as a person reads them', () => {
    expect(formatPorts([3480, 3478, 3479, 5000, 7000, 7001])).toBe('3478-3480, 5000, 7000-7001');
    expect(formatPorts([])).toBe('');
  });

  it('one task per sweep and per TCP endpoint with ports; UDP endpoints and plain ones are left out', () => {
    const loc = { file: 'site.yaml', line: 3, column: 5, path: '/platform/endpoints/0' };
    const ep = (name: string, protocol: string, extra: Record<string, unknown> = {}) => ({
      name,
      role: 'media',
      protocol,
      host: `${name}.sr.test`,
      port: 443,
      expect: 'reachable',
      via: 'direct',
      location: loc,
      extra: {},
      ...extra,
    });
    const site = fakeSite(
      [
        { name: 'a', hosts: ['h'], ports: [1] },
        { name: 'b', hosts: ['h'], ports: [2], expect: 'blocked', severity: 'low' },
      ],
      [
        ep('relay', 'turn', { ports: ['50000-50010'] }),
        ep('web', 'https', { ports: [8443] }),
        ep('plain', 'tcp'),
        ep('admin', 'tcp', { ports: [22], expect: 'blocked' }),
      ],
    );
    const targets = sweepCheck.targets(site, DEFAULTS);
    expect(targets.map((t) => t.id)).toEqual(['a', 'b', 'web/ports', 'admin/ports']);
    expect(targets[1]).toMatchObject({ severity: 'low', data: { expect: 'blocked', severity: 'low' } });
    expect(targets[2]).toMatchObject({ data: { hosts: ['web.sr.test'], ports: [8443], expect: 'reachable', severity: 'critical' } });
    expect(targets[3]).toMatchObject({ data: { expect: 'blocked', severity: 'high' } });
    expect(() =>
      sweepCheck.targets(
        fakeSite([
          { name: 'a', hosts: ['h'], ports: [1] },
          { name: 'a', hosts: ['i'], ports: [2] },
        ]),
        DEFAULTS,
      ),
    ).toThrow(/used twice/);
  });

  it('refuses a sweep over maxTargets before sending anything', async () => {
    const site = fakeSite([{ name: 'huge', hosts: ['127.0.0.1', '127.0.0.2'], ports: ['1-65535'] }]);
    const [t] = sweepCheck.targets(site, DEFAULTS);
    await expect(sweepCheck.measure(fakeContext(site, DEFAULTS), t!)).rejects.toThrow(/131070 targets, over maxTargets \(100000\)/);
  });

  it("a bad range in one sweep fails that sweep's task only, with the sweep's name", async () => {
    const site = fakeSite([
      { name: 'typo', hosts: ['127.0.0.1'], ports: [443, '9-3'] },
      { name: 'fine', hosts: ['127.0.0.1'], ports: [443] },
    ]);
    const targets = sweepCheck.targets(site, DEFAULTS);
    expect(targets.map((t) => t.id)).toEqual(['typo', 'fine']);
    await expect(sweepCheck.measure(fakeContext(site, DEFAULTS), targets[0]!)).rejects.toThrow('typo: port range "9-3" runs backwards');
  });
});

function byClassification(r: ReportResult): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const t of r.facts.targets as Array<{ port: number; classification: string }>) (out[t.classification] ??= []).push(t.port);
  for (const k of Object.keys(out)) out[k]!.sort((a, b) => a - b);
  return out;
}

describe.skipIf(!available)('sweep check against a namespaced host', () => {
  let ns: Netns | undefined;
  let dns: Dnsmasq | undefined;
  let tmp: TempDir | undefined;
  let run: AssessRun;

  beforeAll(async () => {
    tmp = await tempDir('sr-sweep-');
    ns = await createNetns();
    await ns.start([process.execPath, '-e', SERVER, ns.nsIp, BY_KIND.ok.join(',')], { name: 'sweep listeners', ready: /listening/ });
    // Linux rate-limits ICMP errors per peer (net.ipv4.icmp_ratelimit: one per second after a
    // small burst), so most of 20 REJECTs at once would go unanswered and look filtered, to us and
    // to nmap alike. The test is about classification, so the namespace answers every one.
    await ns.exec(['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
    // Refused ports need nothing: the namespace's stack answers RST.
    const rules = [
      '*filter',
      ...BY_KIND.filtered.map((p) => `-A INPUT -p tcp --dport ${p} -j DROP`),
      ...BY_KIND.unreachable.map((p) => `-A INPUT -p tcp --dport ${p} -j REJECT --reject-with icmp-host-unreachable`),
      'COMMIT',
      '',
    ];
    const rulesFile = join(tmp.path, 'rules.v4');
    await writeFile(rulesFile, rules.join('\n'));
    await ns.exec(['iptables-restore', '--noflush', rulesFile]);

    dns = await startDnsmasq({ dir: tmp.path, records: [`--address=/sw.sr.test/${ns.nsIp}`] });
    const site = await writeSite(tmp.path, {
      site: { name: 'sweep' },
      network: {
        dns: { servers: [dns.server], timeoutMs: 5000 },
        sweeps: [
          // ~100 mixed targets, given as ranges and single ports (with a duplicate).
          { name: 'mixed', hosts: ['sw.sr.test'], ports: [`${FIRST}-${FIRST + 49}`, FIRST + 50, `${FIRST + 51}-${FIRST + 99}`, FIRST] },
          // Policy: these must be closed, and they are (refused, dropped or unreachable all count).
          {
            name: 'closed-as-required',
            hosts: [ns.nsIp],
            ports: [...BY_KIND.refused.slice(0, 5), ...BY_KIND.filtered.slice(0, 5), ...BY_KIND.unreachable.slice(0, 5)],
            expect: 'blocked',
          },
          // Policy: these must be closed, but three of them are open.
          {
            name: 'admin-ports',
            hosts: [ns.nsIp],
            ports: [...BY_KIND.ok.slice(0, 3), ...BY_KIND.refused.slice(0, 3), ...BY_KIND.filtered.slice(0, 2)],
            expect: 'blocked',
            severity: 'critical',
          },
          // One name does not resolve: every port on it is dns-failure, the other host is swept.
          { name: 'with-unknown-host', hosts: ['nope.sr.test', 'sw.sr.test'], ports: [BY_KIND.ok[0]!, BY_KIND.refused[0]!] },
        ],
      },
      platform: {
        endpoints: [
          // Extra ports on an endpoint's host: all open → pass.
          {
            name: 'chat',
            role: 'signalling',
            host: 'sw.sr.test',
            port: BY_KIND.ok[0],
            protocol: 'tcp',
            ports: BY_KIND.ok.slice(1, 6),
            checks: ['sweep'],
          },
        ],
      },
      checks: { sweep: { connectTimeoutMs: CONNECT_TIMEOUT_MS } },
    });
    run = await assess(site, tmp.path);
  }, 60_000);

  afterAll(async () => {
    await dns?.stop();
    await ns?.destroy();
    await tmp?.remove();
  });

  it('exits 0 and writes a report that matches the published schema', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    const validate = await reportValidator();
    expect(validate(run.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const tasks = run.report.results
      .filter((r) => r.check === 'sweep')
      .map((r) => r.target)
      .sort();
    expect(tasks).toEqual(['admin-ports', 'chat/ports', 'closed-as-required', 'mixed', 'with-unknown-host']);
    for (const r of run.report.results.filter((x) => x.check === 'sweep')) expect(r.error, r.target).toBeUndefined();
  });

  it('classifies every one of 100 mixed targets exactly', () => {
    const r = result(run.report, 'sweep', 'mixed');
    expect(r.facts).toMatchObject({
      expect: 'reachable',
      total: 100,
      tested: 100,
      ports: 100,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    // Only silent targets are ever connected twice, and a second try never changed a verdict here.
    for (const t of r.facts.targets as Array<Record<string, unknown>>)
      if (t.retried) expect(t.classification, String(t.port)).toBe('filtered');
    expect(r.facts.recovered).toBe(0);
    expect(r.facts.targets).toHaveLength(100);
    // Exact sets, per classification.
    expect(byClassification(r)).toEqual({
      ok: BY_KIND.ok,
      refused: BY_KIND.refused,
      filtered: BY_KIND.filtered,
      unreachable: BY_KIND.unreachable,
    });
    for (const t of r.facts.targets as Array<Record<string, unknown>>) {
      expect(t.host).toBe('sw.sr.test');
      expect(t.address).toBe(ns!.nsIp);
      if (t.classification === 'ok') {
        expect(t.connectMs).toEqual(expect.any(Number));
        expect(t.code).toBeUndefined();
      } else {
        expect(t.connectMs).toBeUndefined();
        expect(t.code).toBe(
          { refused: 'ECONNREFUSED', filtered: 'CONNECT_TIMEOUT', unreachable: 'EHOSTUNREACH' }[t.classification as string],
        );
      }
    }
    // Target order: the ports as given (duplicate dropped), not completion order.
    expect((r.facts.targets as Array<{ port: number }>).map((t) => t.port)).toEqual(PORTS);
    const m = Object.fromEntries(r.measurements.map((x) => [x.id, x.value]));
    expect(m).toMatchObject({ targets: 100, open: 30, refused: 30, filtered: 20, unreachable: 20, 'dns-failure': 0 });
    expect(r.facts.counts).toEqual({ open: 30, refused: 30, filtered: 20, unreachable: 20, 'dns-failure': 0 });
    expect(r.facts.hosts).toEqual([{ host: 'sw.sr.test', addresses: [ns!.nsIp] }]);
  });

  it('expect reachable: fails, listing the first blocked host:port pairs and the remediation', async () => {
    const r = result(await englishReport(run.report), 'sweep', 'mixed');
    expect(r.status).toBe('fail');
    expect(r.score).toBeGreaterThan(0);
    expect(r.score).toBeLessThan(0.5);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ id: 'sweep.blocked', severity: 'high' });
    expect(f.text).toContain('70 of 100 targets');
    expect(f.text).toContain('and 50 more');
    expect(f.evidence).toMatchObject({ blocked: 70, byClassification: { refused: 30, filtered: 20, unreachable: 20 } });
    const listed = f.evidence!.targets as Array<{ port: number; classification: string }>;
    expect(listed).toHaveLength(20);
    const notOpen = PORTS.filter((p) => !BY_KIND.ok.includes(p)).slice(0, 20);
    expect(listed.map((t) => t.port)).toEqual(notOpen);
    expect(f.text).toContain(`sw.sr.test:${notOpen[0]}`);
    expect(f.fix).toBeTruthy();
  });

  it('expect blocked: passes when nothing accepts, whatever the way it is closed', () => {
    const r = result(run.report, 'sweep', 'closed-as-required');
    expect(r).toMatchObject({ status: 'pass', score: 1, findings: [] });
    expect(r.facts.counts).toEqual({ open: 0, refused: 5, filtered: 5, unreachable: 5, 'dns-failure': 0 });
  });

  it("expect blocked: fails on exactly the open ports, with the sweep's severity", async () => {
    const r = result(await englishReport(run.report), 'sweep', 'admin-ports');
    expect(r.status).toBe('fail');
    expect(r.facts.counts).toEqual({ open: 3, refused: 3, filtered: 2, unreachable: 0, 'dns-failure': 0 });
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ id: 'sweep.unexpectedly-open', severity: 'critical', evidence: { open: 3 } });
    expect((f.evidence!.targets as Array<{ port: number }>).map((t) => t.port)).toEqual(BY_KIND.ok.slice(0, 3));
    for (const p of BY_KIND.ok.slice(0, 3)) expect(f.text).toContain(`${ns!.nsIp}:${p}`);
    for (const p of BY_KIND.refused.slice(0, 3)) expect(f.text).not.toContain(`${ns!.nsIp}:${p}`);
    expect(run.report.blockers).toEqual(
      expect.arrayContaining([expect.objectContaining({ check: 'sweep', target: 'admin-ports', severity: 'critical' })]),
    );
  });

  it('an unresolvable host: its ports are dns-failure, the other host is still swept', () => {
    const r = result(run.report, 'sweep', 'with-unknown-host');
    expect(r.status).toBe('fail');
    expect(r.facts.counts).toEqual({ open: 1, refused: 1, filtered: 0, unreachable: 0, 'dns-failure': 2 });
    expect(r.facts.hosts).toEqual([
      { host: 'nope.sr.test', addresses: [], classification: 'dns-failure', kind: 'nxdomain' },
      { host: 'sw.sr.test', addresses: [ns!.nsIp] },
    ]);
    const targets = r.facts.targets as Array<Record<string, unknown>>;
    expect(targets).toEqual([
      { host: 'nope.sr.test', port: BY_KIND.ok[0], classification: 'dns-failure' },
      { host: 'nope.sr.test', port: BY_KIND.refused[0], classification: 'dns-failure' },
      expect.objectContaining({ host: 'sw.sr.test', port: BY_KIND.ok[0], address: ns!.nsIp, classification: 'ok' }),
      { host: 'sw.sr.test', port: BY_KIND.refused[0], address: ns!.nsIp, classification: 'refused', code: 'ECONNREFUSED' },
    ]);
    expect(r.findings[0]).toMatchObject({
      id: 'sweep.blocked',
      evidence: { blocked: 3, byClassification: { refused: 1, 'dns-failure': 2 } },
    });
  });

  it("an endpoint's extra ports are swept as <endpoint>/ports", () => {
    const r = result(run.report, 'sweep', 'chat/ports');
    expect(r).toMatchObject({ status: 'pass', score: 1, findings: [] });
    expect(byClassification(r)).toEqual({ ok: BY_KIND.ok.slice(1, 6) });
  });

  it('score reflects the results', () => {
    expect(run.report.score).toBe(expectedScore(run.report));
    expect(run.report.verdict).toBe('NOT READY');
  });

  it('the same classification with few connects in flight and a shorter timeout', async () => {
    const site = await writeSite(
      tmp!.path,
      {
        site: { name: 'sweep narrow' },
        network: {
          dns: { servers: [dns!.server], timeoutMs: 5000 },
          sweeps: [{ name: 'mixed', hosts: ['sw.sr.test'], ports: [`${FIRST}-${FIRST + 99}`] }],
        },
        platform: { endpoints: [{ name: 'anchor', host: ns!.nsIp, port: BY_KIND.ok[0], protocol: 'tcp', checks: ['sweep'] }] },
        checks: { sweep: { concurrency: 8, connectTimeoutMs: 400, timeoutMs: 30_000 } },
      },
      'narrow.yaml',
    );
    const { cli, report } = await assess(site, tmp!.path, [], 'narrow.json');
    expect(cli.code, cli.stderr).toBe(0);
    const r = result(report, 'sweep', 'mixed');
    expect(r.error).toBeUndefined();
    expect(r.facts).toMatchObject({ concurrency: 8, connectTimeoutMs: 400, tested: 100 });
    expect(byClassification(r)).toEqual({
      ok: BY_KIND.ok,
      refused: BY_KIND.refused,
      filtered: BY_KIND.filtered,
      unreachable: BY_KIND.unreachable,
    });
  }, 30_000);

  it('stops starting connects before the task deadline and says the sweep is incomplete', async () => {
    // 20 dropped ports, 2 at a time, 600 ms each: 6 s of work in a 1.5 s deadline. expect: blocked,
    // so what was measured is fine and only the untested rest keeps the sweep from passing.
    const site = await writeSite(
      tmp!.path,
      {
        site: { name: 'sweep deadline' },
        network: { sweeps: [{ name: 'slow', hosts: [ns!.nsIp], ports: BY_KIND.filtered, expect: 'blocked' }] },
        platform: { endpoints: [{ name: 'anchor', host: ns!.nsIp, port: BY_KIND.ok[0], protocol: 'tcp', checks: ['sweep'] }] },
        checks: { sweep: { concurrency: 2, connectTimeoutMs: 600, timeoutMs: 1500 } },
      },
      'deadline.yaml',
    );
    const { cli, report } = await assess(site, tmp!.path, [], 'deadline.json');
    expect(cli.code, cli.stderr).toBe(0);
    const r = result(report, 'sweep', 'slow');
    // Not a task timeout: the check ended by itself, with what it measured, and the judge says the rest was not.
    expect(r.error?.kind).toBe('not-measured');
    expect(r.status).toBe('error');
    expect(r.facts.tested).toBeGreaterThan(0);
    expect(r.facts.tested).toBeLessThan(20);
    expect(r.measurements.find((m) => m.id === 'untested')?.value).toBe(20 - (r.facts.tested as number));
    expect(r.facts.counts.filtered).toBe(r.facts.tested);
    const untested = (r.facts.targets as Array<{ classification: string }>).filter((t) => t.classification === 'untested');
    expect(untested).toHaveLength(20 - (r.facts.tested as number));
    expect(r.findings.map((f) => f.id)).toEqual(['sweep.incomplete']);
    const validate = await reportValidator();
    expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
  }, 30_000);

  it('lists every target of a big sweep; the counts cover all (in process)', async () => {
    // Nothing listens on these ports in the namespace and no rule touches them: all RST.
    const n = 12_000;
    const site = fakeSite([{ name: 'many', hosts: [ns!.nsIp], ports: [`30000-${30000 + n - 1}`] }]);
    const [t] = sweepCheck.targets(site, DEFAULTS);
    const facts = await sweepCheck.measure(fakeContext(site, DEFAULTS), t!);
    expect(facts).toMatchObject({ total: n, tested: n, retried: 0 });
    expect(facts).not.toHaveProperty('truncated');
    expect(facts.targets).toHaveLength(n);
    expect(facts.targets[n - 1]).toMatchObject({ port: 30000 + n - 1, classification: 'refused', code: 'ECONNREFUSED' });
    expect(facts.counts).toEqual({ open: 0, refused: n, filtered: 0, unreachable: 0, 'dns-failure': 0 });
    const judged = sweepCheck.judge(facts, { options: DEFAULTS, threshold: (_n, fallback) => fallback, target: t!, site });
    expect(judged.findings![0]).toMatchObject({ id: 'sweep.blocked', evidence: { blocked: n } });
  }, 30_000);

  it('a silent first connect is tried again: dropped ports are filtered after the full timeout, a lost SYN and a late answer are not (in process)', async () => {
    await ns!.start([process.execPath, '-e', SERVER, ns!.nsIp, `${LOSSY_PORT},${LATE_PORT}`], {
      name: 'lossy and late listeners',
      ready: /listening/,
    });
    const rules = [
      '*filter',
      `-A INPUT -p tcp --dport ${LOSSY_PORT} --syn -m statistic --mode nth --every 2 --packet 0 -j DROP`,
      `-A INPUT -p tcp --dport ${LATE_PORT} --syn -m recent --name late --rcheck --seconds 1 -j DROP`,
      `-A INPUT -p tcp --dport ${LATE_PORT} --syn -m recent --name late --rcheck -j ACCEPT`,
      `-A INPUT -p tcp --dport ${LATE_PORT} --syn -m recent --name late --set -j DROP`,
      'COMMIT',
      '',
    ];
    const rulesFile = join(tmp!.path, 'lossy.v4');
    await writeFile(rulesFile, rules.join('\n'));
    await ns!.exec(['iptables-restore', '--noflush', rulesFile]);

    // Refused ports first, so the host's round trip is known (sub-millisecond here: the adaptive
    // timeout is the 100 ms floor) before the silent ones are given up.
    const dropped = BY_KIND.filtered.slice(0, 6);
    const ports = [...BY_KIND.refused.slice(0, 10), LOSSY_PORT, LATE_PORT, ...dropped];
    const site = fakeSite([{ name: 'recheck', hosts: [ns!.nsIp], ports }]);
    const options = { ...DEFAULTS, connectTimeoutMs: 1500 };
    const [t] = sweepCheck.targets(site, options);
    const facts = await sweepCheck.measure(fakeContext(site, options), t!);
    const by = new Map(facts.targets.map((x) => [x.port, x]));

    // A lost first SYN: the second connect gets through at once.
    expect(by.get(LOSSY_PORT)).toMatchObject({ classification: 'ok', retried: true });
    // A late answer: silent past the adaptive timeout, answered ~1 s into the second connect (the
    // resent SYN), within connectTimeoutMs: open, not filtered.
    expect(by.get(LATE_PORT)).toMatchObject({ classification: 'ok', retried: true });
    expect(by.get(LATE_PORT)!.connectMs).toBeGreaterThan(900);
    // Dropped: silent on the first connect and for the whole 1.5 s of the second.
    for (const p of dropped)
      expect(by.get(p), String(p)).toMatchObject({ classification: 'filtered', code: 'CONNECT_TIMEOUT', retried: true });
    for (const p of BY_KIND.refused.slice(0, 10)) expect(by.get(p)!.retried, String(p)).toBeUndefined();
    expect(facts).toMatchObject({ retried: 8, recovered: 2, adaptiveFloorMs: 100, connectTimeoutMs: 1500 });
    // The floor, then the full timeout: never less than 1.6 s; and the silent ones waited at once, not in turn.
    expect(facts.sweepMs).toBeGreaterThanOrEqual(1600);
    expect(facts.sweepMs).toBeLessThan(3500);
  }, 30_000);

  it('an abort closes every socket in flight (in process)', async () => {
    const controller = new AbortController();
    const site = fakeSite([{ name: 'dropped', hosts: [ns!.nsIp], ports: BY_KIND.filtered }]);
    const options = { ...DEFAULTS, connectTimeoutMs: 20_000 };
    const ctx = fakeContext(site, options, controller.signal);
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    // Sockets of earlier tests finish closing a loop turn after they are destroyed: settle first.
    let before = sockets();
    for (let i = 0; i < 50; i++) {
      await delay(20);
      const now = sockets();
      if (now === before) break;
      before = now;
    }
    const [target] = sweepCheck.targets(site, options);
    const running = sweepCheck.measure(ctx, target!);
    running.catch(() => undefined);
    for (let i = 0; i < 100 && sockets() < before + BY_KIND.filtered.length; i++) await delay(20);
    expect(sockets()).toBe(before + BY_KIND.filtered.length);
    const reason = new Error('stop now');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    for (let i = 0; i < 50 && sockets() > before; i++) await delay(20);
    expect(sockets()).toBe(before);
  });
});
