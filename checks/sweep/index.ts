// Many host:port pairs at once, each classified as the tcp check would (open, refused, filtered,
// unreachable, dns-failure): measured into counts and the list of every target, judged from them
// against what the sweep expects.

import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defineArtifact, defineCheck, type Block, type Classification, type Finding, type Measurement } from '../../src/plugin-api.js';
import { connectFailure } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { lookupOnce } from '../../src/net/shared.js';
import { expandPorts, PortRangeError } from '../../src/util/port-ranges.js';
import { round } from '../../src/util/number.js';
import { Limiter } from '../../src/util/limiter.js';
import planning, { type Options, type SweepData } from './plan.js';

const messages = {
  en: {
    'sweep.blocked': '{sweep}: {count} of {total} targets do not accept TCP connections ({summary}): {list}{more}.',
    'sweep.blocked.fix':
      'Allow the listed host:port pairs (tcp, outbound, and the return traffic) on the firewalls between this site and the hosts. ' +
      'refused: nothing listens, or a firewall rejects; filtered: a firewall drops the SYN; unreachable: no route, or an ACL answers ICMP unreachable; dns-failure: the name does not resolve.',
    'sweep.blocked.fix.refused':
      'Nothing listens on these ports, or a firewall rejects them (TCP RST): check that the services run there, then allow the listed host:port pairs (tcp outbound) on the site firewall.',
    'sweep.blocked.fix.filtered':
      'A firewall silently drops these connections: add allow rules for the listed host:port pairs (tcp outbound, and the return traffic), or route them through the proxy.',
    'sweep.blocked.fix.unreachable':
      'There is no route to these hosts, or an ACL answers with ICMP unreachable: check routing (default route, VPN split tunnel) and the ACLs on the way.',
    'sweep.blocked.fix.dns-failure':
      "These hosts do not resolve: create their DNS records, or make the internal resolver forward the platform's zone (split DNS).",
    'sweep.unexpectedly-open':
      '{sweep}: {count} of {total} targets accept TCP connections, but the site policy says they must be blocked: {list}{more}.',
    'sweep.unexpectedly-open.fix':
      'Add deny rules for the listed host:port pairs at the site firewall (or stop the services listening there), then re-run the assessment.',
    'sweep.incomplete': '{sweep}: only {tested} of {total} targets were tested before the task deadline ({timeoutMs} ms per connect).',
    'sweep.incomplete.fix':
      "Raise checks.sweep.timeoutMs (and the run's --timeout) or checks.sweep.concurrency (and the open-file limit, ulimit -n), or split the sweep: the worst case is about targets ÷ concurrency × (adaptive timeout + connectTimeoutMs).",
    'sweep.more': ' and {rest} more',
    'sweep.block.summary': 'Sweep',
    'sweep.kv.targets': 'Targets',
    'sweep.kv.tested': 'Tested',
    'sweep.kv.open': 'Open',
    'sweep.kv.refused': 'Refused (RST)',
    'sweep.kv.filtered': 'Filtered (no answer)',
    'sweep.kv.unreachable': 'Unreachable (ICMP)',
    'sweep.kv.dns-failure': 'Name does not resolve',
    'sweep.kv.connect-timeout': 'Connect timeout',
    'sweep.kv.concurrency': 'Connects in flight',
    'sweep.kv.retried': 'Connected again (silent past the adaptive timeout)',
    'sweep.kv.recovered': 'Answered the second connect',
    'sweep.kv.duration': 'Sweep time',
    'sweep.block.closed': 'Targets that do not accept connections (first 20)',
    'sweep.block.open': 'Targets that accept connections although they must be blocked (first 20)',
    'sweep.block.unresolved': 'Hosts that do not resolve',
    'sweep.col.host': 'Host',
    'sweep.col.port': 'Port',
    'sweep.col.address': 'Address',
    'sweep.col.result': 'Result',
    'sweep.col.code': 'Code',
    'sweep.col.dns': 'DNS answer',
    'sweep.note.more': 'and {rest} more',
  },
  'zh-CN': {
    'sweep.blocked': '{sweep}：{total} 个目标中有 {count} 个不接受 TCP 连接（{summary}）：{list}{more}。',
    'sweep.blocked.fix':
      '在本站点与这些主机之间的防火墙上放行所列 host:port（tcp 出站及回程流量）。' +
      'refused：端口未监听或被防火墙拒绝；filtered：防火墙丢弃了 SYN；unreachable：没有路由或 ACL 返回 ICMP 不可达；dns-failure：名称无法解析。',
    'sweep.blocked.fix.refused':
      '这些端口未监听，或被防火墙拒绝（TCP RST）：确认服务在其上运行，然后在站点防火墙上放行所列 host:port（tcp 出站）。',
    'sweep.blocked.fix.filtered': '防火墙静默丢弃了这些连接：为所列 host:port 添加放行规则（tcp 出站及回程流量），或经代理访问。',
    'sweep.blocked.fix.unreachable': '没有到这些主机的路由，或 ACL 返回 ICMP 不可达：检查路由（默认路由、VPN 分离隧道）及沿途的 ACL。',
    'sweep.blocked.fix.dns-failure': '这些主机无法解析：创建其 DNS 记录，或让内部 DNS 转发该平台的域名（分离 DNS）。',
    'sweep.unexpectedly-open': '{sweep}：{total} 个目标中有 {count} 个接受 TCP 连接，但站点策略要求必须阻断：{list}{more}。',
    'sweep.unexpectedly-open.fix': '在站点防火墙上为所列 host:port 添加拒绝规则（或停止在其上监听的服务），然后重新评估。',
    'sweep.incomplete': '{sweep}：任务截止前只测试了 {total} 个目标中的 {tested} 个（每次连接 {timeoutMs} 毫秒）。',
    'sweep.incomplete.fix':
      '调高 checks.sweep.timeoutMs（以及运行的 --timeout）或 checks.sweep.concurrency（以及打开文件数上限 ulimit -n），或拆分扫描：最坏情况约为 目标数 ÷ 并发数 ×（自适应超时 + connectTimeoutMs）。',
    'sweep.more': ' 等另外 {rest} 个',
    'sweep.block.summary': '扫描',
    'sweep.kv.targets': '目标',
    'sweep.kv.tested': '已测试',
    'sweep.kv.open': '开放',
    'sweep.kv.refused': '被拒绝（RST）',
    'sweep.kv.filtered': '已过滤（无应答）',
    'sweep.kv.unreachable': '不可达（ICMP）',
    'sweep.kv.dns-failure': '名称无法解析',
    'sweep.kv.connect-timeout': '连接超时',
    'sweep.kv.concurrency': '并发连接数',
    'sweep.kv.retried': '再次连接（超过自适应超时仍无应答）',
    'sweep.kv.recovered': '第二次连接有应答',
    'sweep.kv.duration': '扫描用时',
    'sweep.block.closed': '不接受连接的目标（前 20 个）',
    'sweep.block.open': '应被阻断却接受连接的目标（前 20 个）',
    'sweep.block.unresolved': '无法解析的主机',
    'sweep.col.host': '主机',
    'sweep.col.port': '端口',
    'sweep.col.address': '地址',
    'sweep.col.result': '结果',
    'sweep.col.code': '代码',
    'sweep.col.dns': 'DNS 应答',
    'sweep.note.more': '另外还有 {rest} 个',
  },
};

