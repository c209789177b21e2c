import { defineCheck, type Block, type Finding, type Measurement } from '../../src/plugin-api.js';
import {
  assessCapacity,
  DIRECTIONS,
  LINK_ROLES,
  planMessages,
  toDemandSpec,
  type CapacityAssessment,
  type DemandSpec,
  type Direction,
} from '../../src/capacity/demand.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFailureOf } from '../../src/net/path-messages.js';
import { errorMessage } from '../../src/errors.js';
import { throughputOnce } from '../../src/probe/context.js';
import type { Link, Site } from '../../src/site/types.js';
import { bandwidthFromCatalog } from '../../src/capacity/catalog-bandwidth.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    // The plan's own phrases (`siteready plan`): notes, directions, bases, column labels.
    ...planMessages.en,
    'capacity.short':
      'At peak, real-time media needs {demand} Mbit/s {direction} but may use {allowance} Mbit/s ({share} % of {capacity} Mbit/s, {basis}): {short} Mbit/s short.',
    'capacity.short.fix':
      'Add capacity, raise the share real-time media may use (with QoS so it is protected), or lower video quality; {calls} concurrent 1:1 video calls fit today.',
    'capacity.dir.down': 'down',
    'capacity.dir.up': 'up',
    'capacity.backup-short':
      'On the backup link alone (when the primary fails), real-time demand exceeds the allowance by {short} Mbit/s {direction}: {demand} Mbit/s needed, {allowance} Mbit/s allowed ({share} % of {capacity} Mbit/s).',
    'capacity.backup-short.fix':
      'Size the backup link for the real-time media that must survive a failover, or plan to lower video quality (or fall back to audio) while on it; {calls} concurrent 1:1 video calls fit on backup.',
    'capacity.tight': 'Headroom {direction} is only {headroom} Mbit/s ({percent} % of the media allowance).',
    'capacity.tight.fix': 'Demand grows with adoption: plan capacity before the rollout reaches every persona.',
    'capacity.block.down': 'Download: capacity against real-time demand',
    'capacity.block.up': 'Upload: capacity against real-time demand',
    'capacity.bar.measured': 'measured (TCP)',
    'capacity.bar.declared': 'declared',
    'capacity.bar.allowance': 'real-time allowance',
    'capacity.bar.demand': 'peak real-time demand',
    'capacity.block.notes': 'Notes',
    'capacity.col.note': 'Note',
  },
  'zh-CN': {
    ...planMessages['zh-CN'],
    'capacity.short':
      '高峰时实时媒体{direction}需要 {demand} Mbit/s，但可用 {allowance} Mbit/s（{capacity} Mbit/s 的 {share}%，{basis}）：缺口 {short} Mbit/s。',
    'capacity.short.fix': '扩容、提高实时媒体可用比例（并配合 QoS 保护），或降低视频质量；目前可容纳 {calls} 路并发一对一视频通话。',
    'capacity.dir.down': '下行',
    'capacity.dir.up': '上行',
    'capacity.backup-short':
      '仅靠备份链路时（主链路故障），实时媒体{direction}需求超出配额 {short} Mbit/s：需要 {demand} Mbit/s，配额 {allowance} Mbit/s（{capacity} Mbit/s 的 {share}%）。',
    'capacity.backup-short.fix':
      '按故障切换时必须保住的实时媒体规划备份链路带宽，或计划在备份链路上降低视频质量（或改用纯音频）；备份链路目前可容纳 {calls} 路并发一对一视频通话。',
    'capacity.tight': '{direction}余量仅 {headroom} Mbit/s（占媒体可用带宽的 {percent}%）。',
    'capacity.tight.fix': '需求会随推广增长：在推广覆盖所有用户群之前规划容量。',
    'capacity.block.down': '下行：容量与实时媒体需求',
    'capacity.block.up': '上行：容量与实时媒体需求',
    'capacity.bar.measured': '实测（TCP）',
    'capacity.bar.declared': '声明值',
    'capacity.bar.allowance': '实时媒体配额',
    'capacity.bar.demand': '高峰实时需求',
    'capacity.block.notes': '说明',
    'capacity.col.note': '说明',
  },
};

