import { describe, expect, it } from 'vitest';
import {
  BANDWIDTH_KBPS,
  DEFAULT_REALTIME_SHARE,
  VIDEO_CALL_KBPS,
  assessCapacity,
  computeDemand,
  formatBackupLine,
  formatPlan,
  linkRole,
  toDemandSpec,
  type DemandSpec,
} from '../../src/capacity/demand.js';
import type { Link } from '../../src/site/types.js';

// Worked example, by hand (recommended quality, Teams rates in kbit/s):
//   one persona, 200 users: 10 % in audio, 5 % in video, all of it 1:1 (meetings 0), no sharing.
//   audio streams     = 200 × 0.10 = 20   → 20 × 58   =  1 160 kbit/s each way
//   1:1 video streams = 200 × 0.05 = 10   → 10 × 1500 = 15 000 kbit/s each way
//   demand            = 16 160 kbit/s = 16.16 Mbit/s up and 16.16 Mbit/s down
//   link 100/20 Mbit/s, real-time share 30 % → allowance 30 Mbit/s down, 6 Mbit/s up
//   headroom          = 30 − 16.16 = +13.84 down; 6 − 16.16 = −10.16 up → shortfall (uplink)
//   video calls       = floor(min(30 000, 6 000) / (1500 + 58)) = floor(3.85) = 3, limited by up
const office: DemandSpec = { personas: [{ name: 'office', users: 200, audio: 0.1, video: 0.05, meetings: 0 }] };
const link100: Link = { name: 'isp', kind: 'internet', downMbps: 100, upMbps: 20 };

