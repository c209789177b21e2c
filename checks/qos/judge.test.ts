// The QoS check's judge on fact fixtures: marks per class and direction, priority under load, and
// the paths where marks cannot be tested — no DSCP module, no reflector, no root.

import { expect, it } from 'vitest';
import qos, { type ClassMarks, type LoadedDirection, type QosFacts } from './index.js';
import type { DirectionVerdict } from '../../src/qos/classify.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { probeSite, reflector, reflectorFailure } from '../../test/probe/judge-fixtures.js';

const CLASSES: Array<[name: string, dscp: number, traffic: string]> = [
  ['ef', 46, 'audio'],
  ['af41', 34, 'video'],
  ['af21', 18, 'screen-share'],
  ['cs0', 0, 'default'],
];

/** All 100 packets arrived with `seen` (a mark, or a mix { mark: count }); nothing arrived when null. */
function way(sent: number, seen: number | Record<number, number> | null | 'unsupported'): DirectionVerdict {
  if (seen === 'unsupported') return { outcome: 'unsupported', dscpSeen: [], packets: 0, counts: {}, changed: 0 };
  const counts: Record<string, number> =
    seen === null ? {} : typeof seen === 'number' ? { [seen]: 100 } : Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, v]));
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const packets = entries.reduce((a, [, n]) => a + n, 0);
  const changed = packets - (counts[String(sent)] ?? 0);
  const only = entries.length === 1 ? Number(entries[0]![0]) : undefined;
  const outcome =
    packets === 0 ? 'unknown' : entries.length > 1 ? 'mixed' : only === sent ? 'preserved' : only === 0 ? 'bleached' : 'remarked';
  return { outcome, dscpSeen: entries.map(([d]) => Number(d)), packets, counts, changed };
}

type Seen = Parameters<typeof way>[1];

/** Marks facts: every class preserved both ways unless `change` says what arrived. */
function marks(change: Record<string, { forward?: Seen; return?: Seen }> = {}): QosFacts {
  const classes: ClassMarks[] = CLASSES.map(([name, dscp, traffic]) => ({
    name,
    dscpSent: dscp,
    traffic,
    control: dscp === 0,
    sent: 100,
    forward: way(dscp, change[name]?.forward !== undefined ? change[name]!.forward! : dscp),
    return: way(dscp, change[name]?.return !== undefined ? change[name]!.return! : dscp),
  }));
  return {
    reflector,
    classification: 'ok',
    family: 'IPv4',
    forwardCountedBy: 'reflector',
    hops: { forward: 1, return: 1 },
    classes,
    streams: classes.map((c) => ({
      name: c.name,
      sent: 100,
      replies: c.return.packets,
      reflectorReceived: c.forward.packets,
      rttMs: null,
      lossUpPercent: 0,
      lossDownPercent: 0,
      ttl: { forward: null, return: null },
    })),
  };
}

const siteWithQos = {
  ...probeSite,
  qos: {
    classes: [
      { name: 'ef', dscp: 46, traffic: 'audio' },
      { name: 'af41', dscp: 34, traffic: 'video' },
    ],
    underLoad: true,
  },
};

/** Under-load facts for the downstream load: each marked class's and the control's delay and loss. */
function loaded(classes: Record<string, [loadedRtt: number | null, loss: number]>, control: [number | null, number]): QosFacts {
  const down: LoadedDirection = {
    loadMbps: 19.2,
    control: { name: 'cs0', idleRttP50: 1, loadedRttP50: control[0], lossPercent: control[1], rttMs: null },
    classes: Object.entries(classes).map(([name, [rtt, loss]]) => ({
      name,
      dscpSent: name === 'ef' ? 46 : 34,
      idleRttP50: 1,
      loadedRttP50: rtt,
      lossPercent: loss,
      rttMs: null,
    })),
  };
  return { reflector, classification: 'ok', underLoad: { down } };
}
const underLoadTarget = 'dc/under-load';

const unsupported = (side: 'local' | 'reflector', reason: string, detail?: string): QosFacts => ({
  reflector,
  classification: 'unsupported',
  unsupported: { side, reason, ...(detail ? { detail } : {}) },
  classes: marks().classes!.map((c) => ({ ...c, sent: 0, forward: way(0, 'unsupported'), return: way(0, 'unsupported') })),
});

const tester = new CheckTester(qos);
const site = probeSite;

