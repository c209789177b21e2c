// The sweep check's verdicts on fact fixtures: no network, no root (the sweeping is tested against
// a namespaced host in test/integration/sweep.test.ts).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import sweep, { type SweepCounts, type SweepFacts, type SweepTargetFacts } from './index.js';

const sweepSite = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  site: { name: 'W' },
  network: { sweeps: [{ name: 'edge', hosts: ['edge.example.test'], ports: ['7000-7003'], ...extra }] },
  platform: { endpoints: [{ name: 'web', url: 'https://web.example.test/' }] },
});
const site = sweepSite();
const blockedSite = sweepSite({ expect: 'blocked', severity: 'critical' });

const target = (port: number, classification: SweepTargetFacts['classification']): SweepTargetFacts => ({
  host: 'edge.example.test',
  port,
  ...(classification === 'dns-failure' ? {} : { address: '192.0.2.20' }),
  classification,
  ...(classification === 'ok' ? { connectMs: 3 } : {}),
  ...(
    { refused: { code: 'ECONNREFUSED' }, filtered: { code: 'CONNECT_TIMEOUT' }, unreachable: { code: 'EHOSTUNREACH' } } as Record<
      string,
      { code: string }
    >
  )[classification],
});
const facts = (classes: Array<SweepTargetFacts['classification']>, extra: Partial<SweepFacts> = {}): SweepFacts => {
  const targets = classes.map((c, i) => target(7000 + i, c));
  const n = (c: string) => classes.filter((x) => x === c).length;
  const counts: SweepCounts = {
    open: n('ok'),
    refused: n('refused'),
    filtered: n('filtered'),
    unreachable: n('unreachable'),
    'dns-failure': n('dns-failure'),
  };
  return {
    sweep: 'edge',
    expect: 'reachable',
    hosts: [{ host: 'edge.example.test', addresses: ['192.0.2.20'] }],
    ports: classes.length,
    total: classes.length,
    tested: classes.length - n('untested'),
    counts,
    concurrency: 256,
    connectTimeoutMs: 1000,
    sweepMs: 1012.5,
    targets,
    truncated: false,
    ...extra,
  };
};

const tester = new CheckTester(sweep);
tester.run({
  valid: [
    {
      name: 'every target open',
      facts: facts(['ok', 'ok', 'ok', 'ok']),
      site,
      status: 'pass',
      score: 1,
      measurements: { targets: 4, open: 4, refused: 0, sweepMs: 1012.5 },
    },
    {
      name: 'blocked, and nothing accepts',
      facts: facts(['refused', 'filtered', 'unreachable', 'refused']),
      site: blockedSite,
      status: 'pass',
      score: 1,
      measurements: { open: 0 },
    },
  ],
  invalid: [
    {
      name: 'one of four refused',
      facts: facts(['ok', 'refused', 'ok', 'ok']),
      site,
      status: 'fail',
      score: 0.368,
      findings: ['sweep.blocked'],
    },
    {
      name: 'every target closed, in three ways',
      facts: facts(['refused', 'filtered', 'unreachable', 'refused']),
      site,
      status: 'fail',
      score: 0,
      findings: ['sweep.blocked'],
    },
    {
      name: 'a host that does not resolve',
      facts: facts(['dns-failure', 'dns-failure'], {
        hosts: [{ host: 'edge.example.test', addresses: [], classification: 'dns-failure', kind: 'nxdomain' }],
      }),
      site,
      status: 'fail',
      findings: ['sweep.blocked'],
    },
    {
      name: 'blocked, and two accept',
      facts: facts(['ok', 'refused', 'ok', 'filtered']),
      site: blockedSite,
      status: 'fail',
      findings: ['sweep.unexpectedly-open'],
    },
    {
      name: 'the same facts judged against a policy that says blocked',
      facts: facts(['ok', 'ok', 'ok', 'ok']),
      site: blockedSite,
      status: 'fail',
      score: 0,
      findings: ['sweep.unexpectedly-open'],
    },
    {
      name: 'the deadline stopped it with nothing wrong so far: not measured',
      facts: facts(['ok', 'ok', 'untested', 'untested']),
      site,
      status: 'error',
      score: null,
      findings: ['sweep.incomplete'],
      measurements: { untested: 2 },
    },
    {
      name: 'the deadline stopped it, and a target is closed: fail',
      facts: facts(['ok', 'refused', 'untested', 'untested']),
      site,
      status: 'fail',
      findings: ['sweep.blocked', 'sweep.incomplete'],
    },
  ],
});

it("the blocked finding lists the first 20 closed targets, counts the rest, and takes the sweep's remediation per kind", () => {
  const v = tester.verify(
    { facts: facts(Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 'ok' : 'filtered'))), site, status: 'fail' },
    false,
  );
  const f = v.findings[0]!;
  expect(f.message.params).toMatchObject({ count: 20, total: 30, more: '', summary: 'filtered 20' });
  expect(f.remediation?.id).toBe('sweep.blocked.fix.filtered');
  const many = tester.verify(
    { facts: facts(Array.from({ length: 30 }, (_, i) => (i % 2 ? 'refused' : 'filtered'))), site, status: 'fail' },
    false,
  );
  const g = many.findings[0]!;
  expect(g.message.params?.more).toEqual({ id: 'sweep.more', params: { rest: 10 } });
  expect(String(g.message.params?.list).split(', ')).toHaveLength(20);
  expect(g.remediation?.id).toBe('sweep.blocked.fix');
  expect(g.evidence).toMatchObject({ blocked: 30, byClassification: { refused: 15, filtered: 15 } });
});

it("the severity is the sweep's", () => {
  const v = tester.verify({ facts: facts(['ok']), site: blockedSite, status: 'fail', findings: ['sweep.unexpectedly-open'] }, false);
  expect(v.findings[0]!.severity).toBe('critical');
});

it('counts judge all targets when the list is truncated', () => {
  const f = facts(['ok', 'ok'], {
    total: 9000,
    tested: 9000,
    truncated: true,
    counts: { open: 8000, refused: 1000, filtered: 0, unreachable: 0, 'dns-failure': 0 },
  });
  const v = tester.verify({ facts: f, site, status: 'fail', findings: ['sweep.blocked'] }, false);
  expect(v.findings[0]!.message.params).toMatchObject({ count: 1000, total: 9000, more: { id: 'sweep.more', params: { rest: 1000 } } });
  expect(v.measurements.find((m) => m.id === 'refused')?.value).toBe(1000);
});

it('shows a summary, the targets not as expected and the hosts that do not resolve', () => {
  const v = tester.verify(
    {
      facts: facts(['ok', 'refused', 'dns-failure'], {
        hosts: [
          { host: 'edge.example.test', addresses: ['192.0.2.20'] },
          { host: 'gone.example.test', addresses: [], classification: 'dns-failure', kind: 'nxdomain' },
        ],
      }),
      site,
      status: 'fail',
    },
    false,
  );
  expect(v.blocks?.map((b) => b.kind)).toEqual(['key-value', 'table', 'table']);
  const [summary, closed, unresolved] = v.blocks as any[];
  expect(summary.items).toContainEqual({ label: { id: 'sweep.kv.connect-timeout' }, value: { value: 1000, unit: 'ms' } });
  expect(closed.title).toEqual({ id: 'sweep.block.closed' });
  expect(closed.rows.map((r: { port: number }) => r.port)).toEqual([7001, 7002]);
  expect(unresolved.rows).toEqual([{ host: 'gone.example.test', kind: 'nxdomain' }]);
});