/** A measurement that did not happen: the reflector's failure (classification, code) or another error. */
export interface MeasureFailure {
  message: string;
  classification?: string;
  code?: string;
}

/** A link as declared: its role, its rates and the share real-time media may use of it. */
export type CapacityLink = Pick<Link, 'name' | 'role' | 'downMbps' | 'upMbps' | 'realtimeShare'>;

/**
 * What the plan is computed from: the site's demand and links as they were when measured, and the
 * reflector's TCP goodput. The assessment itself (allowance, demand, headroom) is the judge's.
 */
export interface CapacityFacts {
  demand: DemandSpec;
  links: CapacityLink[];
  /** Measured TCP goodput per direction, Mbit/s (with a reflector and `useMeasured`). */
  measured?: { downMbps?: number; upMbps?: number };
  /** Why a direction could not be measured: the declared rates serve for it. */
  measureFailures?: Partial<Record<Direction, MeasureFailure>>;
  /** The rates per direction, declared (Σ of the primary and aggregate links) and measured, Mbit/s; null when unknown. */
  perDirection: Record<Direction, { declaredMbps: number | null; measuredMbps: number | null }>;
}

const share = { type: 'number', minimum: 0, maximum: 1 } as const;
const mbps = { type: 'number', minimum: 0 } as const;
const nullableMbps = { type: ['number', 'null'], minimum: 0 } as const;
const failureSchema = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' }, classification: { type: 'string' }, code: { type: 'string' } },
} as const;
const rates = {
  type: 'object',
  required: ['declaredMbps', 'measuredMbps'],
  properties: { declaredMbps: nullableMbps, measuredMbps: nullableMbps },
} as const;
const factsSchema = {
  type: 'object',
  required: ['demand', 'links', 'perDirection'],
  properties: {
    demand: {
      type: 'object',
      required: ['personas'],
      properties: {
        peakConcurrency: share,
        realtimeShare: share,
        quality: { enum: ['minimum', 'recommended', 'best'] },
        personas: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'users'],
            properties: {
              name: { type: 'string' },
              users: { type: 'number', minimum: 0 },
              audio: share,
              video: share,
              screenShare: share,
              meetings: share,
            },
          },
        },
      },
    },
    links: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, role: { enum: LINK_ROLES }, downMbps: mbps, upMbps: mbps, realtimeShare: share },
      },
    },
    measured: { type: 'object', properties: { downMbps: { type: 'number' }, upMbps: { type: 'number' } } },
    measureFailures: { type: 'object', additionalProperties: false, properties: { down: failureSchema, up: failureSchema } },
    perDirection: { type: 'object', required: ['down', 'up'], properties: { down: rates, up: rates } },
  },
} as const;