tester.run({
  valid: [
    {
      name: 'every mark preserved both ways',
      facts: marks(),
      site,
      status: 'pass',
      score: 1,
      measurements: { 'marks-preserved': '6/6', 'ef-forward': 'preserved', 'hops-return': 1 },
    },
    {
      name: 'a reflector that cannot mark its replies: the return path is not scored',
      facts: marks({
        ef: { return: 'unsupported' },
        af41: { return: 'unsupported' },
        af21: { return: 'unsupported' },
        cs0: { return: 'unsupported' },
      }),
      site,
      status: 'pass',
    },
    {
      name: 'no DSCP module here, QoS not asked for in the site: informative',
      facts: unsupported('local', 'not-built'),
      site,
      status: 'info',
      findings: ['qos.unsupported'],
    },
    {
      name: 'UDP gets nowhere: informative',
      facts: {
        ...marks({
          ef: { forward: null, return: null },
          af41: { forward: null, return: null },
          af21: { forward: null, return: null },
          cs0: { forward: null, return: null },
        }),
        classification: 'filtered',
      },
      site,
      status: 'info',
      findings: ['qos.udp-blocked'],
    },
    {
      name: 'priority honoured for EF under load',
      facts: loaded({ ef: [2, 0] }, [60, 3]),
      site: siteWithQos,
      target: underLoadTarget,
      status: 'pass',
      measurements: { 'ef-down': 'honoured' },
    },
  ],
  invalid: [
    {
      name: 'bleached upstream',
      facts: marks({ ef: { forward: 0 }, af41: { forward: 0 }, af21: { forward: 0 } }),
      site,
      status: 'fail',
      score: 0.2,
      findings: ['qos.bleached', 'qos.bleached', 'qos.bleached'],
    },
    {
      name: 'EF re-marked to AF11 both ways',
      facts: marks({ ef: { forward: 10, return: 10 } }),
      site,
      status: 'warn',
      score: 0.5,
      findings: ['qos.remarked', 'qos.remarked'],
      measurements: { 'marks-preserved': '4/6', 'ef-return': 'remarked' },
    },
    {
      name: 'some replies re-marked: mixed',
      facts: marks({ af41: { return: { 34: 70, 0: 30 } } }),
      site,
      status: 'warn',
      findings: ['qos.mixed'],
    },
    {
      name: 'EF dropped upstream while the control arrives',
      facts: marks({ ef: { forward: null, return: null } }),
      site,
      status: 'fail',
      score: 0,
      findings: ['qos.dropped'],
    },
    {
      name: 'the network marks unmarked traffic itself (and EF is bleached)',
      facts: marks({ cs0: { forward: 46 }, ef: { forward: 0 } }),
      site,
      status: 'fail',
      findings: ['qos.control-remarked', 'qos.bleached'],
    },
    {
      name: 'QoS asked for in the site but not testable here: an error',
      facts: unsupported('local', 'windows'),
      site: siteWithQos,
      status: 'error',
      findings: ['qos.unsupported'],
    },
    {
      name: 'a reflector without QoS, reason unknown to this version',
      facts: unsupported('reflector', 'something-new'),
      site: siteWithQos,
      status: 'error',
      findings: ['qos.unsupported'],
    },
    {
      name: 'priority not honoured for AF41',
      facts: loaded({ ef: [2, 0], af41: [55, 3] }, [60, 3]),
      site: siteWithQos,
      target: underLoadTarget,
      status: 'fail',
      score: 0.3,
      findings: ['qos.priority-not-honoured'],
    },
    {
      name: 'no congestion under load: inconclusive, informative',
      facts: loaded({ ef: [2, 0], af41: [2, 0] }, [3, 0]),
      site: siteWithQos,
      target: underLoadTarget,
      status: 'info',
      findings: ['qos.load-inconclusive'],
    },
    {
      name: 'reflector refused',
      facts: reflectorFailure('refused', 'ECONNREFUSED'),
      site,
      status: 'error',
      findings: ['qos.probe-unreachable'],
    },
  ],
});

it('a finding on a class declared in the site points at its line; the direction is a phrase', () => {
  const v = tester.verify({ facts: marks({ ef: { forward: 0 } }), site: siteWithQos, status: 'fail' }, false);
  expect(v.findings[0]!.location?.line).toBeGreaterThan(1);
  expect(v.findings[0]!.message.params).toMatchObject({
    class: 'EF',
    sent: 'EF (46)',
    direction: { id: 'dir.forward' },
    seen: 'CS0 (0)',
    changed: 100,
  });
});

it('unsupported: the reason and the fix are phrases of the catalog', () => {
  const v = tester.verify({ facts: unsupported('local', 'platform', 'darwin'), site, status: 'info', findings: ['qos.unsupported'] }, true);
  expect(v.findings[0]!.message.params!.why).toEqual({ id: 'why.platform', params: { detail: 'darwin' } });
  expect(v.findings[0]!.remediation!.params).toEqual({ fix: { id: 'fix.platform' } });
  expect(
    tester.verify({ facts: unsupported('reflector', 'not-built'), site, status: 'info', findings: ['qos.unsupported'] }, true).findings[0]!
      .remediation!.params,
  ).toEqual({ fix: { id: 'fix.reflector' } });
});

it('present: a table of classes × directions, with what arrived where it changed', () => {
  const v = tester.verify({ facts: marks({ ef: { forward: 10 } }), site, status: 'warn' }, false);
  const table = v.blocks![0]!;
  expect(table.kind === 'table' && table.rows[0]).toEqual({
    class: 'ef',
    traffic: { id: 'qos.traffic.audio' },
    dscp: 46,
    forward: { id: 'qos.outcome.seen', params: { outcome: { id: 'qos.outcome.remarked' }, seen: 'AF11 (10)' } },
    return: { id: 'qos.outcome.preserved' },
    packets: '100 / 100',
  });
});

it('present: under load, each class against the control with its verdict', () => {
  const v = tester.verify(
    { facts: loaded({ ef: [2, 0], af41: [55, 3] }, [60, 3]), site: siteWithQos, target: underLoadTarget, status: 'fail' },
    false,
  );
  const table = v.blocks![0]!;
  expect(table.kind === 'table' && table.rows.map((r) => [r.class, (r.verdict as { id: string }).id])).toEqual([
    ['ef', 'qos.verdict.honoured'],
    ['af41', 'qos.verdict.not-honoured'],
  ]);
});
