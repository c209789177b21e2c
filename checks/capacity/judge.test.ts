// The capacity check's judge on fact fixtures: the README's worked example, without a network.

import { expect, it } from 'vitest';
import capacity, { type CapacityFacts } from './index.js';
import { CheckTester } from '../../test/helpers/check-tester.js';

const site = {
  version: 1,
  site: { name: 'branch' },
  platform: { endpoints: [{ name: 'r', host: 'r.example.test', port: 443 }] },
  demand: { personas: [{ name: 'x', users: 1, audio: 1 }] },
  network: { links: [{ name: 'internet', downMbps: 1, upMbps: 1 }] },
};

const demand: CapacityFacts['demand'] = {
  personas: [
    { name: 'office', users: 200, audio: 0.2, video: 0.1, screenShare: 0.05, meetings: 0.6 },
    { name: 'field', users: 45, audio: 0.3 },
  ],
};

function facts(down: number | undefined, up: number | undefined, over: Partial<CapacityFacts> = {}): CapacityFacts {
  return {
    demand,
    links: [{ name: 'internet', ...(down !== undefined ? { downMbps: down } : {}), ...(up !== undefined ? { upMbps: up } : {}) }],
    perDirection: { down: { declaredMbps: down ?? null, measuredMbps: null }, up: { declaredMbps: up ?? null, measuredMbps: null } },
    ...over,
  };
}

/** A primary link and a backup one: only the primary counts, the backup is judged on its own. */
function withBackup(primary: [number, number], backup: [number, number], role: 'primary' | 'aggregate' = 'primary'): CapacityFacts {
  return {
    demand,
    links: [
      { name: 'fibre', role, downMbps: primary[0], upMbps: primary[1] },
      { name: 'lte', role: 'backup', downMbps: backup[0], upMbps: backup[1] },
    ],
    perDirection: { down: { declaredMbps: primary[0], measuredMbps: null }, up: { declaredMbps: primary[1], measuredMbps: null } },
  };
}

const measured = (down: number, up: number): Partial<CapacityFacts> => ({
  measured: { downMbps: down, upMbps: up },
  perDirection: { down: { declaredMbps: 300, measuredMbps: down }, up: { declaredMbps: 200, measuredMbps: up } },
});

const tester = new CheckTester(capacity);

