// The sweep check's verdicts on fact fixtures: no network, no root (the sweeping is tested against
// a namespaced host in test/integration/sweep.test.ts).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import sweep, {
  adaptiveTimeoutMs,
  autoConcurrency,
  FALLBACK_CONCURRENCY,
  MAX_AUTO_CONCURRENCY,
  silenceVerdict,
  type SweepCounts,
  type SweepFacts,
  type SweepTargetFacts,
} from './index.js';

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
    adaptiveFloorMs: 100,
    retried: 0,
    recovered: 0,
    sweepMs: 1012.5,
    targets,
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

it('a big sweep is judged on every target, and the finding names the first 20 of them', () => {
  const f = facts(Array.from({ length: 9000 }, (_, i) => (i % 9 === 4 ? 'refused' : 'ok')));
  const v = tester.verify({ facts: f, site, status: 'fail', findings: ['sweep.blocked'] }, false);
  expect(v.findings[0]!.message.params).toMatchObject({ count: 1000, total: 9000, more: { id: 'sweep.more', params: { rest: 980 } } });
  expect(String(v.findings[0]!.message.params?.list).split(', ')[0]).toBe('edge.example.test:7004 refused');
  expect(v.measurements.find((m) => m.id === 'refused')?.value).toBe(1000);
});

it('the summary says how many targets needed a second connect and how many answered it', () => {
  const v = tester.verify({ facts: facts(['ok', 'filtered'], { retried: 3, recovered: 2 }), site, status: 'fail' }, false);
  const items = (v.blocks as any[])[0].items;
  expect(items).toContainEqual({ label: { id: 'sweep.kv.retried' }, value: 3 });
  expect(items).toContainEqual({ label: { id: 'sweep.kv.recovered' }, value: 2 });
  const none = tester.verify({ facts: facts(['ok']), site, status: 'pass' }, true);
  expect((none.blocks as any[])[0].items.map((i: { label: { id: string } }) => i.label.id)).not.toContain('sweep.kv.retried');
});

it("the adaptive timeout is 10 × the host's fastest answer, within the floor and the connect timeout", () => {
  expect(adaptiveTimeoutMs(Infinity, 100, 1000)).toBeUndefined(); // nothing heard from the host yet
  expect(adaptiveTimeoutMs(0.3, 100, 1000)).toBe(100); // a LAN: the floor
  expect(adaptiveTimeoutMs(25, 100, 1000)).toBe(250);
  expect(adaptiveTimeoutMs(180, 100, 1000)).toBe(1000); // a slow path: no early give-up at all
  expect(adaptiveTimeoutMs(0.3, 100, 80)).toBe(80);
});

it('a silent connect is filtered only after the whole connect timeout; a first try is given up early only once its host answered', () => {
  // Host answered in 2 ms: first tries are re-tried after 100 ms (the floor), not called filtered.
  expect(silenceVerdict(0, false, 2, 100, 1000)).toBe(100);
  expect(silenceVerdict(40, false, 2, 100, 1000)).toBe(60);
  expect(silenceVerdict(100, false, 2, 100, 1000)).toBe('retry');
  expect(silenceVerdict(99.5, false, 2, 100, 1000)).toBe('retry'); // a timer a fraction early
  // The second try waits the full timeout, whatever the host's round trip.
  expect(silenceVerdict(0, true, 2, 100, 1000)).toBe(1000);
  expect(silenceVerdict(400, true, 2, 100, 1000)).toBe(600);
  expect(silenceVerdict(1000, true, 2, 100, 1000)).toBe('filtered');
  // A host that has not answered anything: keep waiting, looking again every floor, up to the timeout.
  expect(silenceVerdict(0, false, Infinity, 100, 1000)).toBe(100);
  expect(silenceVerdict(950, false, Infinity, 100, 1000)).toBe(50);
  expect(silenceVerdict(1000, false, Infinity, 100, 1000)).toBe('filtered');
  // Its first answer arrives while a connect waits: that connect is given up at the new timeout.
  expect(silenceVerdict(300, false, 5, 100, 1000)).toBe('retry');
  // A host slower than timeout ÷ 10: the first try is the full wait, and its silence is final.
  expect(silenceVerdict(500, false, 200, 100, 1000)).toBe(500);
  expect(silenceVerdict(1000, false, 200, 100, 1000)).toBe('filtered');
});

it('concurrency auto is half the open-file headroom, capped, with a fixed fallback off Linux', () => {
  const limits = (soft: string, hard = '1048576') =>
    `Limit                     Soft Limit           Hard Limit           Units     \n` +
    `Max processes             63704                63704                processes \n` +
    `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     \n`;
  expect(autoConcurrency(limits('20000'))).toBe(9872);
  expect(autoConcurrency(limits('1024', '4096'))).toBe(384);
  expect(autoConcurrency(limits('1048576'))).toBe(MAX_AUTO_CONCURRENCY);
  expect(autoConcurrency(limits('unlimited', 'unlimited'))).toBe(MAX_AUTO_CONCURRENCY);
  expect(autoConcurrency(limits('200'))).toBe(1);
  expect(autoConcurrency(undefined)).toBe(FALLBACK_CONCURRENCY);
  expect(autoConcurrency('no such line')).toBe(FALLBACK_CONCURRENCY);
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