/**
 * A first connect is given up after RTT_MULTIPLIER × the fastest answer seen from its host (never
 * less than adaptiveFloorMs): a port that answers at all answers within a few round trips, so
 * waiting the whole connectTimeoutMs on every silent port is time spent on nothing. Giving up
 * early never decides `filtered` by itself (the target is re-tried with the full timeout), so a
 * low estimate costs a second connect, not a wrong answer.
 */
export const RTT_MULTIPLIER = 10;
/** Node's timers have millisecond granularity and can fire up to a millisecond early. */
const TIMER_SLACK_MS = 1;
/** `concurrency: auto` when the open-file limit cannot be read (not Linux): the old fixed default. */
export const FALLBACK_CONCURRENCY = 256;
/** `concurrency: auto` never goes above this: past it the CPU, not the slots, is the limit. */
export const MAX_AUTO_CONCURRENCY = 16_384;
/** Descriptors `concurrency: auto` leaves to everything else in the process (the runner, other checks, DNS). */
const FD_RESERVE = 256;
/** host:port pairs named in a finding's message and shown in a table. */
const FINDING_LIST = 20;
/** Time kept back at the end of the task to build the facts: no connect starts later than this. */
const RESERVE_MS = 250;
/** Host names resolved at once (each through the run's shared DNS artifact). */
const DNS_CONCURRENCY = 32;

