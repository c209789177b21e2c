// tcp check against a real host in a network namespace: an open port, a closed one (RST), one
// whose SYNs are dropped, one answered with ICMP host-unreachable, and a name that does not
// resolve (NXDOMAIN from a real dnsmasq). The CLI runs as a user would run it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/cli.js';
import { createNetns, netnsSupported, type Netns } from '../helpers/netns.js';
import {
  assess,
  expectedScore,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  tempDir,
  writeSite,
  type AssessRun,
  type Dnsmasq,
  type TempDir,
} from '../helpers/peers.js';
import { englishReport } from '../helpers/report-text.js';

const available = requireTool(netnsSupported(), 'root with ip netns and iptables') && requireTool(hasTool('dnsmasq'), 'dnsmasq');

const PORT = { open: 7001, refused: 7002, filtered: 7003, unreachable: 7004 } as const;
const CONNECT_TIMEOUT_MS = 1500;
// Generous "slow" thresholds: a loaded CI machine must not turn an open port into a warning and
// move the score (the assertions below are about classification, not speed).
const RELAXED_CHECKS = { tcp: { connectTimeoutMs: CONNECT_TIMEOUT_MS, slowMs: 1000 }, dns: { slowMs: 4000 } };

// Accepts and closes; prints once it listens so the test knows when to go.
const SERVER = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
net.createServer((s) => { s.on('error', () => {}); s.end(); })
  .listen(Number(port), host, () => console.log('listening'));
