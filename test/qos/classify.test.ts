// The classifier (what happened to one class's marks in one direction), the judgement of priority
// under load, DSCP names, and the classes a site asks for.

import { describe, expect, it } from 'vitest';
import { classifyDirection } from '../../src/qos/classify.js';
import { judgePriority } from '../../src/qos/priority.js';
import { dscpFromName, dscpLabel, dscpName } from '../../src/qos/dscp-names.js';
import { qosClasses } from '../../src/qos/classes.js';
import { parseSiteText } from '../../src/site/load.js';

const counts = (o: Record<number, number>) => new Map(Object.entries(o).map(([k, v]) => [Number(k), v]));

describe('classifyDirection', () => {
  it('preserved: every packet kept its mark', () => {
    expect(classifyDirection(46, counts({ 46: 200 }))).toEqual({
      outcome: 'preserved',
      dscpSeen: [46],
      packets: 200,
      counts: { 46: 200 },
      changed: 0,
    });
    expect(classifyDirection(0, counts({ 0: 50 })).outcome).toBe('preserved');
  });

  it('bleached: every packet arrived as 0', () => {
    expect(classifyDirection(34, counts({ 0: 180 }))).toMatchObject({ outcome: 'bleached', dscpSeen: [0], packets: 180, changed: 180 });
  });

  it('remarked: every packet arrived with the same other mark (EF → AF11), and CS0 → AF11 too', () => {
    expect(classifyDirection(46, counts({ 10: 200 }))).toMatchObject({ outcome: 'remarked', dscpSeen: [10], changed: 200 });
    expect(classifyDirection(0, counts({ 10: 5 })).outcome).toBe('remarked');
  });

  it('mixed: some packets changed — most frequent first, with counts', () => {
    const v = classifyDirection(46, counts({ 46: 140, 0: 60 }));
    expect(v).toEqual({ outcome: 'mixed', dscpSeen: [46, 0], packets: 200, counts: { 46: 140, 0: 60 }, changed: 60 });
    // Changed to two different values, none kept: still mixed.
    expect(classifyDirection(46, counts({ 10: 3, 0: 7 }))).toMatchObject({ outcome: 'mixed', dscpSeen: [0, 10], changed: 10 });
  });

  it('unknown: no packet arrived (zero counts are ignored)', () => {
    expect(classifyDirection(46, counts({}))).toMatchObject({ outcome: 'unknown', packets: 0, dscpSeen: [] });
    expect(classifyDirection(46, counts({ 46: 0 })).outcome).toBe('unknown');
  });
});

describe('judgePriority', () => {
  const idle = { idleRttP50: 1 };
  it('honoured: the control queues and drops, the marked stream keeps its round trip', () => {
    const j = judgePriority({ ...idle, loadedRttP50: 2, lossPercent: 0 }, { ...idle, loadedRttP50: 300, lossPercent: 5 });
    expect(j).toEqual({ verdict: 'honoured', markedDelayMs: 1, controlDelayMs: 299, markedLossPercent: 0, controlLossPercent: 5 });
  });

  it('not honoured: both queue alike, or the marked stream loses as much', () => {
    expect(judgePriority({ ...idle, loadedRttP50: 280, lossPercent: 0 }, { ...idle, loadedRttP50: 300, lossPercent: 0 }).verdict).toBe(
      'not-honoured',
    );
    expect(judgePriority({ ...idle, loadedRttP50: 2, lossPercent: 4 }, { ...idle, loadedRttP50: 2, lossPercent: 5 }).verdict).toBe(
      'not-honoured',
    );
    // Nothing came back for either while loaded: no priority.
    expect(
      judgePriority({ ...idle, loadedRttP50: null, lossPercent: 100 }, { ...idle, loadedRttP50: null, lossPercent: 100 }).verdict,
    ).toBe('not-honoured');
  });

  it('honoured when only the control starves', () => {
    expect(judgePriority({ ...idle, loadedRttP50: 3, lossPercent: 0 }, { ...idle, loadedRttP50: null, lossPercent: 100 }).verdict).toBe(
      'honoured',
    );
  });

  it('inconclusive: the load did not congest the path (< 10 ms queue, < 1 % loss)', () => {
    const j = judgePriority({ ...idle, loadedRttP50: 1.5, lossPercent: 0 }, { ...idle, loadedRttP50: 6, lossPercent: 0.5 });
    expect(j.verdict).toBe('inconclusive');
    expect(j.controlDelayMs).toBe(5);
  });
});

describe('DSCP names', () => {
  it('names and numbers both ways', () => {
    expect(['ef', 'EF', 'af41', 'af21', 'af11', 'cs0', 'cs6', 'le', 'va', '46', '0'].map(dscpFromName)).toEqual([
      46, 46, 34, 18, 10, 0, 48, 1, 44, 46, 0,
    ]);
    expect(dscpFromName('af51')).toBeUndefined();
    expect(dscpFromName('64')).toBeUndefined();
    expect(dscpName(46)).toBe('EF');
    expect(dscpName(13)).toBe('DSCP 13');
    expect(dscpLabel(10)).toBe('AF11 (10)');
  });
});

describe('qosClasses', () => {
  const site = (qos: string) =>
    parseSiteText(`version: 1\nsite: { name: t }\nplatform: { endpoints: [{ name: a, host: a.example, port: 1 }] }\n${qos}`, 'site.yaml', {
      env: {},
    }).site;

  it('defaults: EF, AF41, AF21 and CS0 as the control', () => {
    const c = qosClasses(site(''));
    expect(c.map((x) => [x.name, x.dscp, x.control])).toEqual([
      ['ef', 46, false],
      ['af41', 34, false],
      ['af21', 18, false],
      ['cs0', 0, true],
    ]);
  });

  it("a preset's recommended marks (Zoom's defaults), unless the site lists its own", () => {
    const zoom = (qos: string) =>
      qosClasses(parseSiteText(`version: 1\nsite: { name: t }\nplatform: { preset: zoom }\n${qos}`, 'site.yaml', { env: {} }).site);
    expect(zoom('').map((x) => [x.traffic, x.dscp, x.control])).toEqual([
      ['audio', 56, false],
      ['video', 40, false],
      ['screen-share', 40, false],
      ['default', 0, true],
    ]);
    expect(zoom('qos:\n  classes:\n    - { name: voice, dscp: 46 }\n').map((x) => x.dscp)).toEqual([46, 0]);
  });

  it("the site file's classes, with an unmarked control added when none is listed", () => {
    const c = qosClasses(site('qos:\n  classes:\n    - { name: voice, dscp: 46, traffic: audio }\n'));
    expect(c.map((x) => [x.name, x.dscp, x.control, x.pointer])).toEqual([
      ['voice', 46, false, '/qos/classes/0'],
      ['cs0', 0, true, undefined],
    ]);
  });
});
