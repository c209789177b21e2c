// Real-time media demand of an IM / meetings rollout against the site's link capacity.
// Pure computation: no I/O. Feeds `siteready plan`.
//
// Model, stated exactly:
//   * Demand comes from `demand.personas` in the site file: for each persona, `users` people of
//     whom the shares `audio`, `video` and `screenShare` (0..1) do that at the busiest moment,
//     and `meetings` (0..1) is the share of video and screen sharing that happens in meetings
//     rather than 1:1 calls.
//   * Concurrent streams per kind = Σ over personas of users × share. Fractional users are kept
//     through the sum; only the final per-kind totals are rounded, and rounded UP: capacity
//     planning errs on the safe side (0.2 of a stream still needs a whole stream's bandwidth).
//   * Every video caller also sends and receives audio, so a persona's audio share is taken as
//     at least its video share (a note says when that raised it).
//   * `meetings` missing on a persona counts as 1 (everything in meetings): meeting rates are at
//     least the 1:1 rates in every cell of the table, so that is the safe side.
//   * Directions per stream kind: audio and 1:1 video are symmetric; meeting video uses the
//     table's separate up and down rates. Screen sharing is simplified: a sharing user sends the
//     share rate up; for a 1:1 share the viewer is not counted (they may be anywhere), for a
//     meeting share one receive stream at the same rate is counted downstream (colleagues at the
//     site watching it). Viewers are not counted one by one.
//   * `peakConcurrency` is not applied: the persona shares already describe the busiest moment,
//     and multiplying again would understate demand.
//   * Links have a role: `primary` (the default) and `aggregate` (bonded or load-shared members)
//     carry traffic at the same time and are summed; a `backup` link carries traffic only when
//     they fail and is never added to them.
//   * Capacity per direction = Σ declared Mbit/s of the primary and aggregate links, or the
//     measured throughput when only that is known, or min(declared, measured) when both are: a
//     link declared at 1 Gbit/s that measures 200 Mbit/s carries 200. Real-time media may use
//     `realtimeShare` of it (per link, else `demand.realtimeShare`, else 0.3, the Teams Network
//     Planner default). With several links the share applied to a measured figure is the
//     capacity-weighted mean of the links' shares. Headroom = allowance − demand, negative when
//     short.
//   * With at least one backup link, the failover case is assessed on its own: capacity on the
//     backup links alone = Σ of their declared Mbit/s (a measurement is of the path in use, so it
//     is not applied), with their shares, against the same demand. A shortfall there is reported
//     apart and never makes the site's main shortfall.
//   * Units: kbit/s and Mbit/s are decimal (1 Mbit/s = 1000 kbit/s), as in the Teams table.

import type { Link, LinkRole } from '../site/types.js';
import { displayWidth, pad } from '../util/text.js';
import { round } from '../util/number.js';

export type MediaQuality = 'minimum' | 'recommended' | 'best';
export const MEDIA_QUALITIES: readonly MediaQuality[] = ['minimum', 'recommended', 'best'];
export type StreamKind = 'audio' | 'video1to1' | 'videoMeeting' | 'screenShare1to1' | 'screenShareMeeting';
export const STREAM_KINDS: readonly StreamKind[] = ['audio', 'video1to1', 'videoMeeting', 'screenShare1to1', 'screenShareMeeting'];
export type Direction = 'down' | 'up';
export const DIRECTIONS: readonly Direction[] = ['down', 'up'];
export type { LinkRole };
export const LINK_ROLES: readonly LinkRole[] = ['primary', 'backup', 'aggregate'];

export interface Rate {
  up: number;
  down: number;
}

export interface BandwidthTable {
  source: string;
  kinds: Record<StreamKind, Record<MediaQuality, Rate>>;
}

/** Per-stream bandwidth in kbit/s, as published (before the direction model above is applied). */
export const BANDWIDTH_KBPS: BandwidthTable = {
  source:
    'Microsoft Teams, "Prepare your organization\'s network for Teams", bandwidth requirements (minimum / recommended / best, kbit/s)',
  kinds: {
    audio: { minimum: { up: 10, down: 10 }, recommended: { up: 58, down: 58 }, best: { up: 76, down: 76 } },
    video1to1: { minimum: { up: 150, down: 150 }, recommended: { up: 1500, down: 1500 }, best: { up: 4000, down: 4000 } },
    videoMeeting: { minimum: { up: 150, down: 200 }, recommended: { up: 2500, down: 4000 }, best: { up: 4000, down: 4000 } },
    screenShare1to1: { minimum: { up: 200, down: 200 }, recommended: { up: 1500, down: 1500 }, best: { up: 4000, down: 4000 } },
    screenShareMeeting: { minimum: { up: 250, down: 250 }, recommended: { up: 2500, down: 2500 }, best: { up: 4000, down: 4000 } },
  },
};