tester.run({
  valid: [
    {
      name: 'ample links',
      facts: facts(1000, 1000),
      site,
      status: 'pass',
      score: 1,
      measurements: { 'demand-down': 78.13, 'allowance-up': 300, 'concurrent-video-calls': 192 },
    },
    { name: 'minimum quality fits a smaller link', facts: facts(300, 200), site, options: { quality: 'minimum' }, status: 'pass' },
    { name: 'no capacity known in either direction: informative', facts: facts(undefined, undefined), site, status: 'info', score: null },
    {
      // Backup 1000 / 1000 → allowance 300 each way: the failover case fits too.
      name: 'a backup link that carries the demand alone',
      facts: withBackup([1000, 1000], [1000, 1000]),
      site,
      status: 'pass',
      score: 1,
      measurements: { 'allowance-down': 300, 'backup-headroom': 221.87, 'backup-allowance-up': 300 },
    },
    {
      // Backup 240 / 240 → allowance 72: down 78.132 needs 6.13 more (78.132 / 72 = 1.09 ≤ 1.5 → low);
      // up 66.132 fits. The main links fit, so the check passes with the failover finding visible.
      name: 'a backup link slightly short: a low finding, still a pass',
      facts: withBackup([1000, 1000], [240, 240]),
      site,
      status: 'pass',
      score: 0.9,
      findings: ['capacity.backup-short'],
      measurements: { 'backup-headroom': -6.13, 'backup-allowance-down': 72, 'capacity-headroom': 221.87 },
    },
    {
      name: "a larger real-time share in the facts' demand",
      facts: facts(300, 200, { demand: { ...demand, realtimeShare: 0.5 } }),
      site,
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'the README example: short upstream, tight downstream',
      facts: facts(300, 200),
      site,
      status: 'fail',
      score: 0.4,
      findings: ['capacity.short', 'capacity.tight'],
      measurements: {
        'capacity-headroom': -6.13,
        'demand-down': 78.13,
        'allowance-down': 90,
        'demand-up': 66.13,
        'allowance-up': 60,
        'concurrent-video-calls': 38,
      },
    },
    {
      name: 'the README example with a reflector measuring 150 / 50',
      facts: facts(300, 200, measured(150, 50)),
      site,
      status: 'fail',
      score: 0.1,
      findings: ['capacity.short', 'capacity.short'],
      measurements: { 'allowance-down': 45, 'concurrent-video-calls': 9 },
    },
    {
      // Backup 100 / 100 → allowance 30 against 78.132 / 66.132: short both ways, medium;
      // the main links (1000 / 1000) still carry the demand, so it only warns.
      name: 'a backup link far too small while the primary fits',
      facts: withBackup([1000, 1000], [100, 100]),
      site,
      status: 'warn',
      score: 0.7,
      findings: ['capacity.backup-short', 'capacity.backup-short'],
      measurements: { 'capacity-headroom': 221.87, 'backup-headroom': -48.13, 'backup-allowance-down': 30, 'backup-allowance-up': 30 },
    },
    {
      // The README example's 300 / 200 link plus a 100 / 100 backup: the backup is not added (it
      // was counted as 400 / 300 before link roles), so the upstream is still short by 6.13.
      name: 'a backup link is never added to the capacity',
      facts: withBackup([300, 200], [100, 100]),
      site,
      status: 'fail',
      score: 0.4,
      findings: ['capacity.short', 'capacity.tight', 'capacity.backup-short', 'capacity.backup-short'],
      measurements: { 'capacity-headroom': -6.13, 'allowance-down': 90, 'allowance-up': 60, 'backup-headroom': -48.13 },
    },
    {
      name: 'aggregate members are summed; the backup is judged apart',
      facts: {
        demand,
        links: [
          { name: 'bond-a', role: 'aggregate', downMbps: 150, upMbps: 100 },
          { name: 'bond-b', role: 'aggregate', downMbps: 150, upMbps: 100 },
          { name: 'lte', role: 'backup', downMbps: 100, upMbps: 100 },
        ],
        perDirection: { down: { declaredMbps: 300, measuredMbps: null }, up: { declaredMbps: 200, measuredMbps: null } },
      },
      site,
      status: 'fail',
      score: 0.4,
      findings: ['capacity.short', 'capacity.tight', 'capacity.backup-short', 'capacity.backup-short'],
      measurements: { 'capacity-headroom': -6.13, 'allowance-down': 90, 'backup-allowance-down': 30 },
    },
    {
      // No link carries traffic in normal operation: nothing to score, but the failover risk shows.
      name: 'every link a backup: informative, with the failover finding',
      facts: {
        demand,
        links: [{ name: 'lte', role: 'backup', downMbps: 100, upMbps: 100 }],
        perDirection: { down: { declaredMbps: null, measuredMbps: null }, up: { declaredMbps: null, measuredMbps: null } },
      },
      site,
      status: 'info',
      score: null,
      findings: ['capacity.backup-short', 'capacity.backup-short'],
      measurements: { 'backup-headroom': -48.13, 'backup-allowance-up': 30 },
    },
    {
      name: 'only the downstream rate declared',
      facts: facts(300, undefined),
      site,
      status: 'warn',
      score: 0.7,
      findings: ['capacity.tight'],
    },
    {
      name: 'best quality does not fit where recommended nearly does',
      facts: facts(300, 200),
      site,
      options: { quality: 'best' },
      status: 'fail',
      score: 0.1,
      findings: ['capacity.short', 'capacity.short'],
    },
  ],
});

it('the findings name the direction and the basis as phrases', () => {
  const v = tester.verify({ facts: facts(300, 200, measured(150, 50)), site, status: 'fail' }, false);
  expect(v.findings[0]!.message.params).toMatchObject({
    direction: { id: 'capacity.dir.down' },
    basis: { id: 'basis.min-of-both' },
    share: 30,
  });
});