/** Peak real-time demand from the site's personas vs the link's media allowance. */
export default defineCheck<Options, CapacityFacts>({
  ...planning,
  facts: { version: 2, schema: factsSchema },
  messages,

  async measure(ctx) {
    const links: CapacityLink[] = ctx.site.network.links.map((l) => ({
      name: l.name,
      ...(l.role !== undefined ? { role: l.role } : {}),
      ...(l.downMbps !== undefined ? { downMbps: l.downMbps } : {}),
      ...(l.upMbps !== undefined ? { upMbps: l.upMbps } : {}),
      ...(l.realtimeShare !== undefined ? { realtimeShare: l.realtimeShare } : {}),
    }));
    const facts: CapacityFacts = { demand: toDemandSpec(ctx.site.demand)!, links, perDirection: { down: rates0(), up: rates0() } };
    if (ctx.options.useMeasured && ctx.site.probe) {
      // The throughput check's own measurement (shared artifact); when it cannot run, declared rates are used.
      const t = (ctx.site.checks.throughput ?? {}) as { durationMs?: number; omitMs?: number; streams?: number };
      const o = { durationMs: t.durationMs ?? 10000, omitMs: t.omitMs ?? 1000, streams: t.streams ?? 4 };
      const measured: NonNullable<CapacityFacts['measured']> = {};
      const failures: NonNullable<CapacityFacts['measureFailures']> = {};
      // One direction at a time: a measurement must not share the link with another.
      for (const d of DIRECTIONS) {
        try {
          measured[d === 'down' ? 'downMbps' : 'upMbps'] = (await throughputOnce(ctx, d, 'tcp', o)).mbps;
        } catch (err) {
          // The throughput check reports the reflector; here a failed measurement only means "declared rates".
          if (ctx.signal.aborted) throw err;
          failures[d] = measureFailure(err);
        }
      }
      facts.measured = measured;
      if (Object.keys(failures).length) facts.measureFailures = failures;
    }
    const a = assessCapacity({ demand: facts.demand, links, ...(facts.measured ? { measured: facts.measured } : {}) });
    for (const d of DIRECTIONS)
      facts.perDirection[d] = { declaredMbps: a.perDirection[d].declaredMbps, measuredMbps: a.perDirection[d].measuredMbps };
    return facts;
  },

  judge(facts, { options, site }) {
    const a = assess(facts, options, site);
    const backup = judgeBackup(a);
    const headrooms = DIRECTIONS.map((d) => a.headroomMbps[d]).filter((h): h is number => h !== null);
    if (!headrooms.length) {
      return backup.findings.length || backup.measurements.length
        ? { score: null, measurements: backup.measurements, findings: backup.findings }
        : { score: null };
    }
    const findings: Finding[] = [];
    let score = backup.score;
    for (const d of DIRECTIONS) {
      const p = a.perDirection[d];
      if (p.headroomMbps === null || p.allowanceMbps === null || p.demandMbps === null) continue;
      if (p.headroomMbps < 0) {
        score = Math.min(score, p.allowanceMbps > 0 && p.demandMbps / p.allowanceMbps <= 1.5 ? 0.4 : 0.1);
        findings.push({
          id: 'capacity.short',
          severity: 'high',
          message: {
            id: 'capacity.short',
            params: {
              direction: { id: `capacity.dir.${d}` },
              demand: r2(p.demandMbps),
              allowance: r2(p.allowanceMbps),
              share: Math.round(p.realtimeShare * 100),
              capacity: r2(p.capacityMbps ?? 0),
              basis: p.basis ? { id: `basis.${p.basis}` } : '-',
              short: r2(-p.headroomMbps),
            },
          },
          remediation: { id: 'capacity.short.fix', params: { calls: a.concurrentVideoCalls?.supported ?? 0 } },
        });
      } else if (p.allowanceMbps > 0 && p.headroomMbps < 0.2 * p.allowanceMbps) {
        score = Math.min(score, 0.7);
        findings.push({
          id: 'capacity.tight',
          severity: 'medium',
          message: {
            id: 'capacity.tight',
            params: {
              direction: { id: `capacity.dir.${d}` },
              headroom: r2(p.headroomMbps),
              percent: Math.round((100 * p.headroomMbps) / p.allowanceMbps),
            },
          },
          remediation: { id: 'capacity.tight.fix' },
        });
      }
    }
    const measurements: Measurement[] = [
      {
        id: 'capacity-headroom',
        value: r2(Math.min(...headrooms)),
        unit: 'Mbit/s',
        threshold: {
          min: 0,
          source: `Teams bandwidth table, ${Math.round(100 * (a.perDirection.down.realtimeShare ?? 0.3))} % real-time share`,
        },
      },
      ...DIRECTIONS.flatMap((d) => {
        const p = a.perDirection[d];
        return [
          ...(p.demandMbps !== null ? [{ id: `demand-${d}`, value: r2(p.demandMbps), unit: 'Mbit/s' }] : []),
          ...(p.allowanceMbps !== null ? [{ id: `allowance-${d}`, value: r2(p.allowanceMbps), unit: 'Mbit/s' }] : []),
        ];
      }),
      ...(a.concurrentVideoCalls ? [{ id: 'concurrent-video-calls', value: a.concurrentVideoCalls.supported, unit: 'count' }] : []),
      ...backup.measurements,
    ];
    return { score, measurements, findings: [...findings, ...backup.findings] };
  },

  present(facts, { options, site }) {
    const a = assess(facts, options, site);
    const blocks: Block[] = [];
    for (const d of DIRECTIONS) {
      const p = a.perDirection[d];
      const bars = [
        ...(p.measuredMbps !== null
          ? [{ label: { id: 'capacity.bar.measured' }, value: r2(p.measuredMbps), role: 'measured' as const }]
          : []),
        ...(p.declaredMbps !== null
          ? [{ label: { id: 'capacity.bar.declared' }, value: r2(p.declaredMbps), role: 'capacity' as const }]
          : []),
        ...(p.allowanceMbps !== null
          ? [{ label: { id: 'capacity.bar.allowance' }, value: r2(p.allowanceMbps), role: 'allowance' as const }]
          : []),
        ...(p.demandMbps !== null ? [{ label: { id: 'capacity.bar.demand' }, value: r2(p.demandMbps), role: 'demand' as const }] : []),
      ];
      if (bars.length) blocks.push({ kind: 'bars', title: { id: `capacity.block.${d}` }, unit: 'Mbit/s', bars });
    }
    const num = (x: number | null) => (x === null ? null : { value: r2(x), unit: 'Mbit/s' });
    blocks.push({
      kind: 'table',
      title: { id: 'section.capacity' },
      columns: [
        { key: 'direction', label: { id: 'col.direction' } },
        { key: 'capacity', label: { id: 'col.capacity' }, numeric: true },
        { key: 'basis', label: { id: 'col.basis' } },
        { key: 'share', label: { id: 'col.share' }, numeric: true },
        { key: 'allowance', label: { id: 'col.allowance' }, numeric: true },
        { key: 'demand', label: { id: 'col.demand' }, numeric: true },
        { key: 'headroom', label: { id: 'col.headroom' }, numeric: true },
      ],
      rows: DIRECTIONS.map((d) => {
        const p = a.perDirection[d];
        return {
          direction: { id: `dir.${d}` },
          capacity: num(p.capacityMbps),
          basis: p.basis ? { id: `basis.${p.basis}` } : null,
          share: { value: Math.round(p.realtimeShare * 1000) / 10, unit: '%' },
          allowance: num(p.allowanceMbps),
          demand: num(p.demandMbps),
          headroom: num(p.headroomMbps),
        };
      }),
    });
    if (a.links.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'section.links' },
        columns: [
          { key: 'link', label: { id: 'col.link' } },
          { key: 'role', label: { id: 'col.role' } },
          { key: 'counted', label: { id: 'col.counted' } },
          { key: 'down', label: { id: 'col.down' }, numeric: true },
          { key: 'up', label: { id: 'col.up' }, numeric: true },
          { key: 'share', label: { id: 'col.share' }, numeric: true },
        ],
        rows: a.links.map((l) => ({
          link: l.name,
          role: { id: `role.${l.role}` },
          counted: { id: l.counted ? 'counted.yes' : 'counted.failover' },
          down: num(l.downMbps),
          up: num(l.upMbps),
          share: { value: Math.round(l.realtimeShare * 1000) / 10, unit: '%' },
        })),
      });
    }
    const b = a.backupOnly;
    if (b) {
      blocks.push({
        kind: 'table',
        title: { id: 'section.backup' },
        columns: [
          { key: 'direction', label: { id: 'col.direction' } },
          { key: 'capacity', label: { id: 'col.capacity' }, numeric: true },
          { key: 'share', label: { id: 'col.share' }, numeric: true },
          { key: 'allowance', label: { id: 'col.allowance' }, numeric: true },
          { key: 'demand', label: { id: 'col.demand' }, numeric: true },
          { key: 'headroom', label: { id: 'col.headroom' }, numeric: true },
        ],
        rows: DIRECTIONS.map((d) => {
          const p = b.perDirection[d];
          return {
            direction: { id: `dir.${d}` },
            capacity: num(p.capacityMbps),
            share: { value: Math.round(p.realtimeShare * 1000) / 10, unit: '%' },
            allowance: num(p.allowanceMbps),
            demand: num(p.demandMbps),
            headroom: num(p.headroomMbps),
          };
        }),
      });
    }
    if (a.messages.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'capacity.block.notes' },
        columns: [{ key: 'note', label: { id: 'capacity.col.note' } }],
        rows: a.messages.map((m) => ({ note: m })),
      });
    }
    return blocks;
  },
});