`;

describe.skipIf(!available)('tcp classification against a namespaced host', () => {
  let ns: Netns | undefined;
  let dns: Dnsmasq | undefined;
  let tmp: TempDir | undefined;
  let site = '';
  let run: AssessRun;

  beforeAll(async () => {
    tmp = await tempDir('sr-tcp-');
    ns = await createNetns();
    await ns.start([process.execPath, '-e', SERVER, ns.nsIp, String(PORT.open)], { name: 'tcp listener', ready: /listening/ });
    // PORT.refused: nothing listens → the namespace's stack answers RST.
    await ns.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(PORT.filtered), '-j', 'DROP']);
    await ns.iptables([
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '--dport',
      String(PORT.unreachable),
      '-j',
      'REJECT',
      '--reject-with',
      'icmp-host-unreachable',
    ]);

    dns = await startDnsmasq({ dir: tmp.path, records: [`--address=/ok.sr.test/${ns.nsIp}`] });
    site = await writeSite(tmp.path, {
      site: { name: 'tcp paths' },
      network: { dns: { servers: [dns.server], timeoutMs: 5000 } },
      platform: {
        endpoints: [
          { name: 'open', role: 'signalling', host: 'ok.sr.test', port: PORT.open, protocol: 'tcp' },
          { name: 'refused', role: 'api', host: 'ok.sr.test', port: PORT.refused, protocol: 'tcp' },
          { name: 'filtered', role: 'api', host: 'ok.sr.test', port: PORT.filtered, protocol: 'tcp' },
          { name: 'unreachable', role: 'api', host: 'ok.sr.test', port: PORT.unreachable, protocol: 'tcp' },
          { name: 'no-such-host', role: 'api', host: 'nope.sr.test', port: PORT.open, protocol: 'tcp' },
          { name: 'admin-closed', role: 'other', host: 'ok.sr.test', port: PORT.refused, protocol: 'tcp', expect: 'blocked' },
          { name: 'admin-open', role: 'other', host: 'ok.sr.test', port: PORT.open, protocol: 'tcp', expect: 'blocked' },
        ],
      },
      checks: RELAXED_CHECKS,
    });
    run = await assess(site, tmp.path);
  }, 60_000);

  afterAll(async () => {
    await dns?.stop();
    await ns?.destroy();
    await tmp?.remove();
  });

  it('exits 0 without a gate and writes a report that matches the published schema', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(run.report.gate).toBeUndefined();
    const validate = await reportValidator();
    expect(validate(run.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('open port: ok, pass, connect time measured', () => {
    const r = result(run.report, 'tcp', 'open');
    expect(r.facts.classification).toBe('ok');
    expect(r.status).toBe('pass');
    expect(r.facts).toMatchObject({ path: 'direct', direct: { classification: 'ok' } });
    expect(r.facts.direct.attempts).toEqual([expect.objectContaining({ address: ns!.nsIp, classification: 'ok' })]);
    expect(r.measurements.find((m) => m.id === 'connectMs')?.value).toEqual(expect.any(Number));
    expect(r.findings.map((f) => f.id)).not.toContain('tcp.refused');
  });

  it('closed port: refused (RST), critical for an api endpoint', () => {
    const r = result(run.report, 'tcp', 'refused');
    expect(r.facts.classification).toBe('refused');
    expect(r.status).toBe('fail');
    expect(r.score).toBe(0);
    expect(r.facts.direct.attempts[0]).toMatchObject({ address: ns!.nsIp, classification: 'refused', code: 'ECONNREFUSED' });
    expect(r.findings).toEqual([expect.objectContaining({ id: 'tcp.refused', severity: 'critical' })]);
  });

  it('dropped SYN: filtered after the connect timeout', async () => {
    const r = result(await englishReport(run.report), 'tcp', 'filtered');
    expect(r.facts.classification).toBe('filtered');
    expect(r.status).toBe('fail');
    expect(r.facts.direct.attempts[0]).toMatchObject({ classification: 'filtered', code: 'CONNECT_TIMEOUT' });
    expect(r.findings[0]).toMatchObject({ id: 'tcp.filtered', severity: 'critical' });
    expect(r.findings[0]!.text).toContain(`${CONNECT_TIMEOUT_MS} ms`);
  });

  it('ICMP host-unreachable: unreachable (EHOSTUNREACH)', () => {
    const r = result(run.report, 'tcp', 'unreachable');
    expect(r.facts.classification).toBe('unreachable');
    expect(r.status).toBe('fail');
    expect(r.facts.direct.attempts[0]).toMatchObject({ classification: 'unreachable', code: 'EHOSTUNREACH' });
    expect(r.findings[0]).toMatchObject({ id: 'tcp.unreachable', severity: 'critical' });
  });

  it('NXDOMAIN from the site resolver: dns-failure in tcp and dns', () => {
    const r = result(run.report, 'tcp', 'no-such-host');
    expect(r.facts.classification).toBe('dns-failure');
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({ id: 'tcp.dns-failure', evidence: expect.objectContaining({ kind: 'nxdomain' }) });
    const d = result(run.report, 'dns', 'nope.sr.test');
    expect(d.status).toBe('fail');
    expect(d.facts).toMatchObject({ classification: 'dns-failure', kind: 'nxdomain' });
    const ok = result(run.report, 'dns', 'ok.sr.test');
    expect(ok.status).toBe('pass');
    expect(ok.facts.addresses).toEqual([{ address: ns!.nsIp, family: 4 }]);
  });

  it('expect: blocked passes on the closed port and fails on the open one', () => {
    const closed = result(run.report, 'tcp', 'admin-closed');
    expect(closed).toMatchObject({ status: 'pass', score: 1 });
    // The facts say what was measured; expect: blocked is the judgement's (the site's), not a fact.
    expect(closed.facts).toMatchObject({ classification: 'refused', direct: { classification: 'refused' } });
    expect(closed.findings).toEqual([]);

    const open = result(run.report, 'tcp', 'admin-open');
    expect(open).toMatchObject({ status: 'fail', score: 0 });
    expect(open.facts).toMatchObject({ classification: 'ok', direct: { classification: 'ok' } });
    expect(open.findings).toEqual([
      expect.objectContaining({ id: 'tcp.unexpectedly-open', evidence: { openOn: ['direct'], openAddresses: [ns!.nsIp] } }),
    ]);
  });

  it('score and verdict reflect the failures', () => {
    const { report } = run;
    expect(report.score).toBe(expectedScore(report));
    expect(report.score!).toBeLessThan(50);
    expect(report.verdict).toBe('NOT READY');
    expect(['D', 'E', 'F']).toContain(report.grade);
    expect(report.blockers[0]).toMatchObject({ severity: 'critical' });
    const failing = new Set(report.blockers.map((b) => `${b.check}:${b.target}`));
    for (const t of ['refused', 'filtered', 'unreachable', 'no-such-host', 'admin-open']) expect(failing).toContain(`tcp:${t}`);
    expect(failing).not.toContain('tcp:open');
    expect(failing).not.toContain('tcp:admin-closed');
    expect(report.checks.find((c) => c.id === 'tcp')?.score).toBeCloseTo(2 / 7, 3);
  });

  it('--fail-on high turns the failures into exit code 1', async () => {
    const gated = await assess(site, tmp!.path, ['--fail-on', 'high'], 'gated.json');
    expect(gated.cli.code, gated.cli.stderr).toBe(1);
    expect(gated.report.gate).toMatchObject({ passed: false });
    expect(gated.report.gate!.reasons.map((r) => r.id)).toContain('gate.failOn');
    expect((await englishReport(gated.report)).gate!.text.join('\n')).toMatch(/high/);
  }, 30_000);

  it('one critical failure caps an otherwise excellent grade', async () => {
    const capped = await writeSite(
      tmp!.path,
      {
        site: { name: 'tcp cap' },
        network: { dns: { servers: [dns!.server], timeoutMs: 5000 } },
        platform: {
          endpoints: [
            ...Array.from({ length: 9 }, (_, i) => ({
              name: `open-${i}`,
              role: 'web',
              host: 'ok.sr.test',
              port: PORT.open,
              protocol: 'tcp',
            })),
            { name: 'signalling', role: 'signalling', host: 'ok.sr.test', port: PORT.refused, protocol: 'tcp' },
          ],
        },
        checks: RELAXED_CHECKS,
      },
      'cap.yaml',
    );
    const { cli, report } = await assess(capped, tmp!.path, [], 'cap.json');
    expect(cli.code, cli.stderr).toBe(0);
    expect(result(report, 'tcp', 'signalling').facts.classification).toBe('refused');
    expect(report.score).toBe(expectedScore(report));
    expect(report.score!).toBeGreaterThanOrEqual(80); // 9 of 10 open, dns fine: an A by the numbers
    expect(report.uncappedGrade).toBe('A');
    expect(report.gradeCap).toEqual({ grade: 'D', reason: 'critical' });
    expect(report.grade).toBe('D');
    expect(report.verdict).toBe('NOT READY');
  }, 30_000);
});