// Per-target state, one byte each. UNTESTED stays only when the deadline stopped the sweep.
const UNTESTED = 0;
const OK = 1;
const REFUSED = 2;
const FILTERED = 3;
const UNREACHABLE = 4;
const DNS_FAILURE = 5;
const NAMES = ['untested', 'ok', 'refused', 'filtered', 'unreachable', 'dns-failure'] as const;
const CODE_OF: Partial<Record<Classification, number>> = {
  ok: OK,
  refused: REFUSED,
  filtered: FILTERED,
  unreachable: UNREACHABLE,
  'dns-failure': DNS_FAILURE,
};
/** Measurement ids and count keys, in this order. */
const COUNTED: Array<[keyof SweepCounts, number]> = [
  ['open', OK],
  ['refused', REFUSED],
  ['filtered', FILTERED],
  ['unreachable', UNREACHABLE],
  ['dns-failure', DNS_FAILURE],
];

/** One host:port (one address of the host when `allAddresses`). */
export interface SweepTargetFacts {
  host: string;
  port: number;
  /** The address dialled; absent when the host did not resolve. */
  address?: string;
  /** `untested`: the task's deadline came first. */
  classification: (typeof NAMES)[number];
  /** Handshake time, ms (open targets). */
  connectMs?: number;
  /** Why it is not open: ECONNREFUSED, CONNECT_TIMEOUT, EHOSTUNREACH, ... */
  code?: string;
  /** The first connect was silent past the host's adaptive timeout; this is the second one's result. */
  retried?: true;
}

/** Targets per classification, over every target (listed or not). */
export interface SweepCounts {
  open: number;
  refused: number;
  filtered: number;
  unreachable: number;
  'dns-failure': number;
}

export interface SweepFacts {
  /** The sweep's name (or `<endpoint>/ports`). */
  sweep: string;
  /** What the sweep expected when measured (the judge reads the site's). */
  expect: 'reachable' | 'blocked';
  hosts: Array<{ host: string; addresses: string[]; classification?: 'dns-failure'; kind?: string }>;
  /** Distinct ports (ranges expanded). */
  ports: number;
  /** Targets: swept addresses (or unresolved hosts) × ports. */
  total: number;
  /** Targets classified before the deadline. */
  tested: number;
  counts: SweepCounts;
  concurrency: number;
  /** The connect deadline used, ms: `filtered` means one connect stayed silent this long. */
  connectTimeoutMs: number;
  /** The least a first connect waited before it was given up and re-tried, ms. */
  adaptiveFloorMs: number;
  /** Targets whose first connect was silent past the host's adaptive timeout, so were connected again. */
  retried: number;
  /** Of those, the ones that answered the second time (open or refused: not filtered after all). */
  recovered: number;
  /** The connects alone, ms. */
  sweepMs: number;
  /** Every target, hosts × ports in the order given. */
  targets: SweepTargetFacts[];
}

const count = { type: 'integer', minimum: 0 } as const;
const factsSchema = {
  type: 'object',
  required: [
    'sweep',
    'expect',
    'hosts',
    'ports',
    'total',
    'tested',
    'counts',
    'concurrency',
    'connectTimeoutMs',
    'adaptiveFloorMs',
    'retried',
    'recovered',
    'sweepMs',
    'targets',
  ],
  properties: {
    sweep: { type: 'string' },
    expect: { enum: ['reachable', 'blocked'] },
    hosts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['host', 'addresses'],
        properties: {
          host: { type: 'string' },
          addresses: { type: 'array', items: { type: 'string' } },
          classification: { const: 'dns-failure' },
          kind: { type: 'string' },
        },
      },
    },
    ports: count,
    total: count,
    tested: count,
    counts: {
      type: 'object',
      required: ['open', 'refused', 'filtered', 'unreachable', 'dns-failure'],
      properties: { open: count, refused: count, filtered: count, unreachable: count, 'dns-failure': count },
    },
    concurrency: { type: 'integer', minimum: 1 },
    connectTimeoutMs: { type: 'number', minimum: 0 },
    adaptiveFloorMs: { type: 'number', minimum: 0 },
    retried: count,
    recovered: count,
    sweepMs: { type: 'number', minimum: 0 },
    targets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['host', 'port', 'classification'],
        properties: {
          host: { type: 'string' },
          port: { type: 'integer' },
          address: { type: 'string' },
          classification: { enum: [...NAMES] },
          connectMs: { type: 'number' },
          code: { type: 'string' },
          retried: { const: true },
        },
      },
    },
  },
} as const;