/** Which directions a stream of each kind loads at the site (the simplification in the header). */
const LOADS: Record<StreamKind, Record<Direction, boolean>> = {
  audio: { up: true, down: true },
  video1to1: { up: true, down: true },
  videoMeeting: { up: true, down: true },
  screenShare1to1: { up: true, down: false },
  screenShareMeeting: { up: true, down: true },
};

/** Teams Network Planner's default share of a link that real-time media may use. */
export const DEFAULT_REALTIME_SHARE = 0.3;

// ---------------------------------------------------------------------------------------------
// Messages: every user-facing string of this module, in English and Simplified Chinese.

const EN = {
  title: 'Real-time media plan (quality: {quality})',
  'quality.minimum': 'minimum',
  'quality.recommended': 'recommended',
  'quality.best': 'best',
  'section.demand': 'Demand at the busiest moment (concurrent streams)',
  'section.capacity': 'Demand against the real-time allowance, per direction',
  'section.links': 'Links',
  'section.backup': 'On the backup links alone (when the primary fails)',
  'col.link': 'Link',
  'col.role': 'Role',
  'col.counted': 'Counted',
  'role.primary': 'primary',
  'role.backup': 'backup',
  'role.aggregate': 'aggregate',
  'counted.yes': 'yes',
  'counted.failover': 'failover only',
  'col.persona': 'Persona',
  'col.users': 'Users',
  'col.audio': 'Audio',
  'col.video1to1': 'Video 1:1',
  'col.videoMeeting': 'Video mtg',
  'col.screenShare1to1': 'Share 1:1',
  'col.screenShareMeeting': 'Share mtg',
  'col.up': 'Up Mbit/s',
  'col.down': 'Down Mbit/s',
  'col.direction': 'Direction',
  'col.capacity': 'Capacity Mbit/s',
  'col.basis': 'Basis',
  'col.share': 'Real-time share',
  'col.allowance': 'Allowance Mbit/s',
  'col.demand': 'Demand Mbit/s',
  'col.headroom': 'Headroom Mbit/s',
  'row.total': 'Total (rounded up)',
  'dir.down': 'down',
  'dir.up': 'up',
  'basis.declared': 'declared',
  'basis.measured': 'measured',
  'basis.min-of-both': 'min(declared, measured)',
  unknown: '—',
  noPersonas: 'No demand described (demand.personas).',
  videoCalls: 'Concurrent 1:1 video calls the allowance carries (recommended quality, {kbps} kbit/s each way incl. audio): {count}',
  videoCallsUnknown: 'Concurrent 1:1 video calls the allowance carries: unknown (no capacity known).',
  shortfall: 'SHORTFALL: real-time demand exceeds the allowance ({directions}).',
  fits: 'Real-time demand fits within the allowance.',
  undetermined: 'Cannot tell whether demand fits: demand or capacity is unknown.',
  backupShort: 'On the backup link alone, real-time demand exceeds the allowance by {amounts}.',
  backupShortBy: '{short} Mbit/s {direction}',
  backupFits: 'On the backup link alone, real-time demand fits within the allowance.',
  backupUndetermined: 'On the backup link alone: cannot tell whether demand fits (demand or backup capacity is unknown).',
  notes: 'Notes:',
  listSeparator: ', ',
  sources: 'Per-stream rates: {source}.',
  'note.noLinks': 'No links are described (network.links) and nothing was measured: capacity is unknown.',
  'note.noCapacity': 'No {direction} capacity is known: no link declares it and nothing was measured.',
  'note.linkMissing': 'Link {link} declares no {direction} capacity; the {direction} total may be understated.',
  'note.backupLinkMissing': 'Backup link {link} declares no {direction} capacity; the {direction} capacity on backup may be understated.',
  'note.backupExcluded':
    'Backup link {link} is not added to the capacity: it carries traffic only when the others fail (assessed on its own, as the failover case).',
  'note.allBackup':
    'Every link is a backup link: no link carries traffic in normal operation, so only the capacity on backup alone is known.',
  'note.measuredBelow':
    'Measured {direction} throughput {measured} Mbit/s is below the declared {declared} Mbit/s: the measured figure is used.',
  'note.measuredInvalid': 'Measured {direction} throughput {value} is not a positive number and was ignored.',
  'note.noDemand': 'No demand is described (demand.personas): demand and headroom are not computed.',
  'note.peakConcurrency': 'demand.peakConcurrency is not applied: the persona shares already describe the busiest moment.',
  'note.meetingsDefault':
    'Persona {persona} gives no meetings share: all its video and sharing is assumed to be in meetings (the higher rates).',
  'note.audioRaised': 'Persona {persona}: audio share raised to its video share ({share}), as every video call carries audio.',
  'note.callsOneDirection': 'Only the {direction} capacity is known: the video-call count ignores the other direction.',
} as const;

export type PlanMessageId = keyof typeof EN;