it('present: per direction, measured and declared capacity against the allowance and the demand; the plan table and its notes', () => {
  const v = tester.verify({ facts: facts(300, 200, measured(150, 50)), site, status: 'fail' }, false);
  const [down, up, table, links, notes] = v.blocks!;
  expect(down).toEqual({
    kind: 'bars',
    title: { id: 'capacity.block.down' },
    unit: 'Mbit/s',
    bars: [
      { label: { id: 'capacity.bar.measured' }, value: 150, role: 'measured' },
      { label: { id: 'capacity.bar.declared' }, value: 300, role: 'capacity' },
      { label: { id: 'capacity.bar.allowance' }, value: 45, role: 'allowance' },
      { label: { id: 'capacity.bar.demand' }, value: 78.13, role: 'demand' },
    ],
  });
  expect(up).toMatchObject({ kind: 'bars', title: { id: 'capacity.block.up' } });
  expect(table).toMatchObject({ kind: 'table', title: { id: 'section.capacity' } });
  expect(table!.kind === 'table' && table!.rows[1]).toMatchObject({
    direction: { id: 'dir.up' },
    basis: { id: 'basis.min-of-both' },
    headroom: { value: -51.13, unit: 'Mbit/s' },
  });
  expect(links).toMatchObject({ kind: 'table', title: { id: 'section.links' } });
  expect(links!.kind === 'table' && links!.rows[0]).toMatchObject({ link: 'internet', role: { id: 'role.primary' } });
  // The model's notes, with the direction as a phrase of the plan's catalog.
  expect(notes!.kind === 'table' && notes!.rows.map((r) => r.note)).toContainEqual({
    id: 'note.measuredBelow',
    params: { direction: { id: 'dir.down' }, measured: 150, declared: 300 },
  });
});

it('the backup finding is low or medium, never high, and names the direction and the backup figures', () => {
  const low = tester.verify(
    { facts: withBackup([1000, 1000], [240, 240]), site, status: 'pass', findings: ['capacity.backup-short'] },
    true,
  );
  expect(low.findings[0]).toMatchObject({
    id: 'capacity.backup-short',
    severity: 'low',
    message: { params: { direction: { id: 'capacity.dir.down' }, short: 6.13, allowance: 72, capacity: 240, share: 30 } },
    remediation: { id: 'capacity.backup-short.fix', params: { calls: 46 } },
  });
  const medium = tester.verify({ facts: withBackup([1000, 1000], [100, 100]), site, status: 'warn' }, false);
  expect(medium.findings.map((f) => f.severity)).toEqual(['medium', 'medium']);
});

it('present: the links with their roles, and the capacity on backup alone', () => {
  const v = tester.verify({ facts: withBackup([1000, 1000], [100, 100]), site, status: 'warn' }, false);
  const titles = v.blocks!.map((b) => b.title);
  expect(titles).toEqual([
    { id: 'capacity.block.down' },
    { id: 'capacity.block.up' },
    { id: 'section.capacity' },
    { id: 'section.links' },
    { id: 'section.backup' },
    { id: 'capacity.block.notes' },
  ]);
  const links = v.blocks![3]!;
  expect(links.kind === 'table' && links.rows).toEqual([
    {
      link: 'fibre',
      role: { id: 'role.primary' },
      counted: { id: 'counted.yes' },
      down: { value: 1000, unit: 'Mbit/s' },
      up: { value: 1000, unit: 'Mbit/s' },
      share: { value: 30, unit: '%' },
    },
    {
      link: 'lte',
      role: { id: 'role.backup' },
      counted: { id: 'counted.failover' },
      down: { value: 100, unit: 'Mbit/s' },
      up: { value: 100, unit: 'Mbit/s' },
      share: { value: 30, unit: '%' },
    },
  ]);
  const backup = v.blocks![4]!;
  expect(backup.kind === 'table' && backup.rows[0]).toMatchObject({
    direction: { id: 'dir.down' },
    capacity: { value: 100, unit: 'Mbit/s' },
    allowance: { value: 30, unit: 'Mbit/s' },
    headroom: { value: -48.13, unit: 'Mbit/s' },
  });
  const notes = v.blocks![5]!;
  expect(notes.kind === 'table' && notes.rows.map((r) => r.note)).toContainEqual({ id: 'note.backupExcluded', params: { link: 'lte' } });
});

it('facts: a link role outside primary, backup and aggregate is refused', () => {
  const bad = withBackup([1000, 1000], [100, 100]);
  (bad.links[1] as { role: string }).role = 'standby';
  expect(() => tester.verify({ facts: bad, site, status: 'warn' }, false)).toThrow(/facts schema/);
});