/** Many host:port pairs at once: open / refused / filtered / unreachable / dns-failure for each. */
export default defineCheck<Options, SweepFacts>({
  ...planning,
  // 2: every target listed (no `truncated`), the adaptive first try (`retried`, `recovered`, `adaptiveFloorMs`).
  facts: { version: 2, schema: factsSchema },
  messages,
  async measure(ctx, target) {
    const data = target.data as unknown as SweepData;
    let ports: number[];
    try {
      ports = expandPorts(data.ports);
    } catch (err) {
      if (err instanceof PortRangeError) throw new Error(`${target.id}: ${err.message}`, { cause: err });
      throw err;
    }
    const hosts = uniqueHosts(data.hosts);
    if (hosts.length * ports.length > ctx.options.maxTargets) {
      throw new Error(
        `${target.id}: ${hosts.length} host(s) × ${ports.length} port(s) = ${hosts.length * ports.length} targets, over maxTargets (${ctx.options.maxTargets}); ` +
          'raise checks.sweep.maxTargets if that is intended',
      );
    }

    // 1. Names → addresses, once per host per run (shared with dns, tcp, http, ...).
    const resolved = await mapLimit(hosts, DNS_CONCURRENCY, async (host) => {
      try {
        const answer = await lookupOnce(ctx, host);
        const all = answer.addresses.map((a) => a.address);
        return { host, addresses: all, swept: ctx.options.allAddresses ? all : all.slice(0, 1) };
      } catch (err) {
        if (!(err instanceof DnsLookupError)) throw err;
        return { host, addresses: [] as string[], swept: [] as string[], dnsFailure: err.kind };
      }
    });

    // 2. Lanes (one per swept address, or one per unresolved host) × ports.
    const lanes: Array<{ host: string; address?: string }> = [];
    for (const r of resolved) {
      if (r.swept.length === 0) lanes.push({ host: r.host });
      else for (const address of r.swept) lanes.push({ host: r.host, address });
    }
    const total = lanes.length * ports.length;
    const state = new Uint8Array(total);
    const connectMs = new Float64Array(total);
    const codeIndex = new Uint8Array(total);
    const codes: string[] = [''];
    lanes.forEach((lane, l) => {
      if (lane.address === undefined) state.fill(DNS_FAILURE, l * ports.length, (l + 1) * ports.length);
    });

    // Shortened only when the task's whole deadline is shorter than one timeout. Later, connects
    // that could not get the full timeout before the deadline are not started at all (canLaunch):
    // a cut-short wait would make a slow answer look filtered.
    const connectTimeoutMs = Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - RESERVE_MS));
    const concurrency = resolveConcurrency(ctx.options.concurrency);
    const limiter = await ctx.use(connectSlots, concurrency);
    const retried = new Uint8Array(total);
    const t0 = performance.now();
    await sweepAll({
      lanes,
      ports,
      state,
      connectMs,
      codeIndex,
      codes,
      retried,
      connectTimeoutMs,
      floorMs: Math.min(ctx.options.adaptiveFloorMs, connectTimeoutMs),
      limiter,
      signal: ctx.signal,
      canLaunch: () => ctx.remainingMs() > connectTimeoutMs + RESERVE_MS,
    });
    const sweepMs = round(performance.now() - t0);

    // 3. Facts: counts and the list, over every target.
    const counts = new Array<number>(NAMES.length).fill(0);
    let retriedCount = 0;
    let recovered = 0;
    const targets = new Array<SweepTargetFacts>(total);
    for (let i = 0; i < total; i++) {
      const lane = lanes[Math.floor(i / ports.length)]!;
      const s = state[i]!;
      counts[s]!++;
      if (retried[i]) {
        retriedCount++;
        if (s === OK || s === REFUSED) recovered++;
      }
      targets[i] = {
        host: lane.host,
        port: ports[i % ports.length]!,
        ...(lane.address !== undefined ? { address: lane.address } : {}),
        classification: NAMES[s]!,
        ...(s === OK ? { connectMs: round(connectMs[i]!) } : {}),
        ...(codeIndex[i] ? { code: codes[codeIndex[i]!]! } : {}),
        ...(retried[i] ? { retried: true as const } : {}),
      };
    }
    return {
      sweep: target.id,
      expect: data.expect,
      hosts: resolved.map((r) => ({
        host: r.host,
        addresses: r.addresses,
        ...(r.dnsFailure ? { classification: 'dns-failure' as const, kind: r.dnsFailure } : {}),
      })),
      ports: ports.length,
      total,
      tested: total - counts[UNTESTED]!,
      counts: {
        open: counts[OK]!,
        refused: counts[REFUSED]!,
        filtered: counts[FILTERED]!,
        unreachable: counts[UNREACHABLE]!,
        'dns-failure': counts[DNS_FAILURE]!,
      },
      concurrency: limiter.capacity,
      connectTimeoutMs,
      adaptiveFloorMs: Math.min(ctx.options.adaptiveFloorMs, connectTimeoutMs),
      retried: retriedCount,
      recovered,
      sweepMs,
      targets,
    };
  },

  judge(facts, { target }) {
    const data = target.data as unknown as SweepData;
    const blocked = data.expect === 'blocked';
    const { total, tested, counts } = facts;
    const untested = total - tested;
    const measurements: Measurement[] = [
      { id: 'targets', value: total },
      ...COUNTED.map(([id]): Measurement => ({
        id,
        value: counts[id],
        ...(id === 'open'
          ? { threshold: blocked ? { max: 0, source: 'expect: blocked' } : { min: total, source: 'expect: reachable' } }
          : {}),
      })),
      ...(untested ? [{ id: 'untested', value: untested }] : []),
      { id: 'sweepMs', value: facts.sweepMs, unit: 'ms' },
    ];

    // Targets that are not what the sweep expects: open ones for `blocked`, every other tested one for `reachable`.
    const closedKinds = COUNTED.filter(([id]) => id !== 'open' && counts[id]).map(([id]) => id);
    const wrongCount = blocked ? counts.open : closedKinds.reduce((n, id) => n + counts[id], 0);
    const list = firstWrong(facts.targets, blocked, FINDING_LIST);
    const findings: Finding[] = [];
    if (wrongCount) {
      const params = {
        sweep: target.id,
        count: wrongCount,
        total,
        list: list.map((e) => (blocked ? hostPort(e.host, e.port) : `${hostPort(e.host, e.port)} ${e.classification}`)).join(', '),
        more: wrongCount > list.length ? { id: 'sweep.more', params: { rest: wrongCount - list.length } } : '',
        summary: closedKinds.map((id) => `${id} ${counts[id]}`).join(', '),
      };
      findings.push(
        blocked
          ? {
              id: 'sweep.unexpectedly-open',
              severity: data.severity,
              message: { id: 'sweep.unexpectedly-open', params },
              remediation: { id: 'sweep.unexpectedly-open.fix' },
              evidence: { open: wrongCount, targets: list },
            }
          : {
              id: 'sweep.blocked',
              severity: data.severity,
              message: { id: 'sweep.blocked', params },
              remediation: { id: closedKinds.length === 1 ? `sweep.blocked.fix.${closedKinds[0]}` : 'sweep.blocked.fix' },
              evidence: {
                blocked: wrongCount,
                byClassification: Object.fromEntries(closedKinds.map((id) => [id, counts[id]])),
                targets: list,
              },
            },
      );
    }
    if (untested) {
      findings.push({
        id: 'sweep.incomplete',
        severity: 'medium',
        message: { id: 'sweep.incomplete', params: { sweep: target.id, tested, total, timeoutMs: facts.connectTimeoutMs } },
        remediation: { id: 'sweep.incomplete.fix' },
        evidence: { tested, total, untested },
      });
    }
    // A fail, with a score that still tells 1 bad target in 1,000 from all of them (below 0.5 to stay a fail).
    if (wrongCount) return { score: round((0.49 * (tested - wrongCount)) / Math.max(1, tested), 3), measurements, findings };
    // Nothing wrong among the targets tested, but not all were: the rest could not be measured.
    if (untested)
      return { score: null, error: `only ${tested} of ${total} targets were tested before the task deadline`, measurements, findings };
    return { score: 1, measurements, findings };
  },

  present(facts, { target }) {
    const data = target.data as unknown as SweepData | undefined;
    const blocks: Block[] = [
      {
        kind: 'key-value',
        title: { id: 'sweep.block.summary' },
        items: [
          { label: { id: 'sweep.kv.targets' }, value: facts.total },
          { label: { id: 'sweep.kv.tested' }, value: facts.tested },
          ...COUNTED.map(([id]) => ({ label: { id: `sweep.kv.${id}` }, value: facts.counts[id] })),
          { label: { id: 'sweep.kv.connect-timeout' }, value: { value: facts.connectTimeoutMs, unit: 'ms' } },
          { label: { id: 'sweep.kv.concurrency' }, value: facts.concurrency },
          ...(facts.retried
            ? [
                { label: { id: 'sweep.kv.retried' }, value: facts.retried },
                { label: { id: 'sweep.kv.recovered' }, value: facts.recovered },
              ]
            : []),
          { label: { id: 'sweep.kv.duration' }, value: { value: facts.sweepMs, unit: 'ms' } },
        ],
      },
    ];
    const wrong = firstWrong(facts.targets, (data?.expect ?? facts.expect) === 'blocked', FINDING_LIST);
    if (wrong.length) {
      blocks.push({
        kind: 'table',
        title: { id: (data?.expect ?? facts.expect) === 'blocked' ? 'sweep.block.open' : 'sweep.block.closed' },
        columns: [
          { key: 'host', label: { id: 'sweep.col.host' } },
          { key: 'port', label: { id: 'sweep.col.port' }, numeric: true },
          { key: 'address', label: { id: 'sweep.col.address' } },
          { key: 'result', label: { id: 'sweep.col.result' } },
          { key: 'code', label: { id: 'sweep.col.code' } },
        ],
        rows: wrong.map((t) => ({
          host: t.host,
          port: t.port,
          address: t.address ?? null,
          result: t.classification,
          code: t.code ?? null,
        })),
      });
    }
    const unresolved = facts.hosts.filter((h) => h.classification === 'dns-failure');
    if (unresolved.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'sweep.block.unresolved' },
        columns: [
          { key: 'host', label: { id: 'sweep.col.host' } },
          { key: 'kind', label: { id: 'sweep.col.dns' } },
        ],
        rows: unresolved.slice(0, FINDING_LIST).map((h) => ({ host: h.host, kind: h.kind ?? null })),
        ...(unresolved.length > FINDING_LIST
          ? { note: { id: 'sweep.note.more', params: { rest: unresolved.length - FINDING_LIST } } }
          : {}),
      });
    }
    return blocks;
  },
});