const ZH_CN: Record<PlanMessageId, string> = {
  title: '实时媒体容量规划（质量档位：{quality}）',
  'quality.minimum': '最低',
  'quality.recommended': '推荐',
  'quality.best': '最佳',
  'section.demand': '高峰时刻需求（并发流数）',
  'section.capacity': '分方向：需求与实时媒体配额对比',
  'section.links': '链路',
  'section.backup': '仅靠备份链路时（主链路故障）',
  'col.link': '链路',
  'col.role': '角色',
  'col.counted': '计入容量',
  'role.primary': '主用',
  'role.backup': '备份',
  'role.aggregate': '聚合',
  'counted.yes': '是',
  'counted.failover': '仅故障切换时',
  'col.persona': '用户类型',
  'col.users': '用户数',
  'col.audio': '音频',
  'col.video1to1': '1:1 视频',
  'col.videoMeeting': '会议视频',
  'col.screenShare1to1': '1:1 共享',
  'col.screenShareMeeting': '会议共享',
  'col.up': '上行 Mbit/s',
  'col.down': '下行 Mbit/s',
  'col.direction': '方向',
  'col.capacity': '容量 Mbit/s',
  'col.basis': '依据',
  'col.share': '实时占比',
  'col.allowance': '配额 Mbit/s',
  'col.demand': '需求 Mbit/s',
  'col.headroom': '余量 Mbit/s',
  'row.total': '合计（向上取整）',
  'dir.down': '下行',
  'dir.up': '上行',
  'basis.declared': '声明值',
  'basis.measured': '实测值',
  'basis.min-of-both': '声明值与实测值取小',
  unknown: '—',
  noPersonas: '未描述需求（demand.personas）。',
  videoCalls: '实时配额可承载的并发 1:1 视频通话数（推荐档，每方向 {kbps} kbit/s，含音频）：{count}',
  videoCallsUnknown: '实时配额可承载的并发 1:1 视频通话数：未知（容量未知）。',
  shortfall: '不足：实时媒体需求超出配额（{directions}）。',
  fits: '实时媒体需求在配额之内。',
  undetermined: '无法判断需求是否满足：需求或容量未知。',
  backupShort: '仅靠备份链路时，实时媒体需求超出配额：{amounts}。',
  backupShortBy: '{direction} {short} Mbit/s',
  backupFits: '仅靠备份链路时，实时媒体需求在配额之内。',
  backupUndetermined: '仅靠备份链路时：无法判断需求是否满足（需求或备份容量未知）。',
  notes: '说明：',
  listSeparator: '、',
  sources: '每路流带宽：{source}。',
  'note.noLinks': '未描述任何链路（network.links），也没有实测数据：容量未知。',
  'note.noCapacity': '{direction}容量未知：没有链路声明该方向带宽，也没有实测数据。',
  'note.linkMissing': '链路 {link} 未声明{direction}带宽；{direction}合计可能偏低。',
  'note.backupLinkMissing': '备份链路 {link} 未声明{direction}带宽；仅靠备份时的{direction}容量可能偏低。',
  'note.backupExcluded': '备份链路 {link} 不计入容量：它只在其他链路故障时承载流量（作为故障切换情形单独评估）。',
  'note.allBackup': '所有链路都是备份链路：正常运行时没有链路承载流量，只能得出仅靠备份时的容量。',
  'note.measuredBelow': '{direction}实测吞吐 {measured} Mbit/s 低于声明的 {declared} Mbit/s：采用实测值。',
  'note.measuredInvalid': '{direction}实测吞吐 {value} 不是正数，已忽略。',
  'note.noDemand': '未描述需求（demand.personas）：不计算需求与余量。',
  'note.peakConcurrency': '未使用 demand.peakConcurrency：各用户类型的占比已是高峰时刻的数值。',
  'note.meetingsDefault': '用户类型 {persona} 未给出会议占比：假定其视频与共享全部发生在会议中（带宽更高）。',
  'note.audioRaised': '用户类型 {persona}：音频占比已提高到视频占比（{share}），因为每路视频通话都带音频。',
  'note.callsOneDirection': '仅知道{direction}容量：视频通话数未考虑另一方向。',
};

export type PlanLang = 'en' | 'zh-CN';
const CATALOGS: Record<PlanLang, Record<PlanMessageId, string>> = { en: EN, 'zh-CN': ZH_CN };

/** The plan's phrases as message catalogs, for the capacity check (its findings and blocks name them). */
export const planMessages: { en: Record<PlanMessageId, string>; 'zh-CN': Record<PlanMessageId, string> } = { en: EN, 'zh-CN': ZH_CN };

/** A note in machine form; `notes` carries the same in English. A parameter may be a phrase of the plan (`{ id: 'dir.down' }`). */
export interface PlanMessage {
  id: PlanMessageId;
  params?: Record<string, PlanParam>;
}

export type PlanParam = string | number | PlanMessage;

/** A direction as a phrase, for a message parameter. */
const dirPhrase = (dir: Direction): PlanMessage => ({ id: `dir.${dir}` });