describe('computeDemand', () => {
  it('reproduces the worked example', () => {
    const d = computeDemand(office);
    expect(d.quality).toBe('recommended');
    expect(d.streams).toEqual({ audio: 20, video1to1: 10, videoMeeting: 0, screenShare1to1: 0, screenShareMeeting: 0 });
    expect(d.upKbps).toBe(16160);
    expect(d.downKbps).toBe(16160);
    expect(d.perPersona).toEqual([{ name: 'office', users: 200, streams: d.streams, upKbps: 16160, downKbps: 16160 }]);
  });

  it('uses separate up/down rates for meeting video and models sharing as described', () => {
    // 100 users: video 0.1 all in meetings, screenShare 0.04 half in meetings, audio 0.2.
    //   audio 20 × 58 = 1160 each way
    //   meeting video 10: up 10 × 2500 = 25 000, down 10 × 4000 = 40 000
    //   share 1:1 2: up 2 × 1500 = 3000, down 0 (the viewer is not counted)
    //   share in meetings 2: up 2 × 2500 = 5000, down 2 × 2500 = 5000
    //   but meetings is 0.5 for both video and sharing, so video splits 5 / 5:
    //   1:1 video 5: 5 × 1500 = 7500 each way; meeting video 5: up 12 500, down 20 000
    //   up = 1160 + 7500 + 12 500 + 3000 + 5000 = 29 160; down = 1160 + 7500 + 20 000 + 0 + 5000 = 33 660
    const d = computeDemand({ personas: [{ name: 'mixed', users: 100, audio: 0.2, video: 0.1, screenShare: 0.04, meetings: 0.5 }] });
    expect(d.streams).toEqual({ audio: 20, video1to1: 5, videoMeeting: 5, screenShare1to1: 2, screenShareMeeting: 2 });
    expect(d.upKbps).toBe(29160);
    expect(d.downKbps).toBe(33660);
  });

  it('sums fractional users across personas before rounding, and rounds the totals up', () => {
    // 3 × 0.1 + 3 × 0.1 + 3 × 0.1 = 0.9 audio streams → 1 (rounding each persona down would give 0, up 3).
    const d = computeDemand({
      personas: [
        { name: 'a', users: 3, audio: 0.1, meetings: 0 },
        { name: 'b', users: 3, audio: 0.1, meetings: 0 },
        { name: 'c', users: 3, audio: 0.1, meetings: 0 },
      ],
    });
    expect(d.streams.audio).toBe(1);
    expect(d.perPersona.map((p) => p.streams.audio)).toEqual([0.30000000000000004, 0.30000000000000004, 0.30000000000000004]);
    expect(d.upKbps).toBe(58);
    // 12 users × 0.25 video = 3 exactly; 0.2 more user-streams round up to the next whole stream.
    expect(computeDemand({ personas: [{ name: 'v', users: 12, audio: 0.25, video: 0.25, meetings: 0 }] }).streams.video1to1).toBe(3);
    expect(computeDemand({ personas: [{ name: 'v', users: 13, audio: 0.25, video: 0.25, meetings: 0 }] }).streams.video1to1).toBe(4);
  });

  it('does not round floating-point noise up to an extra stream', () => {
    expect(100 * 0.07).toBeGreaterThan(7); // 7.000000000000001
    expect(computeDemand({ personas: [{ name: 'x', users: 100, audio: 0.07 }] }).streams.audio).toBe(7);
  });

  it('counts audio for every video caller and assumes meetings when not given', () => {
    const d = computeDemand({ personas: [{ name: 'p', users: 10, video: 0.5 }] });
    expect(d.streams.audio).toBe(5);
    expect(d.streams).toMatchObject({ video1to1: 0, videoMeeting: 5 });
    expect(d.messages.map((m) => m.id)).toEqual(['note.audioRaised', 'note.meetingsDefault']);
  });

  it('orders the quality levels minimum < recommended < best', () => {
    const spec: DemandSpec = { personas: [{ name: 'p', users: 500, audio: 0.2, video: 0.1, screenShare: 0.05, meetings: 0.6 }] };
    const [min, rec, best] = (['minimum', 'recommended', 'best'] as const).map((q) => computeDemand(spec, q));
    expect(min!.upKbps).toBeLessThan(rec!.upKbps);
    expect(rec!.upKbps).toBeLessThan(best!.upKbps);
    expect(min!.downKbps).toBeLessThan(rec!.downKbps);
    expect(rec!.downKbps).toBeLessThan(best!.downKbps);
    // The stream counts do not depend on the quality.
    expect(min!.streams).toEqual(best!.streams);
  });

  it('takes the quality from the demand section unless given', () => {
    expect(computeDemand({ ...office, quality: 'best' }).quality).toBe('best');
    expect(computeDemand({ ...office, quality: 'best' }, 'minimum').quality).toBe('minimum');
    // Worked example at minimum: 20 × 10 + 10 × 150 = 1700 kbit/s.
    expect(computeDemand(office, 'minimum').upKbps).toBe(1700);
  });

  it('handles no demand', () => {
    for (const d of [computeDemand(undefined), computeDemand({ personas: [] }), computeDemand({})]) {
      expect(d.upKbps).toBe(0);
      expect(d.downKbps).toBe(0);
      expect(d.perPersona).toEqual([]);
      expect(Object.values(d.streams)).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it('reads the loose site.demand record and rejects values the schema forbids', () => {
    const raw: Record<string, unknown> = { realtimeShare: 0.4, quality: 'best', personas: [{ name: 'x', users: 5, audio: 1 }] };
    expect(toDemandSpec(raw)).toEqual({ realtimeShare: 0.4, quality: 'best', personas: [{ name: 'x', users: 5, audio: 1 }] });
    expect(() => computeDemand({ personas: [{ name: 'x', users: 5, audio: 1.5 }] })).toThrow(RangeError);
    expect(() => computeDemand({ personas: [{ name: 'x', users: -1 }] })).toThrow(RangeError);
  });
});

describe('assessCapacity', () => {
  it('reproduces the worked example', () => {
    const a = assessCapacity({ demand: office, links: [link100] });
    expect(a.basis).toBe('declared');
    expect(a.perDirection.down).toMatchObject({
      declaredMbps: 100,
      capacityMbps: 100,
      basis: 'declared',
      realtimeShare: 0.3,
      shortfall: false,
    });
    expect(a.perDirection.down.allowanceMbps).toBeCloseTo(30, 10);
    expect(a.perDirection.up.allowanceMbps).toBeCloseTo(6, 10);
    expect(a.perDirection.down.demandMbps).toBeCloseTo(16.16, 10);
    expect(a.headroomMbps.down).toBeCloseTo(13.84, 10);
    expect(a.headroomMbps.up).toBeCloseTo(-10.16, 10);
    expect(a.perDirection.up.shortfall).toBe(true);
    expect(a.shortfall).toBe(true);
    expect(VIDEO_CALL_KBPS).toBe(1558);
    expect(a.concurrentVideoCalls).toEqual({ supported: 3, atRecommended: true, perCallKbps: 1558, limitedBy: 'up' });
  });

  it('uses the measured throughput when it is below the declared one', () => {
    const a = assessCapacity({
      demand: office,
      links: [{ name: 'fibre', downMbps: 1000, upMbps: 1000 }],
      measured: { downMbps: 200, upMbps: 100 },
    });
    expect(a.basis).toBe('min-of-both');
    expect(a.perDirection.down).toMatchObject({ declaredMbps: 1000, measuredMbps: 200, capacityMbps: 200, basis: 'min-of-both' });
    expect(a.perDirection.down.allowanceMbps).toBeCloseTo(60, 10);
    expect(a.perDirection.up.allowanceMbps).toBeCloseTo(30, 10);
    expect(a.notes.some((n) => n.includes('Measured down throughput 200 Mbit/s is below the declared 1000 Mbit/s'))).toBe(true);
    // 30 000 / 1558 = 19.26
    expect(a.concurrentVideoCalls?.supported).toBe(19);
  });

  it('keeps the declared figure when the measurement is higher, and uses a measurement alone', () => {
    const higher = assessCapacity({ demand: office, links: [link100], measured: { downMbps: 300, upMbps: 40 } });
    expect(higher.perDirection.down.capacityMbps).toBe(100);
    expect(higher.perDirection.up.capacityMbps).toBe(20);
    const alone = assessCapacity({ demand: office, links: [], measured: { downMbps: 50, upMbps: 10 } });
    expect(alone.basis).toBe('measured');
    expect(alone.perDirection.up).toMatchObject({ capacityMbps: 10, basis: 'measured', realtimeShare: DEFAULT_REALTIME_SHARE });
    expect(alone.perDirection.up.allowanceMbps).toBeCloseTo(3, 10);
  });

  it('sums several links and respects each link’s realtimeShare', () => {
    const links: Link[] = [
      { name: 'isp-a', downMbps: 100, upMbps: 20 }, // default 0.3 → 30 / 6
      { name: 'isp-b', downMbps: 50, upMbps: 50, realtimeShare: 0.5 }, // 25 / 25
    ];
    const a = assessCapacity({ demand: office, links });
    expect(a.perDirection.down.declaredMbps).toBe(150);
    expect(a.perDirection.up.declaredMbps).toBe(70);
    expect(a.perDirection.down.allowanceMbps).toBeCloseTo(55, 10);
    expect(a.perDirection.up.allowanceMbps).toBeCloseTo(31, 10);
    expect(a.perDirection.down.realtimeShare).toBeCloseTo(55 / 150, 10);
    expect(a.headroomMbps.up).toBeCloseTo(31 - 16.16, 10);
    expect(a.shortfall).toBe(false);
    // A measurement scales the capacity-weighted share: 75 Mbit/s measured down × 55/150.
    const m = assessCapacity({ demand: office, links, measured: { downMbps: 75 } });
    expect(m.perDirection.down.allowanceMbps).toBeCloseTo(27.5, 10);
    expect(m.perDirection.up.basis).toBe('declared');
  });

  it('uses demand.realtimeShare for links without their own', () => {
    const a = assessCapacity({
      demand: { ...office, realtimeShare: 0.5 },
      links: [link100, { name: 'b', downMbps: 100, upMbps: 100, realtimeShare: 0.1 }],
    });
    expect(a.perDirection.down.allowanceMbps).toBeCloseTo(50 + 10, 10);
    expect(a.perDirection.up.allowanceMbps).toBeCloseTo(10 + 10, 10);
  });

  it('gives negative headroom when short, and quality changes the verdict', () => {
    const links = [{ name: 'small', downMbps: 50, upMbps: 50 }]; // allowance 15 / 15
    expect(assessCapacity({ demand: office, links, quality: 'minimum' }).shortfall).toBe(false); // 1.7 Mbit/s
    const rec = assessCapacity({ demand: office, links, quality: 'recommended' });
    expect(rec.shortfall).toBe(true); // 16.16 > 15
    expect(rec.headroomMbps.down).toBeCloseTo(15 - 16.16, 10);
    expect(rec.headroomMbps.down).toBeLessThan(0);
    const best = assessCapacity({ demand: office, links, quality: 'best' });
    expect(best.headroomMbps.down!).toBeLessThan(rec.headroomMbps.down!);
    // The video-call count is always at the recommended rate.
    expect(best.concurrentVideoCalls?.supported).toBe(rec.concurrentVideoCalls?.supported);
  });

  it('handles no links and no demand without NaN', () => {
    const a = assessCapacity({ links: [] });
    expect(a).toMatchObject({
      demand: null,
      headroomMbps: { down: null, up: null },
      shortfall: false,
      concurrentVideoCalls: null,
      basis: null,
    });
    expect(a.perDirection.down).toMatchObject({
      capacityMbps: null,
      allowanceMbps: null,
      demandMbps: null,
      headroomMbps: null,
      basis: null,
    });
    expect(a.messages.map((m) => m.id)).toEqual(['note.noDemand', 'note.noLinks']);
    expect(JSON.stringify(a)).not.toMatch(/NaN|null,"realtimeShare":null/);

    const noDemand = assessCapacity({ demand: { personas: [] }, links: [link100] });
    expect(noDemand.demand).toBeNull();
    expect(noDemand.headroomMbps).toEqual({ down: null, up: null });
    expect(noDemand.concurrentVideoCalls?.supported).toBe(3);

    const noLinks = assessCapacity({ demand: office, links: [] });
    expect(noLinks.perDirection.up.demandMbps).toBeCloseTo(16.16, 10);
    expect(noLinks.headroomMbps.up).toBeNull();
    expect(noLinks.shortfall).toBe(false);
  });

  it('notes links missing a direction and counts calls on the known one', () => {
    const a = assessCapacity({ demand: office, links: [{ name: 'down-only', downMbps: 100 }] });
    expect(a.perDirection.up.capacityMbps).toBeNull();
    expect(a.concurrentVideoCalls).toMatchObject({ supported: 19, limitedBy: 'down' });
    expect(a.messages.map((m) => m.id)).toEqual(expect.arrayContaining(['note.linkMissing', 'note.noCapacity', 'note.callsOneDirection']));
    expect(a.notes).toContain('Link down-only declares no up capacity; the up total may be understated.');
  });

  it('names directions as phrases of the plan, never as text to look up', () => {
    const a = assessCapacity({ demand: office, links: [{ name: 'down-only', downMbps: 100 }] });
    expect(a.messages.find((m) => m.id === 'note.linkMissing')!.params).toEqual({ link: 'down-only', direction: { id: 'dir.up' } });
    expect(JSON.stringify(a.messages)).not.toContain('@');
    expect(formatPlan(a, 'zh-CN')).toContain('链路 down-only 未声明上行带宽；上行合计可能偏低。');
  });

  it('ignores a measurement that is not a positive number', () => {
    const a = assessCapacity({ demand: office, links: [link100], measured: { downMbps: Number.NaN, upMbps: 0 } });
    expect(a.basis).toBe('declared');
    expect(a.perDirection.down.capacityMbps).toBe(100);
    expect(a.messages.filter((m) => m.id === 'note.measuredInvalid')).toHaveLength(2);
  });

  it('says peakConcurrency is not applied', () => {
    const a = assessCapacity({ demand: { ...office, peakConcurrency: 0.5 }, links: [link100] });
    expect(a.perDirection.up.demandMbps).toBeCloseTo(16.16, 10);
    expect(a.messages.map((m) => m.id)).toContain('note.peakConcurrency');
  });
});

describe('link roles', () => {
  // office: 16.16 Mbit/s each way (the worked example above).
  const backup: Link = { name: 'lte', kind: 'lte', role: 'backup', downMbps: 100, upMbps: 40 };

  it('sums primary links and leaves a backup out (200 + 100 backup is 200, not 300)', () => {
    const a = assessCapacity({
      demand: office,
      links: [
        { name: 'fibre', downMbps: 200, upMbps: 50 },
        { ...backup, downMbps: 100 },
      ],
    });
    expect(a.perDirection.down.declaredMbps).toBe(200);
    expect(a.perDirection.up.declaredMbps).toBe(50);
    expect(a.perDirection.down.allowanceMbps).toBeCloseTo(60, 10);
    expect(a.messages).toContainEqual({ id: 'note.backupExcluded', params: { link: 'lte' } });
    expect(a.links.map((l) => [l.name, l.role, l.counted])).toEqual([
      ['fibre', 'primary', true],
      ['lte', 'backup', false],
    ]);
  });

  it('primary + backup: the main shortfall counts the primary only; the backup is assessed alone', () => {
    // Counting the backup would give 200 / 60 → allowance 60 / 18 and an upstream that fits (+1.84).
    // Primary 100 / 20 → allowance 30 / 6: up short by 10.16.
    // Backup alone 100 / 40 → allowance 30 / 12: down +13.84, up 12 − 16.16 = −4.16; ⌊12 000 / 1558⌋ = 7 calls.
    const a = assessCapacity({ demand: office, links: [link100, backup] });
    expect(a.perDirection.up.declaredMbps).toBe(20);
    expect(a.headroomMbps.up).toBeCloseTo(-10.16, 10);
    expect(a.shortfall).toBe(true);
    const b = a.backupOnly!;
    expect(b.links).toEqual(['lte']);
    expect(b.perDirection.down).toMatchObject({ capacityMbps: 100, realtimeShare: 0.3, shortfall: false });
    expect(b.perDirection.up.allowanceMbps).toBeCloseTo(12, 10);
    expect(b.perDirection.up.demandMbps).toBeCloseTo(16.16, 10);
    expect(b.headroomMbps.down).toBeCloseTo(13.84, 10);
    expect(b.headroomMbps.up).toBeCloseTo(-4.16, 10);
    expect(b.shortfall).toBe(true);
    expect(b.concurrentVideoCalls).toBe(7);
  });

  it('a backup shortfall is never the main shortfall', () => {
    const a = assessCapacity({ demand: office, links: [{ name: 'fibre', downMbps: 1000, upMbps: 1000 }, backup] });
    expect(a.shortfall).toBe(false);
    expect(a.backupOnly!.shortfall).toBe(true);
  });

  it('sums aggregate members with the primary links, each with its own share', () => {
    const a = assessCapacity({
      demand: office,
      links: [
        { name: 'bond-a', role: 'aggregate', downMbps: 50, upMbps: 10 },
        { name: 'bond-b', role: 'aggregate', downMbps: 50, upMbps: 10, realtimeShare: 0.5 },
        { name: 'mpls', role: 'primary', downMbps: 20, upMbps: 20 },
      ],
    });
    // down 50 × 0.3 + 50 × 0.5 + 20 × 0.3 = 15 + 25 + 6 = 46 of 120; up 3 + 5 + 6 = 14 of 40.
    expect(a.perDirection.down.declaredMbps).toBe(120);
    expect(a.perDirection.up.declaredMbps).toBe(40);
    expect(a.perDirection.down.allowanceMbps).toBeCloseTo(46, 10);
    expect(a.perDirection.up.allowanceMbps).toBeCloseTo(14, 10);
    expect(a.backupOnly).toBeNull();
    expect(a.links.every((l) => l.counted)).toBe(true);
  });

  it('every link a backup: no main capacity, only the capacity on backup alone', () => {
    const a = assessCapacity({ demand: office, links: [backup, { name: 'dsl', role: 'backup', downMbps: 20, upMbps: 10 }] });
    expect(a.perDirection.down).toMatchObject({ declaredMbps: null, capacityMbps: null, allowanceMbps: null, headroomMbps: null });
    expect(a.shortfall).toBe(false);
    expect(a.concurrentVideoCalls).toBeNull();
    const ids = a.messages.map((m) => m.id);
    expect(ids).toContain('note.allBackup');
    expect(ids).not.toContain('note.noCapacity');
    expect(ids).not.toContain('note.backupExcluded');
    // Backups together: 120 / 50 → allowance 36 / 15; up 15 − 16.16 = −1.16.
    expect(a.backupOnly!.perDirection.down.capacityMbps).toBe(120);
    expect(a.backupOnly!.headroomMbps.up).toBeCloseTo(-1.16, 10);
    expect(a.backupOnly!.shortfall).toBe(true);
    // A measurement is of the path in use: it serves as the main capacity, not the backup's.
    const m = assessCapacity({ demand: office, links: [backup], measured: { downMbps: 80, upMbps: 80 } });
    expect(m.perDirection.up).toMatchObject({ capacityMbps: 80, basis: 'measured' });
    expect(m.backupOnly!.perDirection.up.capacityMbps).toBe(40);
  });

  it('links without a role are all primary, as before', () => {
    const links: Link[] = [
      { name: 'isp-a', downMbps: 100, upMbps: 20 },
      { name: 'isp-b', downMbps: 50, upMbps: 50 },
    ];
    const plain = assessCapacity({ demand: office, links });
    const explicit = assessCapacity({ demand: office, links: links.map((l) => ({ ...l, role: 'primary' as const })) });
    expect(plain.perDirection).toEqual(explicit.perDirection);
    expect(plain.perDirection.down.declaredMbps).toBe(150);
    expect(plain.backupOnly).toBeNull();
    expect(plain.links.map((l) => l.role)).toEqual(['primary', 'primary']);
    expect(linkRole({})).toBe('primary');
    expect(linkRole({ role: 'aggregate' })).toBe('aggregate');
  });

  it('notes a backup link without a rate in one direction', () => {
    const a = assessCapacity({ demand: office, links: [link100, { name: 'lte', role: 'backup', downMbps: 500 }] });
    expect(a.messages).toContainEqual({ id: 'note.backupLinkMissing', params: { link: 'lte', direction: { id: 'dir.up' } } });
    expect(a.messages.filter((m) => m.id === 'note.linkMissing')).toEqual([]);
    expect(a.backupOnly!.perDirection.up.capacityMbps).toBeNull();
    expect(formatBackupLine(a)).toBe('On the backup link alone: cannot tell whether demand fits (demand or backup capacity is unknown).');
  });

  it('plan: a role column and the backup-only line, in English and Chinese', () => {
    const a = assessCapacity({ demand: office, links: [link100, backup] });
    const en = formatPlan(a, 'en');
    expect(en).toMatch(/Link\s+Role\s+Counted\s+Down Mbit\/s\s+Up Mbit\/s\s+Real-time share/);
    expect(en).toMatch(/isp\s+primary\s+yes\s+100\.0\s+20\.0\s+30 %/);
    expect(en).toMatch(/lte\s+backup\s+failover only\s+100\.0\s+40\.0\s+30 %/);
    expect(en).toContain('On the backup links alone (when the primary fails)');
    expect(en).toMatch(/up\s+40\.0\s+30 %\s+12\.0\s+16\.2\s+-4\.2/);
    expect(en).toContain('On the backup link alone, real-time demand exceeds the allowance by 4.2 Mbit/s up.');
    expect(en).toContain('SHORTFALL: real-time demand exceeds the allowance (up).');
    expect(en).not.toMatch(/NaN|undefined|\{\w+\}/);
    const zh = formatPlan(a, 'zh-CN');
    expect(zh).toMatch(/lte\s+备份\s+仅故障切换时/);
    expect(zh).toContain('仅靠备份链路时，实时媒体需求超出配额：上行 4.2 Mbit/s。');
    expect(zh).not.toMatch(/NaN|undefined|\{\w+\}|failover|backup/);
    const fits = assessCapacity({ demand: office, links: [link100, { ...backup, downMbps: 1000, upMbps: 1000 }] });
    expect(formatPlan(fits, 'en')).toContain('On the backup link alone, real-time demand fits within the allowance.');
    // Without a backup link there is no failover section.
    expect(formatPlan(assessCapacity({ demand: office, links: [link100] }), 'en')).not.toContain('backup');
  });
});

describe('formatPlan', () => {
  const result = assessCapacity({ demand: office, links: [link100] });

  it('renders the plan in English', () => {
    const text = formatPlan(result, 'en');
    expect(text).toContain('Real-time media plan (quality: recommended)');
    expect(text).toMatch(/office\s+200\s+20\s+10\s+0\s+0\s+0\s+16\.2\s+16\.2/);
    expect(text).toMatch(/Total \(rounded up\)\s+200\s+20\s+10/);
    expect(text).toMatch(/down\s+100\.0\s+declared\s+30 %\s+30\.0\s+16\.2\s+\+13\.8/);
    expect(text).toMatch(/up\s+20\.0\s+declared\s+30 %\s+6\.0\s+16\.2\s+-10\.2/);
    expect(text).toContain('SHORTFALL: real-time demand exceeds the allowance (up).');
    expect(text).toContain('1558 kbit/s each way incl. audio): 3');
    expect(text).toContain('\nNotes:\n');
    expect(text).toContain(BANDWIDTH_KBPS.source);
    expect(text).not.toMatch(/NaN|undefined|\{\w+\}/);
  });

  it('renders the plan in Simplified Chinese', () => {
    const text = formatPlan(result, 'zh-CN');
    expect(text).toContain('实时媒体容量规划（质量档位：推荐）');
    expect(text).toContain('不足：实时媒体需求超出配额（上行）。');
    expect(text).toMatch(/上行\s+20\.0\s+声明值/);
    expect(text).toContain('\n说明：\n');
    const both = formatPlan(assessCapacity({ demand: office, links: [{ name: 'tiny', downMbps: 10, upMbps: 10 }] }), 'zh-CN');
    expect(both).toContain('（下行、上行）');
    expect(text).not.toMatch(/NaN|undefined|\{\w+\}|SHORTFALL|Persona/);
  });

  it('renders empty inputs', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const text = formatPlan(assessCapacity({ links: [] }), lang);
      expect(text).not.toMatch(/NaN|undefined|\{\w+\}/);
      expect(text).toContain('—');
    }
    const en = formatPlan(assessCapacity({ links: [] }), 'en');
    expect(en).toContain('No demand described');
    expect(en).toContain('Cannot tell whether demand fits');
    expect(en).toContain('unknown (no capacity known)');
  });

  it('aligns CJK columns by display width', () => {
    const text = formatPlan(
      assessCapacity({ demand: { personas: [{ name: '研发', users: 10, audio: 0.5, meetings: 0 }] }, links: [link100] }),
      'zh-CN',
    );
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('用户类型'));
    const rule = lines[lines.indexOf(header!) + 1];
    expect(header).toBeDefined();
    expect(rule).toMatch(/^-+( +-+)+$/);
  });
});