/** The first `max` listed targets that are not what the sweep expects (untested ones are neither). */
function firstWrong(targets: SweepTargetFacts[], blocked: boolean, max: number): SweepTargetFacts[] {
  const out: SweepTargetFacts[] = [];
  for (const t of targets) {
    if (out.length >= max) break;
    if (t.classification === 'untested' || (blocked ? t.classification !== 'ok' : t.classification === 'ok')) continue;
    out.push(t);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Targets

function uniqueHosts(hosts: string[]): string[] {
  const seen = new Set<string>();
  return hosts.filter((h) => {
    const key = h.toLowerCase();
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The sweep engine: a callback pump, no promise per target

// Connect slots are shared by every sweep task of a run (one Limiter per run, through
// ctx.artifact), so `concurrency` bounds the sockets in flight however many sweeps run side by
// side; its callback form keeps the pump free of a promise per target.
const connectSlots = defineArtifact<number, Limiter>({
  id: 'sweep:connect-slots',
  // One pool for the whole run: the first sweep's concurrency sizes it.
  key: () => 'run',
  compute: async (_ctx, concurrency) => new Limiter(concurrency),
});

/**
 * `concurrency: auto` from the soft open-file limit in /proc/self/limits: every connect in flight
 * holds a descriptor, and running out (EMFILE) ends the sweep as an error, so the sweep takes half
 * of what is left after FD_RESERVE — the other half stays for whatever else runs beside it.
 */
export function autoConcurrency(limits: string | undefined): number {
  const m = limits ? /^Max open files\s+(\d+|unlimited)\s/m.exec(limits) : null;
  if (!m) return FALLBACK_CONCURRENCY;
  const soft = m[1] === 'unlimited' ? Infinity : Number(m[1]);
  return Math.max(1, Math.min(MAX_AUTO_CONCURRENCY, Math.floor((soft - FD_RESERVE) / 2)));
}

function resolveConcurrency(option: number | 'auto'): number {
  if (option !== 'auto') return option;
  let limits: string | undefined;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    limits = undefined; // not Linux: the fixed fallback
  }
  return autoConcurrency(limits);
}

/**
 * How long a host's first connects wait before they are given up and tried again: RTT_MULTIPLIER ×
 * the fastest answer (SYN-ACK or RST) seen from that host, at least `floorMs`, at most
 * `connectTimeoutMs`. Undefined while the host has not answered anything: then there is nothing to
 * learn from, and its connects keep waiting.
 */
export function adaptiveTimeoutMs(fastestAnswerMs: number, floorMs: number, connectTimeoutMs: number): number | undefined {
  if (!Number.isFinite(fastestAnswerMs)) return undefined;
  return Math.min(connectTimeoutMs, Math.max(floorMs, RTT_MULTIPLIER * fastestAnswerMs));
}

/**
 * What to do with a connect still silent after `waitedMs`: `filtered` once one connect has been
 * silent for the whole `connectTimeoutMs` (a second try always is; a first try is when its host
 * never answered anything, or answers so slowly that its adaptive timeout is the full one);
 * `retry` for a first try past its host's adaptive timeout; otherwise the ms to wait before asking
 * again (a host that has not answered yet is asked about every `floorMs`, so a first answer from
 * it shortens the wait of connects already in flight).
 */
export function silenceVerdict(
  waitedMs: number,
  secondTry: boolean,
  fastestAnswerMs: number,
  floorMs: number,
  connectTimeoutMs: number,
): 'filtered' | 'retry' | number {
  if (waitedMs >= connectTimeoutMs - TIMER_SLACK_MS) return 'filtered';
  if (secondTry) return connectTimeoutMs - waitedMs;
  const adaptive = adaptiveTimeoutMs(fastestAnswerMs, floorMs, connectTimeoutMs);
  if (adaptive === undefined) return Math.min(floorMs, connectTimeoutMs - waitedMs);
  if (waitedMs >= adaptive - TIMER_SLACK_MS) return 'retry';
  return adaptive - waitedMs;
}

interface SweepJob {
  lanes: Array<{ host: string; address?: string }>;
  ports: number[];
  /** In: DNS_FAILURE for unresolved lanes, UNTESTED for the rest. Out: the classification. */
  state: Uint8Array;
  connectMs: Float64Array;
  codeIndex: Uint8Array;
  codes: string[];
  /** Out: 1 where the first connect was given up at the adaptive timeout and a second one decided. */
  retried: Uint8Array;
  connectTimeoutMs: number;
  floorMs: number;
  limiter: Limiter;
  signal: AbortSignal;
  /** False once a connect started now could not finish before the task's deadline. */
  canLaunch(): boolean;
}

/** Local resource limits: not a property of the path, so never a classification. */
const LOCAL_LIMITS = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

/**
 * Classifies every UNTESTED target. Targets start port-major (every host's first port, then every
 * host's second, ...) so the load on any one host is spread over the sweep; results land at
 * lane × ports + port. A first connect silent past its host's adaptive timeout is closed and its
 * target queued for a second connect, ahead of targets not tried yet. Resolves when all are
 * classified (or the deadline stopped new connects and the last in-flight one ended); rejects on
 * abort, after destroying every socket.
 */
function sweepAll(job: SweepJob): Promise<void> {
  const { lanes, ports, state, connectMs, codeIndex, codes, retried, connectTimeoutMs, floorMs, limiter, signal } = job;
  const L = lanes.length;
  const P = ports.length;
  const N = L * P;
  // The fastest answer seen from each lane's address: its round trip, without the event loop's
  // delays (those only ever add), so the minimum rather than an average.
  const fastest = new Float64Array(L).fill(Infinity);
  const retryQueue: number[] = [];
  let retryHead = 0;
  let pending = 0; // connects not started yet: untested targets, then the queued second tries
  for (let i = 0; i < N; i++) if (state[i] === UNTESTED) pending++;

  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let cursor = 0; // launch order position, port-major
    let requested = 0; // slots asked of the limiter, not granted yet
    let stopped = false; // deadline: start nothing more
    let over = false;
    const live = new Set<Attempt>();

    interface Attempt {
      socket: Socket;
      timer: NodeJS.Timeout | undefined;
    }

    const finish = (err?: unknown) => {
      if (over) return;
      over = true;
      signal.removeEventListener('abort', onAbort);
      requested -= limiter.cancel(onGrant);
      for (const a of live) {
        clearTimeout(a.timer);
        a.socket.destroy();
        limiter.release();
      }
      live.clear();
      if (err === undefined) resolve();
      else reject(err);
    };
    const maybeDone = () => {
      if (live.size === 0 && requested === 0 && (pending === 0 || stopped)) finish();
    };
    const onAbort = () => finish(signal.reason ?? new Error('aborted'));
    const intern = (code: string): number => {
      let k = codes.indexOf(code);
      if (k < 0) {
        k = codes.length;
        codes.push(code);
      }
      return k < 256 ? k : 0;
    };
    const nextTarget = (): number => {
      // Second tries first: each is a target already half decided, and waiting costs it a full timeout.
      if (retryHead < retryQueue.length) return retryQueue[retryHead++]!;
      while (cursor < N) {
        const k = cursor++;
        const idx = (k % L) * P + Math.floor(k / L);
        if (state[idx] === UNTESTED) return idx;
      }
      return -1;
    };
    const ask = () => {
      while (!stopped && !over && pending > requested && requested + live.size < limiter.capacity) {
        requested++;
        limiter.acquire(onGrant);
      }
    };
    function onGrant(): void {
      requested--;
      if (over || stopped || pending === 0 || !job.canLaunch()) {
        if (!over && pending > 0 && !stopped) {
          stopped = true;
          requested -= limiter.cancel(onGrant);
        }
        limiter.release();
        if (!over) maybeDone();
        return;
      }
      const idx = nextTarget();
      pending--;
      start(idx);
    }

    const start = (idx: number) => {
      const l = Math.floor(idx / P);
      const lane = lanes[l]!;
      const secondTry = retried[idx] === 1;
      let t0 = performance.now();
      let settled = false;
      const socket = connect({ host: lane.address!, port: ports[idx % P]! });
      const attempt: Attempt = { socket, timer: undefined };
      const end = () => {
        settled = true;
        clearTimeout(attempt.timer);
        live.delete(attempt);
      };
      const settle = (s: number, code?: string) => {
        if (settled || over) return;
        end();
        if (s === OK || s === REFUSED) {
          const ms = performance.now() - t0;
          if (ms < fastest[l]!) fastest[l] = ms;
          if (s === OK) connectMs[idx] = ms;
        }
        // RST, not FIN: nothing lingers in TIME_WAIT on either side after a big sweep.
        if (s === OK) socket.resetAndDestroy();
        else socket.destroy();
        state[idx] = s;
        if (code) codeIndex[idx] = intern(code);
        limiter.release();
        ask();
        maybeDone();
      };
      // Given up at the adaptive timeout: the target stays UNTESTED until its second connect
      // decides it (or the deadline leaves it untested), so an early give-up is never a verdict.
      const retry = () => {
        if (settled || over) return;
        end();
        socket.destroy();
        retried[idx] = 1;
        retryQueue.push(idx);
        pending++;
        limiter.release();
        ask();
        maybeDone();
      };
      const onSilence = () => {
        if (settled || over) return;
        const verdict = silenceVerdict(performance.now() - t0, secondTry, fastest[l]!, floorMs, connectTimeoutMs);
        if (verdict === 'filtered') settle(FILTERED, 'CONNECT_TIMEOUT');
        else if (verdict === 'retry') retry();
        else arm(verdict);
      };
      // Decide after the next poll phase, not in the timers phase: when the event loop was held up
      // (a busy CPU, a GC pause) past the deadline, a handshake that did complete in time is still
      // waiting in the poll queue, and firing first would call an open port silent.
      const arm = (ms: number) => {
        attempt.timer = setTimeout(() => setImmediate(onSilence), ms);
      };
      live.add(attempt);
      socket.once('connect', () => settle(OK));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (settled || over) return;
        if (err.code && LOCAL_LIMITS.has(err.code)) {
          end();
          socket.destroy();
          limiter.release();
          finish(
            new Error(`local limit while sweeping (${err.code}): lower checks.sweep.concurrency or raise the open-file limit (ulimit -n)`),
          );
          return;
        }
        settle(CODE_OF[connectFailure(err.code)]!, err.code ?? 'ERROR');
      });
      // net.connect() to an IP literal issues connect(2) on the next tick; this tick runs right
      // after it, so the timeout (and connectMs) count from the SYN, not from a queue of a few
      // thousand starts made in one go.
      process.nextTick(() => {
        if (settled || over) return;
        t0 = performance.now();
        const first = silenceVerdict(0, secondTry, fastest[l]!, floorMs, connectTimeoutMs);
        arm(typeof first === 'number' ? first : 0);
      });
    };

    signal.addEventListener('abort', onAbort, { once: true });
    ask();
    maybeDone();
  });
}