function render(lang: PlanLang, id: PlanMessageId, params?: Record<string, PlanParam>): string {
  return CATALOGS[lang][id].replace(/\{(\w+)\}/g, (m, k: string) => {
    const v = params?.[k];
    if (v === undefined) return m;
    return typeof v === 'object' ? render(lang, v.id, v.params) : String(v);
  });
}

// ---------------------------------------------------------------------------------------------
// Demand.

export interface Persona {
  name: string;
  users: number;
  audio?: number;
  video?: number;
  screenShare?: number;
  meetings?: number;
}

export interface DemandSpec {
  peakConcurrency?: number;
  realtimeShare?: number;
  quality?: MediaQuality;
  personas: Persona[];
}

export type StreamCounts = Record<StreamKind, number>;

export interface PersonaDemand {
  name: string;
  users: number;
  /** Concurrent streams of this persona, fractional (not rounded). */
  streams: StreamCounts;
  upKbps: number;
  downKbps: number;
}

export interface DemandResult {
  quality: MediaQuality;
  /** Site totals from the rounded-up stream counts. */
  upKbps: number;
  downKbps: number;
  /** Concurrent streams per kind, rounded up. */
  streams: StreamCounts;
  perPersona: PersonaDemand[];
  messages: PlanMessage[];
}

const zeroCounts = (): StreamCounts => ({ audio: 0, video1to1: 0, videoMeeting: 0, screenShare1to1: 0, screenShareMeeting: 0 });

// Float sums like 200 × 0.1 = 20.000000000000004 must not round up to 21.
const EPSILON = 1e-9;
const ceilSafe = (x: number) => Math.max(0, Math.ceil(x - EPSILON)); // max: never -0
const floorSafe = (x: number) => Math.floor(x + EPSILON);