function measureFailure(err: unknown): MeasureFailure {
  if (err instanceof PathError || err instanceof DnsLookupError) {
    const f = pathFailureOf(err);
    return { message: f.message, classification: f.classification, ...(f.code ? { code: f.code } : {}) };
  }
  return { message: errorMessage(err) };
}

function rates0(): { declaredMbps: number | null; measuredMbps: number | null } {
  return { declaredMbps: null, measuredMbps: null };
}

/**
 * The plan on the facts: quality from the options, else the demand's own, else recommended; the
 * per-stream bandwidth of the site's platform catalog where it publishes some, else Teams'.
 */
function assess(facts: CapacityFacts, options: Options, site: Site): CapacityAssessment {
  const quality = options.quality ?? facts.demand.quality ?? 'recommended';
  const bandwidth = bandwidthFromCatalog(site.platform.catalogs?.find((c) => c.id === site.platform.preset));
  return assessCapacity({
    demand: facts.demand,
    links: facts.links,
    ...(facts.measured ? { measured: facts.measured } : {}),
    quality,
    ...(bandwidth ? { bandwidth } : {}),
  });
}

/**
 * The failover case: demand against the backup links' allowance alone. A shortfall there is a
 * finding of its own — low when demand is at most 1.5 × the backup allowance (score ≤ 0.9), else
 * medium (score ≤ 0.7) — and never fails the check the way the main shortfall does.
 */
