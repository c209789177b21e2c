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
  const [down, up, table, notes] = v.blocks!;
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
  // The model's notes, with the direction as a phrase of the plan's catalog.
  expect(notes!.kind === 'table' && notes!.rows.map((r) => r.note)).toContainEqual({
    id: 'note.measuredBelow',
    params: { direction: { id: 'dir.down' }, measured: 150, declared: 300 },
  });
});