function share(persona: string, field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`demand persona ${persona}: ${field} must be a number from 0 to 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Reads the loosely typed `site.demand` (validated by the site schema) into a DemandSpec.
 * Undefined when there is no demand section. Throws RangeError on values the schema forbids.
 */
export function toDemandSpec(raw: DemandSpec | Record<string, unknown> | undefined | null): DemandSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const list = Array.isArray(r.personas) ? (r.personas as unknown[]) : [];
  const personas: Persona[] = list.map((p, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const name = typeof o.name === 'string' && o.name !== '' ? o.name : `persona-${i + 1}`;
    const users = o.users;
    if (typeof users !== 'number' || !Number.isFinite(users) || users < 0) {
      throw new RangeError(`demand persona ${name}: users must be a number ≥ 0, got ${String(users)}`);
    }
    const persona: Persona = { name, users };
    for (const f of ['audio', 'video', 'screenShare', 'meetings'] as const) {
      const v = share(name, f, o[f]);
      if (v !== undefined) persona[f] = v;
    }
    return persona;
  });
  const spec: DemandSpec = { personas };
  const peak = share('(site)', 'peakConcurrency', r.peakConcurrency);
  if (peak !== undefined) spec.peakConcurrency = peak;
  const rt = share('(site)', 'realtimeShare', r.realtimeShare);
  if (rt !== undefined) spec.realtimeShare = rt;
  if (typeof r.quality === 'string' && (MEDIA_QUALITIES as readonly string[]).includes(r.quality)) spec.quality = r.quality as MediaQuality;
  return spec;
}

function kbpsOf(streams: StreamCounts, quality: MediaQuality, table: BandwidthTable): Rate {
  const out: Rate = { up: 0, down: 0 };
  for (const kind of STREAM_KINDS) {
    const rate = table.kinds[kind][quality];
    if (LOADS[kind].up) out.up += streams[kind] * rate.up;
    if (LOADS[kind].down) out.down += streams[kind] * rate.down;
  }
  return out;
}

/**
 * Concurrent real-time streams and the bandwidth they need, at the site's busiest moment.
 * Quality: the argument, else `demand.quality`, else 'recommended'.
 */
export function computeDemand(
  demand: DemandSpec | Record<string, unknown> | undefined | null,
  quality?: MediaQuality,
  table: BandwidthTable = BANDWIDTH_KBPS,
): DemandResult {
  const spec = toDemandSpec(demand);
  const q: MediaQuality = quality ?? spec?.quality ?? 'recommended';
  const messages: PlanMessage[] = [];
  if (spec?.peakConcurrency !== undefined) messages.push({ id: 'note.peakConcurrency' });

  const totals = zeroCounts();
  const perPersona: PersonaDemand[] = (spec?.personas ?? []).map((p) => {
    const video = p.video ?? 0;
    const audio = Math.max(p.audio ?? 0, video);
    if (video > (p.audio ?? 0)) messages.push({ id: 'note.audioRaised', params: { persona: p.name, share: video } });
    const screen = p.screenShare ?? 0;
    if (p.meetings === undefined && (video > 0 || screen > 0)) messages.push({ id: 'note.meetingsDefault', params: { persona: p.name } });
    const meetings = p.meetings ?? 1;
    const streams: StreamCounts = {
      audio: p.users * audio,
      video1to1: p.users * video * (1 - meetings),
      videoMeeting: p.users * video * meetings,
      screenShare1to1: p.users * screen * (1 - meetings),
      screenShareMeeting: p.users * screen * meetings,
    };
    for (const kind of STREAM_KINDS) totals[kind] += streams[kind];
    const kbps = kbpsOf(streams, q, table);
    return { name: p.name, users: p.users, streams, upKbps: kbps.up, downKbps: kbps.down };
  });

  const streams = zeroCounts();
  for (const kind of STREAM_KINDS) streams[kind] = ceilSafe(totals[kind]);
  const kbps = kbpsOf(streams, q, table);
  return { quality: q, upKbps: kbps.up, downKbps: kbps.down, streams, perPersona, messages };
}

// ---------------------------------------------------------------------------------------------
// Capacity.

export type CapacityBasis = 'declared' | 'measured' | 'min-of-both';

export interface DirectionAssessment {
  /** Sum of the links' declared Mbit/s in this direction; null when no link declares it. */
  declaredMbps: number | null;
  measuredMbps: number | null;
  /** What the allowance is computed from; null when neither is known. */
  capacityMbps: number | null;
  basis: CapacityBasis | null;
  /** Share of the capacity real-time media may use (capacity-weighted over links). */
  realtimeShare: number;
  allowanceMbps: number | null;
  demandMbps: number | null;
  /** allowance − demand; negative when short; null when either is unknown. */
  headroomMbps: number | null;
  shortfall: boolean;
}

/** The capacity on the backup links alone: what the site has when its primary and aggregate links fail. */
export interface BackupDirectionAssessment {
  /** Σ of the backup links' declared Mbit/s in this direction; null when none declares it. */
  capacityMbps: number | null;
  /** Share of it real-time media may use (capacity-weighted over the backup links). */
  realtimeShare: number;
  allowanceMbps: number | null;
  demandMbps: number | null;
  /** allowance − demand; negative when short; null when either is unknown. */
  headroomMbps: number | null;
  shortfall: boolean;
}

export interface BackupAssessment {
  /** The backup links' names. */
  links: string[];
  perDirection: Record<Direction, BackupDirectionAssessment>;
  headroomMbps: Record<Direction, number | null>;
  /** True when demand exceeds the allowance on backup alone in either direction: the failover risk, never the main shortfall. */
  shortfall: boolean;
  /** Concurrent 1:1 video calls (recommended quality) the backup allowance carries; null when no backup capacity is known. */
  concurrentVideoCalls: number | null;
}

/** A link as the assessment counted it. */
export interface AssessedLink {
  name: string;
  kind?: string;
  role: LinkRole;
  downMbps: number | null;
  upMbps: number | null;
  /** The share real-time media may use of it: its own, else the demand's, else the default. */
  realtimeShare: number;
  /** Added to the capacity (primary and aggregate links); a backup link counts only on backup alone. */
  counted: boolean;
}

export interface CapacityInput {
  demand?: DemandSpec | Record<string, unknown> | null;
  links: Link[];
  measured?: { downMbps?: number; upMbps?: number };
  quality?: MediaQuality;
  /** Per-stream bandwidth (default: Microsoft Teams' published figures). */
  bandwidth?: BandwidthTable;
}

export interface CapacityAssessment {
  quality: MediaQuality;
  /** Where the per-stream bandwidth figures come from. */
  bandwidthSource: string;
  /** Null when no personas are described. */
  demand: DemandResult | null;
  perDirection: Record<Direction, DirectionAssessment>;
  headroomMbps: Record<Direction, number | null>;
  /** True when demand exceeds the allowance in either direction. */
  shortfall: boolean;
  /** Null when no capacity is known in either direction. */
  concurrentVideoCalls: {
    supported: number;
    atRecommended: true;
    /** Per call and direction: recommended 1:1 video + recommended audio. */
    perCallKbps: number;
    limitedBy: Direction;
  } | null;
  /** Overall: declared only, measured only, or both known (min taken per direction); null when neither. */
  basis: CapacityBasis | null;
  /** Every link with its role, and whether it was added to the capacity. */
  links: AssessedLink[];
  /** The failover case, when at least one link is a backup; null otherwise. */
  backupOnly: BackupAssessment | null;
  /** The notes in English; `messages` has them in machine form for other languages. */
  notes: string[];
  messages: PlanMessage[];
}

/** Kbit/s, each way, of one recommended-quality 1:1 video call including its audio. */
export const VIDEO_CALL_KBPS = videoCallKbps(BANDWIDTH_KBPS);

/** A 1:1 video call at recommended quality, one direction, audio included. */
export function videoCallKbps(table: BandwidthTable): number {
  return table.kinds.video1to1.recommended.up + table.kinds.audio.recommended.up;
}

const linkMbps = (link: Link, dir: Direction) => (dir === 'down' ? link.downMbps : link.upMbps);
const usable = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** A link's role; primary when it names none (or one this version does not know). */
export function linkRole(link: Pick<Link, 'role'>): LinkRole {
  return (LINK_ROLES as readonly unknown[]).includes(link.role) ? (link.role as LinkRole) : 'primary';
}

/** Σ of the links' declared Mbit/s in one direction and of their real-time allowances; the links that declare none. */
function declaredSum(links: Link[], dir: Direction, defaultShare: number) {
  let declared = 0;
  let allowance = 0;
  let declaring = 0;
  const missing: string[] = [];
  for (const link of links) {
    const mbps = linkMbps(link, dir);
    if (usable(mbps)) {
      declaring++;
      declared += mbps;
      allowance += mbps * (link.realtimeShare ?? defaultShare);
    } else missing.push(link.name);
  }
  const declaredMbps = declaring > 0 ? declared : null;
  return { declaredMbps, realtimeShare: declaredMbps !== null ? allowance / declaredMbps : defaultShare, missing };
}

/** Concurrent recommended 1:1 video calls an allowance carries, Mbit/s. */
const callsIn = (allowanceMbps: number, perCallKbps: number) => floorSafe((allowanceMbps * 1000) / perCallKbps);

/** Demand against link capacity, per direction. See the file header for the model. */
export function assessCapacity(input: CapacityInput): CapacityAssessment {
  const spec = toDemandSpec(input.demand ?? undefined);
  const quality: MediaQuality = input.quality ?? spec?.quality ?? 'recommended';
  const messages: PlanMessage[] = [];
  const links = input.links ?? [];
  const defaultShare = spec?.realtimeShare ?? DEFAULT_REALTIME_SHARE;

  const hasDemand = !!spec && spec.personas.length > 0;
  const table = input.bandwidth ?? BANDWIDTH_KBPS;
  const demand = hasDemand ? computeDemand(spec, quality, table) : null;
  if (demand) messages.push(...demand.messages);
  else {
    if (spec?.peakConcurrency !== undefined) messages.push({ id: 'note.peakConcurrency' });
    messages.push({ id: 'note.noDemand' });
  }

  const measured = input.measured ?? {};
  const anyMeasured = DIRECTIONS.some((d) => usable(measured[d === 'down' ? 'downMbps' : 'upMbps']));
  if (links.length === 0 && !anyMeasured) messages.push({ id: 'note.noLinks' });

  // Primary and aggregate links carry traffic at the same time; a backup only when they fail.
  const active = links.filter((l) => linkRole(l) !== 'backup');
  const backups = links.filter((l) => linkRole(l) === 'backup');
  const allBackup = backups.length > 0 && active.length === 0;
  if (allBackup) messages.push({ id: 'note.allBackup' });
  else for (const l of backups) messages.push({ id: 'note.backupExcluded', params: { link: l.name } });

  const perDirection = {} as Record<Direction, DirectionAssessment>;
  let anyDeclared = false;
  for (const dir of DIRECTIONS) {
    const sum = declaredSum(active, dir, defaultShare);
    for (const link of sum.missing) messages.push({ id: 'note.linkMissing', params: { link, direction: dirPhrase(dir) } });
    const { declaredMbps, realtimeShare } = sum;
    if (declaredMbps !== null) anyDeclared = true;

    const rawMeasured = measured[dir === 'down' ? 'downMbps' : 'upMbps'];
    let measuredMbps: number | null = null;
    if (usable(rawMeasured)) measuredMbps = rawMeasured;
    else if (rawMeasured !== undefined)
      messages.push({ id: 'note.measuredInvalid', params: { direction: dirPhrase(dir), value: String(rawMeasured) } });

    let capacityMbps: number | null = null;
    let basis: CapacityBasis | null = null;
    if (declaredMbps !== null && measuredMbps !== null) {
      capacityMbps = Math.min(declaredMbps, measuredMbps);
      basis = 'min-of-both';
      if (measuredMbps < declaredMbps) {
        messages.push({
          id: 'note.measuredBelow',
          params: { direction: dirPhrase(dir), measured: round(measuredMbps, 1), declared: round(declaredMbps, 1) },
        });
      }
    } else if (declaredMbps !== null) {
      capacityMbps = declaredMbps;
      basis = 'declared';
    } else if (measuredMbps !== null) {
      capacityMbps = measuredMbps;
      basis = 'measured';
    } else if ((links.length > 0 && !allBackup) || anyMeasured) {
      messages.push({ id: 'note.noCapacity', params: { direction: dirPhrase(dir) } });
    }

    const allowanceMbps = capacityMbps === null ? null : capacityMbps * realtimeShare;
    const demandMbps = demand ? (dir === 'down' ? demand.downKbps : demand.upKbps) / 1000 : null;
    const headroomMbps = allowanceMbps !== null && demandMbps !== null ? allowanceMbps - demandMbps : null;
    perDirection[dir] = {
      declaredMbps,
      measuredMbps,
      capacityMbps,
      basis,
      realtimeShare,
      allowanceMbps,
      demandMbps,
      headroomMbps,
      shortfall: headroomMbps !== null && headroomMbps < 0,
    };
  }

  const known = DIRECTIONS.filter((d) => perDirection[d].allowanceMbps !== null);
  let concurrentVideoCalls: CapacityAssessment['concurrentVideoCalls'] = null;
  if (known.length > 0) {
    let limitedBy: Direction = known[0] as Direction;
    for (const d of known) if ((perDirection[d].allowanceMbps as number) < (perDirection[limitedBy].allowanceMbps as number)) limitedBy = d;
    const perCallKbps = videoCallKbps(table);
    const supported = callsIn(perDirection[limitedBy].allowanceMbps as number, perCallKbps);
    concurrentVideoCalls = { supported, atRecommended: true, perCallKbps, limitedBy };
    if (known.length === 1) messages.push({ id: 'note.callsOneDirection', params: { direction: dirPhrase(limitedBy) } });
  }

  let backupOnly: BackupAssessment | null = null;
  if (backups.length > 0) {
    const per = {} as Record<Direction, BackupDirectionAssessment>;
    for (const dir of DIRECTIONS) {
      const sum = declaredSum(backups, dir, defaultShare);
      for (const link of sum.missing) messages.push({ id: 'note.backupLinkMissing', params: { link, direction: dirPhrase(dir) } });
      const allowanceMbps = sum.declaredMbps === null ? null : sum.declaredMbps * sum.realtimeShare;
      const demandMbps = perDirection[dir].demandMbps;
      const headroomMbps = allowanceMbps !== null && demandMbps !== null ? allowanceMbps - demandMbps : null;
      per[dir] = {
        capacityMbps: sum.declaredMbps,
        realtimeShare: sum.realtimeShare,
        allowanceMbps,
        demandMbps,
        headroomMbps,
        shortfall: headroomMbps !== null && headroomMbps < 0,
      };
    }
    const allowances = DIRECTIONS.map((d) => per[d].allowanceMbps).filter((x): x is number => x !== null);
    backupOnly = {
      links: backups.map((l) => l.name),
      perDirection: per,
      headroomMbps: { down: per.down.headroomMbps, up: per.up.headroomMbps },
      shortfall: per.down.shortfall || per.up.shortfall,
      concurrentVideoCalls: allowances.length ? callsIn(Math.min(...allowances), videoCallKbps(table)) : null,
    };
  }

  const assessedLinks: AssessedLink[] = links.map((l) => {
    const role = linkRole(l);
    return {
      name: l.name,
      ...(l.kind !== undefined ? { kind: l.kind } : {}),
      role,
      downMbps: usable(l.downMbps) ? l.downMbps : null,
      upMbps: usable(l.upMbps) ? l.upMbps : null,
      realtimeShare: l.realtimeShare ?? defaultShare,
      counted: role !== 'backup',
    };
  });

  const basis: CapacityBasis | null =
    anyDeclared && anyMeasured ? 'min-of-both' : anyMeasured ? 'measured' : anyDeclared ? 'declared' : null;
  return {
    quality,
    bandwidthSource: table.source,
    demand,
    perDirection,
    headroomMbps: { down: perDirection.down.headroomMbps, up: perDirection.up.headroomMbps },
    shortfall: perDirection.down.shortfall || perDirection.up.shortfall,
    concurrentVideoCalls,
    basis,
    links: assessedLinks,
    backupOnly,
    notes: messages.map((m) => render('en', m.id, m.params)),
    messages,
  };
}

// ---------------------------------------------------------------------------------------------
// Plain-text plan for `siteready plan`.

/** Fixed decimals, without a "-0.0". */
function fixed(x: number, digits = 1): string {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** Up to one decimal, trailing ".0" dropped: 20 → "20", 2.5 → "2.5". */
function count(x: number): string {
  return String(round(x, 1));
}

function padStart(text: string, width: number): string {
  const w = displayWidth(text);
  return w >= width ? text : ' '.repeat(width - w) + text;
}

function table(headers: string[], rows: string[][], rightAligned: (i: number) => boolean): string[] {
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned(i) ? padStart(c, widths[i] ?? 0) : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** The one line on the failover case: how far demand exceeds the backup links' allowance, or that it fits. */
export function formatBackupLine(result: CapacityAssessment, lang: PlanLang = 'en'): string {
  const backup = result.backupOnly;
  if (!backup) return '';
  const t = (id: PlanMessageId, params?: Record<string, PlanParam>) => render(lang, id, params);
  const short = DIRECTIONS.filter((d) => backup.perDirection[d].shortfall);
  if (short.length > 0) {
    const amounts = short
      .map((d) => t('backupShortBy', { short: fixed(-(backup.perDirection[d].headroomMbps as number)), direction: t(`dir.${d}`) }))
      .join(t('listSeparator'));
    return t('backupShort', { amounts });
  }
  return DIRECTIONS.every((d) => backup.perDirection[d].headroomMbps !== null) ? t('backupFits') : t('backupUndetermined');
}

/** The `siteready plan` text: demand per persona and kind, each direction against its allowance, video calls. */
export function formatPlan(result: CapacityAssessment, lang: PlanLang = 'en'): string {
  const t = (id: PlanMessageId, params?: Record<string, PlanParam>) => render(lang, id, params);
  const out: string[] = [t('title', { quality: t(`quality.${result.quality}`) }), ''];

  out.push(t('section.demand'));
  if (result.demand) {
    const d = result.demand;
    const headers = [t('col.persona'), t('col.users'), ...STREAM_KINDS.map((k) => t(`col.${k}`)), t('col.up'), t('col.down')];
    const rows = d.perPersona.map((p) => [
      p.name,
      count(p.users),
      ...STREAM_KINDS.map((k) => count(p.streams[k])),
      fixed(p.upKbps / 1000),
      fixed(p.downKbps / 1000),
    ]);
    const users = d.perPersona.reduce((s, p) => s + p.users, 0);
    rows.push([
      t('row.total'),
      count(users),
      ...STREAM_KINDS.map((k) => String(d.streams[k])),
      fixed(d.upKbps / 1000),
      fixed(d.downKbps / 1000),
    ]);
    out.push(...table(headers, rows, (i) => i > 0));
  } else {
    out.push(t('noPersonas'));
  }
  out.push('');

  const unknown = t('unknown');
  const num = (x: number | null) => (x === null ? unknown : fixed(x));
  const percent = (x: number) => `${count(x * 100)} %`;
  if (result.links.length > 0) {
    out.push(t('section.links'));
    const linkRows = result.links.map((l) => [
      l.name,
      t(`role.${l.role}`),
      t(l.counted ? 'counted.yes' : 'counted.failover'),
      num(l.downMbps),
      num(l.upMbps),
      percent(l.realtimeShare),
    ]);
    out.push(
      ...table([t('col.link'), t('col.role'), t('col.counted'), t('col.down'), t('col.up'), t('col.share')], linkRows, (i) => i > 2),
    );
    out.push('');
  }

  out.push(t('section.capacity'));
  const signed = (x: number | null) => (x === null ? unknown : `${x > 0 ? '+' : ''}${fixed(x)}`);
  const headers = [
    t('col.direction'),
    t('col.capacity'),
    t('col.basis'),
    t('col.share'),
    t('col.allowance'),
    t('col.demand'),
    t('col.headroom'),
  ];
  const rows = DIRECTIONS.map((dir) => {
    const p = result.perDirection[dir];
    return [
      t(`dir.${dir}`),
      num(p.capacityMbps),
      p.basis ? t(`basis.${p.basis}`) : unknown,
      percent(p.realtimeShare),
      num(p.allowanceMbps),
      num(p.demandMbps),
      signed(p.headroomMbps),
    ];
  });
  out.push(...table(headers, rows, (i) => i !== 0 && i !== 2));
  out.push('');

  const short = DIRECTIONS.filter((d) => result.perDirection[d].shortfall);
  if (short.length > 0) out.push(t('shortfall', { directions: short.map((d) => t(`dir.${d}`)).join(t('listSeparator')) }));
  else if (DIRECTIONS.every((d) => result.perDirection[d].headroomMbps !== null)) out.push(t('fits'));
  else out.push(t('undetermined'));

  const calls = result.concurrentVideoCalls;
  out.push(calls ? t('videoCalls', { kbps: calls.perCallKbps, count: calls.supported }) : t('videoCallsUnknown'));

  const backup = result.backupOnly;
  if (backup) {
    out.push('', t('section.backup'));
    const backupRows = DIRECTIONS.map((dir) => {
      const p = backup.perDirection[dir];
      return [
        t(`dir.${dir}`),
        num(p.capacityMbps),
        percent(p.realtimeShare),
        num(p.allowanceMbps),
        num(p.demandMbps),
        signed(p.headroomMbps),
      ];
    });
    out.push(
      ...table(
        [t('col.direction'), t('col.capacity'), t('col.share'), t('col.allowance'), t('col.demand'), t('col.headroom')],
        backupRows,
        (i) => i !== 0,
      ),
    );
    out.push(formatBackupLine(result, lang));
  }

  out.push('', t('notes'));
  for (const m of result.messages) out.push(`- ${render(lang, m.id, m.params)}`);
  out.push(`- ${t('sources', { source: result.bandwidthSource })}`);
  return `${out.join('\n')}\n`;
}