function judgeBackup(a: CapacityAssessment): { score: number; measurements: Measurement[]; findings: Finding[] } {
  const b = a.backupOnly;
  if (!b) return { score: 1, measurements: [], findings: [] };
  let score = 1;
  const findings: Finding[] = [];
  for (const d of DIRECTIONS) {
    const p = b.perDirection[d];
    if (!p.shortfall || p.headroomMbps === null || p.allowanceMbps === null || p.demandMbps === null) continue;
    const low = p.allowanceMbps > 0 && p.demandMbps / p.allowanceMbps <= 1.5;
    score = Math.min(score, low ? 0.9 : 0.7);
    findings.push({
      id: 'capacity.backup-short',
      severity: low ? 'low' : 'medium',
      message: {
        id: 'capacity.backup-short',
        params: {
          direction: { id: `capacity.dir.${d}` },
          short: r2(-p.headroomMbps),
          demand: r2(p.demandMbps),
          allowance: r2(p.allowanceMbps),
          share: Math.round(p.realtimeShare * 100),
          capacity: r2(p.capacityMbps ?? 0),
        },
      },
      remediation: { id: 'capacity.backup-short.fix', params: { calls: b.concurrentVideoCalls ?? 0 } },
    });
  }
  const headrooms = DIRECTIONS.map((d) => b.headroomMbps[d]).filter((h): h is number => h !== null);
  const measurements: Measurement[] = [
    ...(headrooms.length
      ? [
          {
            id: 'backup-headroom',
            value: r2(Math.min(...headrooms)),
            unit: 'Mbit/s',
            threshold: { min: 0, source: 'on the backup links alone (failover)' },
          },
        ]
      : []),
    ...DIRECTIONS.flatMap((d) => {
      const v = b.perDirection[d].allowanceMbps;
      return v !== null ? [{ id: `backup-allowance-${d}`, value: r2(v), unit: 'Mbit/s' }] : [];
    }),
  ];
  return { score, measurements, findings };
}

function r2(n: number): number {
  return Math.round(n * 100) / 100;
}
