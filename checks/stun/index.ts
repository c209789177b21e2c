// STUN Binding per transport (reachability, reflexive address, round trip), then, over UDP, the
// NAT's behaviour (RFC 5780) and a sweep of the endpoint's UDP ports: measured once into facts,
// judged from them alone.

import {
  defineCheck,
  type Block,
  type Cell,
  type Classification,
  type Finding,
  type Measurement,
  type Message,
} from '../../src/plugin-api.js';
import { pathFailureFinding, pathFailureSchema, pathMessages, type PathFailure } from '../../src/net/path-messages.js';
import { timingScore } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { defaultTransports, stunBinding, sweepUdpPorts } from '../../src/net/stun-client.js';
import { discoverNatBehaviour, type NatBehaviourKind, type NatNote } from '../../src/net/stun-nat.js';
import { formatAddress } from '../../src/net/stun.js';
import { expandPorts, formatPorts, PortRangeError } from '../../src/util/port-ranges.js';
import {
  asPathError,
  bestTransport,
  failureOf,
  round,
  serverAddress,
  stunTlsOptions,
  transportFailure,
  transportFailureProperties,
  transportList,
  transportsFailedFinding,
  type TransportFacts,
} from './common.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    'stun.filtered': '{endpoint}: no STUN answer from {host}:{port} over {transports} within {timeoutMs} ms: packets are silently dropped.',
    'stun.filtered.fix':
      'A firewall drops STUN to {host}:{port}. Allow it outbound (UDP and TCP, and the return traffic) between this site and the server: IM clients use it to learn their public address and to reach the TURN relay.',
    'stun.refused':
      '{endpoint}: {host}:{port} refuses STUN over {transports} (ICMP port unreachable / TCP RST): nothing listens there, or a firewall rejects it.',
    'stun.refused.fix':
      'Check that the STUN/TURN service runs on port {port}; if it does, allow {host}:{port} (UDP and TCP) outbound on the site firewall.',
    'stun.unreachable': '{endpoint}: {host} is unreachable ({code}): no route to the STUN server.',
    'stun.unreachable.fix': 'Check routing to {host} (default route, VPN split tunnel, ACLs that answer with ICMP unreachable).',
    'stun.timeout': '{endpoint}: {host}:{port} accepts connections over {transports} but never answers STUN.',
    'stun.timeout.fix':
      'Something other than a STUN server listens there (a web server, a load balancer that does not pass STUN): point the endpoint at the STUN/TURN port.',
    'stun.server-error': '{endpoint}: {host}:{port} answered, but not with a usable STUN response: {detail}.',
    'stun.server-error.fix':
      "Check the server's STUN configuration, and compare with `turnutils_stunclient -p {port} {host}` from this site.",
    'stun.udp-blocked':
      '{endpoint}: UDP {port} to {host} gets no answer ({classification}) while {working} works: media falls back to TCP/TLS relays.',
    'stun.udp-blocked.fix':
      'Allow outbound UDP to {host}:{port} and its return traffic (for most IM platforms also the media ports, e.g. UDP 3478–3481). Media over TCP/TLS suffers head-of-line blocking: more delay and jitter in every call.',
    'stun.transport-failed':
      '{endpoint}: STUN over {transport} to {host}:{port} fails ({classification}) while UDP works: clients on networks that block UDP have no fallback through this server.',
    'stun.transport-failed.fix':
      'If the server offers STUN/TURN over {transport}, allow it outbound to {host}:{port}; if it does not, list only the transports it offers (transports: [udp]).',
    'stun.slow': '{endpoint}: STUN round trip {ms} ms over {transport} (target ≤ {limit} ms).',
    'stun.slow.fix':
      'A long round trip to the STUN/TURN server adds to every relayed call: check routing to {host}, or use a server closer to this site (Teams target: < 100 ms RTT to the media edge).',
    'stun.nat-symmetric':
      '{endpoint}: this site\'s NAT is "symmetric": it gives {mapping}. The public address the STUN server reports is then not the one other peers would reach, so direct peer-to-peer media fails with most peers outside the site, and those calls are relayed through TURN.',
    'stun.nat-symmetric.fix':
      "Configure the NAT for endpoint-independent mapping of UDP (RFC 4787 REQ-1: one public address and port for every destination; on Linux, MASQUERADE or SNAT without --random / --random-fully). Until then every external call needs the relay: keep the TURN server reachable over UDP 3478 (and TCP/TLS 443 as a fallback) and sized for the site's peak calls.",
    'stun.nat.address-dependent': 'every destination address its own public port (address-dependent mapping)',
    'stun.nat.address-and-port-dependent': 'every destination address and port its own public port (address-and-port-dependent mapping)',
    'stun.ports-silent': '{endpoint}: {count} of {total} UDP ports on {host} do not answer STUN: {ports}.',
    'stun.ports-silent.fix':
      "Allow outbound UDP to {host} on these ports (and the return traffic), or remove them from the endpoint's ports if the service does not use them.",
    'stun.unexpectedly-open': '{endpoint}: {host}:{port} answers STUN over {transports}, but the site policy says it must be blocked.',
    'stun.unexpectedly-open.fix': 'Add deny rules for {host}:{port} (UDP and TCP) at the site firewall, then re-run the assessment.',
    'stun.nat.kind.endpoint-independent': 'endpoint-independent',
    'stun.nat.kind.address-dependent': 'address-dependent',
    'stun.nat.kind.address-and-port-dependent': 'address-and-port-dependent',
    'stun.nat.kind.unknown': 'unknown (a test to the alternate address failed)',
    'stun.nat.kind.not-supported': 'not testable (the server ignores CHANGE-REQUEST)',
    'stun.nat.note.no-other-address': 'The server returns no OTHER-ADDRESS: it does not support NAT behaviour discovery (RFC 5780).',
    'stun.nat.note.change-request-ignored': 'The server ignores CHANGE-REQUEST: filtering cannot be tested against it.',
    'stun.nat.note.same-ip-alternate': "OTHER-ADDRESS has the server's own IP: only port dependence can be tested.",
    'stun.nat.note.no-nat': 'No NAT between this host and the server: the reflexive address is the local one.',
    'stun.block.transports': 'STUN Binding per transport',
    'stun.col.transport': 'Transport',
    'stun.col.result': 'Result',
    'stun.col.rtt': 'Round trip (ms)',
    'stun.col.reflexive': 'Reflexive address',
    'stun.col.code': 'Code',
    'stun.block.nat': 'NAT behaviour (RFC 5780)',
    'stun.kv.natted': 'Behind a NAT',
    'stun.kv.local': 'Local address',
    'stun.kv.reflexive': 'Reflexive address',
    'stun.kv.other-address': "Server's alternate address",
    'stun.kv.mapping': 'Mapping',
    'stun.kv.filtering': 'Filtering',
    'stun.kv.note': 'Note',
    'stun.kv.error': 'Discovery failed',
    'stun.kv.mapping-error': 'Mapping test failed',
    'stun.kv.filtering-error': 'Filtering test failed',
    'stun.block.sweep': 'UDP ports swept with STUN Binding requests',
    'stun.kv.swept': 'Ports tested',
    'stun.swept': '{tested} of {total}',
    'stun.swept.truncated': '{tested} of {total} (only the first {maxPorts}: maxSweepPorts)',
    'stun.kv.answered': 'Answered',
    'stun.kv.refused': 'Refused (ICMP port unreachable)',
    'stun.kv.filtered': 'No answer (filtered)',
    'stun.kv.other': 'Other',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'stun.filtered': '{endpoint}：{timeoutMs} 毫秒内经 {transports} 未收到 {host}:{port} 的 STUN 应答：数据包被静默丢弃。',
    'stun.filtered.fix':
      '防火墙丢弃了到 {host}:{port} 的 STUN。请在本站点与服务器之间放行其出站流量（UDP 和 TCP，及回程流量）：IM 客户端用它获知自己的公网地址并访问 TURN 中继。',
    'stun.refused': '{endpoint}：{host}:{port} 经 {transports} 拒绝 STUN（ICMP 端口不可达 / TCP RST）：端口未监听或被防火墙拒绝。',
    'stun.refused.fix': '确认 STUN/TURN 服务在端口 {port} 上运行；如已运行，请在站点防火墙上放行 {host}:{port}（UDP 和 TCP）出站。',
    'stun.unreachable': '{endpoint}：{host} 不可达（{code}）：没有到 STUN 服务器的路由。',
    'stun.unreachable.fix': '检查到 {host} 的路由（默认路由、VPN 分离隧道、返回 ICMP 不可达的 ACL）。',
    'stun.timeout': '{endpoint}：{host}:{port} 经 {transports} 接受连接，但从不应答 STUN。',
    'stun.timeout.fix': '该端口上监听的不是 STUN 服务器（Web 服务器，或不转发 STUN 的负载均衡器）：请将端点指向 STUN/TURN 端口。',
    'stun.server-error': '{endpoint}：{host}:{port} 有应答，但不是可用的 STUN 响应：{detail}。',
    'stun.server-error.fix': '检查服务器的 STUN 配置，并在本站点用 `turnutils_stunclient -p {port} {host}` 对比。',
    'stun.udp-blocked': '{endpoint}：到 {host} 的 UDP {port} 无应答（{classification}），而 {working} 可用：媒体将回退到 TCP/TLS 中继。',
    'stun.udp-blocked.fix':
      '放行到 {host}:{port} 的 UDP 出站及回程流量（多数 IM 平台还需要媒体端口，如 UDP 3478–3481）。经 TCP/TLS 传输的媒体存在队头阻塞：每次通话的延迟和抖动都会增加。',
    'stun.transport-failed':
      '{endpoint}：经 {transport} 到 {host}:{port} 的 STUN 失败（{classification}），而 UDP 可用：在阻断 UDP 的网络中，客户端无法经此服务器回退。',
    'stun.transport-failed.fix':
      '如果服务器提供基于 {transport} 的 STUN/TURN，请放行到 {host}:{port} 的出站流量；如果不提供，请只列出它支持的传输方式（transports: [udp]）。',
    'stun.slow': '{endpoint}：经 {transport} 的 STUN 往返时间为 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'stun.slow.fix':
      '到 STUN/TURN 服务器的往返时间过长会拖累每一次中继通话：检查到 {host} 的路由，或使用离本站点更近的服务器（Teams 目标：到媒体边缘 RTT < 100 毫秒）。',
    'stun.nat-symmetric':
      '{endpoint}：本站点的 NAT 是“对称型” NAT：它为{mapping}。STUN 服务器报告的公网地址并不是其他终端能访问到的地址，因此与站点外大多数终端的点对点媒体直连会失败，这些通话将经 TURN 中继。',
    'stun.nat-symmetric.fix':
      '将 NAT 配置为对 UDP 使用与端点无关的映射（RFC 4787 REQ-1：对所有目标使用同一个公网地址和端口；Linux 上即不带 --random / --random-fully 的 MASQUERADE 或 SNAT）。在此之前，所有外部通话都需要中继：确保 TURN 服务器可经 UDP 3478 访问（TCP/TLS 443 作为回退），且容量足以承载本站点的高峰通话。',
    'stun.nat.address-dependent': '每个目标地址分配各自的公网端口（与地址相关的映射）',
    'stun.nat.address-and-port-dependent': '每个目标地址和端口分配各自的公网端口（与地址和端口相关的映射）',
    'stun.ports-silent': '{endpoint}：{host} 的 {total} 个 UDP 端口中有 {count} 个不应答 STUN：{ports}。',
    'stun.ports-silent.fix': '放行到 {host} 这些端口的 UDP 出站（及回程流量）；如果服务不使用这些端口，请将其从端点的 ports 中删除。',
    'stun.unexpectedly-open': '{endpoint}：{host}:{port} 经 {transports} 应答 STUN，但站点策略要求必须阻断。',
    'stun.unexpectedly-open.fix': '在站点防火墙上为 {host}:{port}（UDP 和 TCP）添加拒绝规则，然后重新评估。',
    'stun.nat.kind.endpoint-independent': '与端点无关',
    'stun.nat.kind.address-dependent': '与地址相关',
    'stun.nat.kind.address-and-port-dependent': '与地址和端口相关',
    'stun.nat.kind.unknown': '未知（到备用地址的测试失败）',
    'stun.nat.kind.not-supported': '无法测试（服务器忽略 CHANGE-REQUEST）',
    'stun.nat.note.no-other-address': '服务器未返回 OTHER-ADDRESS：它不支持 NAT 行为发现（RFC 5780）。',
    'stun.nat.note.change-request-ignored': '服务器忽略 CHANGE-REQUEST：无法用它测试过滤行为。',
    'stun.nat.note.same-ip-alternate': 'OTHER-ADDRESS 与服务器 IP 相同：只能测试与端口的相关性。',
    'stun.nat.note.no-nat': '本机与服务器之间没有 NAT：反射地址就是本地地址。',
    'stun.block.transports': '各传输方式的 STUN Binding',
    'stun.col.transport': '传输方式',
    'stun.col.result': '结果',
    'stun.col.rtt': '往返时间（毫秒）',
    'stun.col.reflexive': '反射地址',
    'stun.col.code': '代码',
    'stun.block.nat': 'NAT 行为（RFC 5780）',
    'stun.kv.natted': '位于 NAT 之后',
    'stun.kv.local': '本地地址',
    'stun.kv.reflexive': '反射地址',
    'stun.kv.other-address': '服务器备用地址',
    'stun.kv.mapping': '映射',
    'stun.kv.filtering': '过滤',
    'stun.kv.note': '说明',
    'stun.kv.error': '发现失败',
    'stun.kv.mapping-error': '映射测试失败',
    'stun.kv.filtering-error': '过滤测试失败',
    'stun.block.sweep': '用 STUN Binding 请求扫描的 UDP 端口',
    'stun.kv.swept': '已测试端口',
    'stun.swept': '{total} 个中的 {tested} 个',
    'stun.swept.truncated': '{total} 个中的 {tested} 个（仅前 {maxPorts} 个：maxSweepPorts）',
    'stun.kv.answered': '有应答',
    'stun.kv.refused': '被拒绝（ICMP 端口不可达）',
    'stun.kv.filtered': '无应答（已过滤）',
    'stun.kv.other': '其他',
  },
};

/** One transport's Binding: the answer (reflexive address, round trip), or how it failed. */
export interface StunTransportFacts extends TransportFacts {
  /** From the last transmission to the answer, ms. */
  rttMs?: number;
  /** UDP: requests sent before the answer (retransmissions + 1). */
  transmissions?: number;
  /** This site as the server sees it, "ip:port". */
  reflexive?: string;
  /** OTHER-ADDRESS: the server supports RFC 5780 from there. */
  otherAddress?: string;
  software?: string;
}

/** RFC 5780 discovery over UDP. */
export interface StunNatFacts {
  supported: boolean;
  /** The reflexive address differs from the local one. */
  natted: boolean;
  local: string;
  reflexive: string;
  otherAddress?: string;
  mapping?: NatBehaviourKind | 'unknown';
  filtering?: NatBehaviourKind | 'not-supported' | 'unknown';
  notes?: NatNote[];
  mappingError?: string;
  filteringError?: string;
  /** Deadline of each discovery transaction, ms: silence this long was the filtering tests' answer. */
  timeoutMs: number;
}

/** The discovery could not even start (the first Binding failed). */
export interface StunNatFailure {
  error: string;
  timeoutMs: number;
}

/** The endpoint's `ports`, each asked for a Binding over UDP. */
export interface StunSweepFacts {
  /** Ports the endpoint lists (ranges expanded). */
  total: number;
  /** Ports that got an answer or a verdict before the deadline. */
  tested: number;
  /** Only the first `maxPorts` were swept. */
  truncated?: boolean;
  maxPorts?: number;
  answered: number[];
  refused: number[];
  filtered: number[];
  other: Array<{ port: number; classification: Classification; code?: string }>;
  /** Deadline of each Binding, ms. */
  timeoutMs: number;
}

export interface StunFacts {
  /** The best transport's classification. */
  classification: Classification;
  /** `protocol-error`: the best transport's server answered and broke STUN. */
  kind?: 'protocol-error';
  /** STUN/TURN never goes through the HTTP proxy. */
  path: 'direct';
  /** The endpoint's `expect` when measured (the NAT tests and sweep run only for reachable endpoints). */
  expect: 'reachable' | 'blocked';
  host: string;
  port: number;
  /** The address asked (IPv4 preferred). */
  address?: string;
  /** Deadline of one Binding transaction, retransmissions included, ms. */
  transactionTimeoutMs: number;
  /** The host did not resolve: nothing was sent. */
  dnsFailure?: PathFailure;
  transports: StunTransportFacts[];
  nat?: StunNatFacts | StunNatFailure;
  sweep?: StunSweepFacts;
}

const natKinds = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];
const factsSchema = {
  type: 'object',
  required: ['classification', 'path', 'expect', 'host', 'port', 'transactionTimeoutMs', 'transports'],
  properties: {
    classification: { type: 'string' },
    kind: { const: 'protocol-error' },
    path: { const: 'direct' },
    expect: { enum: ['reachable', 'blocked'] },
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    address: { type: 'string' },
    transactionTimeoutMs: { type: 'number', minimum: 0 },
    dnsFailure: pathFailureSchema,
    transports: {
      type: 'array',
      items: {
        type: 'object',
        required: ['transport', 'classification'],
        properties: {
          ...transportFailureProperties,
          rttMs: { type: 'number', minimum: 0 },
          transmissions: { type: 'integer', minimum: 0 },
          reflexive: { type: 'string' },
          otherAddress: { type: 'string' },
          software: { type: 'string' },
        },
      },
    },
    nat: {
      anyOf: [
        { type: 'object', required: ['error', 'timeoutMs'], properties: { error: { type: 'string' }, timeoutMs: { type: 'number' } } },
        {
          type: 'object',
          required: ['supported', 'natted', 'local', 'reflexive', 'timeoutMs'],
          properties: {
            supported: { type: 'boolean' },
            natted: { type: 'boolean' },
            local: { type: 'string' },
            reflexive: { type: 'string' },
            otherAddress: { type: 'string' },
            mapping: { enum: [...natKinds, 'unknown'] },
            filtering: { enum: [...natKinds, 'not-supported', 'unknown'] },
            notes: { type: 'array', items: { enum: ['no-other-address', 'change-request-ignored', 'same-ip-alternate', 'no-nat'] } },
            mappingError: { type: 'string' },
            filteringError: { type: 'string' },
            timeoutMs: { type: 'number', minimum: 0 },
          },
        },
      ],
    },
    sweep: {
      type: 'object',
      required: ['total', 'tested', 'answered', 'refused', 'filtered', 'other', 'timeoutMs'],
      properties: {
        total: { type: 'integer', minimum: 0 },
        tested: { type: 'integer', minimum: 0 },
        truncated: { type: 'boolean' },
        maxPorts: { type: 'integer' },
        answered: { type: 'array', items: { type: 'integer' } },
        refused: { type: 'array', items: { type: 'integer' } },
        filtered: { type: 'array', items: { type: 'integer' } },
        other: {
          type: 'array',
          items: {
            type: 'object',
            required: ['port', 'classification'],
            properties: { port: { type: 'integer' }, classification: { type: 'string' }, code: { type: 'string' } },
          },
        },
        timeoutMs: { type: 'number', minimum: 0 },
      },
    },
  },
} as const;

// Best first: when transports disagree, the endpoint is as good as its best transport.
const ORDER: Classification[] = ['ok', 'server-error', 'timeout', 'tls-failure', 'refused', 'unreachable', 'filtered', 'dns-failure'];
const SYMMETRIC = new Set(['address-dependent', 'address-and-port-dependent']);
const FINDING_PORTS = 20;

/** STUN Binding per transport (reachability, reflexive address, RTT), NAT behaviour, UDP port sweep. */
export default defineCheck<Options, StunFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const o = ctx.options;
    const budget = (ms: number) => Math.max(100, Math.min(ms, ctx.remainingMs() - 300));
    const transactionTimeoutMs = budget(o.transactionTimeoutMs);
    // A port list that cannot be read is the site file's mistake: said before anything is sent.
    const sweepPorts = ep.ports?.length ? portsOf(ep.name, ep.ports) : undefined;
    const base = { path: 'direct' as const, expect: ep.expect, host: ep.host, port: ep.port, transactionTimeoutMs };

    const server = await serverAddress(ctx, ep.host);
    if ('dnsFailure' in server) return { classification: 'dns-failure', ...base, dnsFailure: server.dnsFailure, transports: [] };
    const { address } = server;

    const transports = defaultTransports(ep);
    const tls = transports.includes('tls') ? await stunTlsOptions(ctx, ep) : undefined;
    const outcomes = await Promise.all(
      transports.map(async (transport): Promise<StunTransportFacts> => {
        try {
          const r = await stunBinding(
            {
              transport,
              address,
              port: ep.port,
              connectTimeoutMs: budget(o.connectTimeoutMs),
              ...(transport === 'tls' ? { tls } : {}),
              signal: ctx.signal,
            },
            { timeoutMs: transactionTimeoutMs, signal: ctx.signal },
          );
          return {
            transport,
            classification: 'ok',
            rttMs: r.rttMs,
            transmissions: r.transmissions,
            ...(r.mapped ? { reflexive: formatAddress(r.mapped) } : {}),
            ...(r.otherAddress ? { otherAddress: formatAddress(r.otherAddress) } : {}),
            ...(r.software ? { software: r.software.slice(0, 120) } : {}),
          };
        } catch (err) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          return { transport, ...transportFailure(asPathError(err)) };
        }
      }),
    );
    const best = bestTransport(outcomes, ORDER)!;
    const facts: StunFacts = {
      classification: best.classification,
      ...(best.kind ? { kind: best.kind } : {}),
      ...base,
      address,
      transports: outcomes,
    };
    const udpOk = outcomes.some((t) => t.transport === 'udp' && t.classification === 'ok');
    if (ep.expect === 'blocked' || best.classification !== 'ok') return facts;

    // Then, in parallel: NAT behaviour over UDP, and the UDP port sweep.
    const phase = AbortSignal.any([ctx.signal, AbortSignal.timeout(Math.floor(Math.max(200, ctx.remainingMs() - 400)))]);
    const natTimeoutMs = budget(o.natTimeoutMs);
    const sweepTimeoutMs = budget(o.sweepTimeoutMs);
    const swept = sweepPorts?.slice(0, o.maxSweepPorts);
    const [nat, sweep] = await Promise.all([
      udpOk && o.natDiscovery
        ? discoverNatBehaviour({ address, port: ep.port }, { timeoutMs: natTimeoutMs, signal: phase }).then(
            (n): StunNatFacts => ({
              supported: n.supported,
              natted: n.natted,
              local: formatAddress(n.local),
              reflexive: formatAddress(n.mapped),
              ...(n.otherAddress ? { otherAddress: formatAddress(n.otherAddress) } : {}),
              ...(n.mapping ? { mapping: n.mapping } : {}),
              ...(n.filtering ? { filtering: n.filtering } : {}),
              ...(n.notes.length ? { notes: n.notes } : {}),
              ...(n.mappingError ? { mappingError: n.mappingError } : {}),
              ...(n.filteringError ? { filteringError: n.filteringError } : {}),
              timeoutMs: natTimeoutMs,
            }),
            (err: unknown): StunNatFailure => {
              if (ctx.signal.aborted) throw ctx.signal.reason;
              return { error: err instanceof Error ? err.message : String(err), timeoutMs: natTimeoutMs };
            },
          )
        : undefined,
      swept ? sweepUdpPorts(address, swept, { concurrency: o.sweepConcurrency, timeoutMs: sweepTimeoutMs, signal: phase }) : undefined,
    ]);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (nat) facts.nat = nat;
    if (sweep && sweepPorts) {
      const truncated = sweepPorts.length > o.maxSweepPorts;
      const silent = sweep.filter((r) => r.classification !== 'ok');
      facts.sweep = {
        total: sweepPorts.length,
        tested: sweep.length,
        ...(truncated ? { truncated: true, maxPorts: o.maxSweepPorts } : {}),
        answered: sweep.filter((r) => r.classification === 'ok').map((r) => r.port),
        refused: silent.filter((r) => r.classification === 'refused').map((r) => r.port),
        filtered: silent.filter((r) => r.classification === 'filtered').map((r) => r.port),
        other: silent
          .filter((r) => r.classification !== 'refused' && r.classification !== 'filtered')
          .map((r) => ({ port: r.port, classification: r.classification, ...(r.code ? { code: r.code } : {}) })),
        timeoutMs: sweepTimeoutMs,
      };
    }
    return facts;
  },

  judge(facts, { options, threshold, target }) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const timeoutMs = facts.transactionTimeoutMs;
    const blocked = ep.expect === 'blocked';
    if (facts.dnsFailure)
      return blocked ? { score: 1 } : { score: 0, findings: [pathFailureFinding('stun', facts.dnsFailure, ep, severity, timeoutMs)] };
    const outcomes = facts.transports;
    const best = bestTransport(outcomes, ORDER);
    if (!best) return { score: null, error: 'no transport was tried' };
    const ok = outcomes.filter((t) => t.classification === 'ok');

    if (blocked) {
      if (ok.length === 0) return { score: 1 };
      return {
        score: 0,
        findings: [
          {
            id: 'stun.unexpectedly-open',
            severity: ep.severity ?? 'high',
            message: {
              id: 'stun.unexpectedly-open',
              params: { endpoint: ep.name, host: ep.host, port: ep.port, transports: transportList(ok) },
            },
            remediation: { id: 'stun.unexpectedly-open.fix', params: { host: ep.host, port: ep.port } },
            evidence: { transports: ok.map((t) => t.transport) },
          },
        ],
      };
    }
    if (ok.length === 0) {
      const failed = outcomes.filter((t) => t.classification === best.classification);
      return { score: 0, findings: [transportsFailedFinding('stun', ep, best, failed, severity, timeoutMs)] };
    }

    const slowMs = threshold('rttMs', options.slowMs);
    const findings: Finding[] = [];
    let score = 1;
    const udp = outcomes.find((t) => t.transport === 'udp');
    const udpOk = udp?.classification === 'ok';
    if (udp && !udpOk) {
      score = Math.min(score, 0.6);
      findings.push({
        id: 'stun.udp-blocked',
        severity: 'medium',
        message: {
          id: 'stun.udp-blocked',
          params: { endpoint: ep.name, host: ep.host, port: ep.port, classification: udp.classification, working: transportList(ok) },
        },
        remediation: { id: 'stun.udp-blocked.fix', params: { host: ep.host, port: ep.port } },
        evidence: { udp: { classification: udp.classification, ...(udp.code ? { code: udp.code } : {}) } },
      });
    }
    for (const t of outcomes) {
      if (t.transport === 'udp' || t.classification === 'ok') continue;
      if (t.classification === 'tls-failure') {
        score = Math.min(score, 0.7);
        findings.push(pathFailureFinding('stun', failureOf(t), ep, 'medium', timeoutMs));
        continue;
      }
      score = Math.min(score, udpOk ? 0.8 : 0.6);
      const transport = t.transport.toUpperCase();
      findings.push({
        id: 'stun.transport-failed',
        severity: 'low',
        message: {
          id: 'stun.transport-failed',
          params: { endpoint: ep.name, host: ep.host, port: ep.port, transport, classification: t.classification },
        },
        remediation: { id: 'stun.transport-failed.fix', params: { host: ep.host, port: ep.port, transport } },
        evidence: { transport: t.transport, classification: t.classification, ...(t.code ? { code: t.code } : {}) },
      });
    }

    const fastest = [...ok].sort((a, b) => (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity))[0]!;
    const rttMs = fastest.rttMs ?? 0;
    score = Math.min(score, timingScore(rttMs, slowMs, slowMs * 3));
    if (rttMs > slowMs) {
      findings.push({
        id: 'stun.slow',
        severity: 'medium',
        message: {
          id: 'stun.slow',
          params: { endpoint: ep.name, ms: round(rttMs), transport: fastest.transport.toUpperCase(), limit: slowMs },
        },
        remediation: { id: 'stun.slow.fix', params: { host: ep.host } },
      });
    }

    const nat = facts.nat && 'supported' in facts.nat ? facts.nat : undefined;
    if (nat?.mapping && SYMMETRIC.has(nat.mapping)) {
      // Informative: the relay carries those calls, and the turn check judges the relay.
      findings.push({
        id: 'stun.nat-symmetric',
        severity: 'info',
        message: { id: 'stun.nat-symmetric', params: { endpoint: ep.name, mapping: { id: `stun.nat.${nat.mapping}` } } },
        remediation: { id: 'stun.nat-symmetric.fix' },
        evidence: {
          mapping: nat.mapping,
          ...(nat.filtering ? { filtering: nat.filtering } : {}),
          reflexive: nat.reflexive,
          local: nat.local,
        },
      });
    }

    const sweep = facts.sweep;
    if (sweep) {
      const silent = [
        ...sweep.refused.map((port) => ({ port, classification: 'refused' })),
        ...sweep.filtered.map((port) => ({ port, classification: 'filtered' })),
        ...sweep.other,
      ].sort((a, b) => a.port - b.port);
      if (silent.length) {
        score = Math.min(score, 0.7);
        const shown = silent
          .slice(0, FINDING_PORTS)
          .map((r) => `${r.port} (${r.classification})`)
          .join(', ');
        findings.push({
          id: 'stun.ports-silent',
          severity: 'medium',
          message: {
            id: 'stun.ports-silent',
            params: {
              endpoint: ep.name,
              host: ep.host,
              count: silent.length,
              total: sweep.tested,
              ports: silent.length > FINDING_PORTS ? `${shown}, …` : shown,
            },
          },
          remediation: { id: 'stun.ports-silent.fix', params: { host: ep.host } },
          evidence: { ports: silent.map((r) => r.port) },
        });
      }
    }

    const measurements: Measurement[] = outcomes.map((t) => ({
      id: `${t.transport}RttMs`,
      value: t.rttMs !== undefined ? round(t.rttMs) : null,
      unit: 'ms',
      threshold: { max: slowMs, source: 'Teams: RTT < 100 ms client → media edge' },
    }));
    if (sweep) measurements.push({ id: 'portsAnswering', value: sweep.answered.length });
    // A finding above info is never a pass, whatever the score says.
    if (findings.some((f) => f.severity !== 'info')) score = Math.min(score, 0.89);
    return { score: round(score), measurements, findings };
  },

  present(facts) {
    const blocks: Block[] = [];
    if (facts.transports.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'stun.block.transports' },
        columns: [
          { key: 'transport', label: { id: 'stun.col.transport' } },
          { key: 'result', label: { id: 'stun.col.result' } },
          { key: 'rtt', label: { id: 'stun.col.rtt' }, numeric: true },
          { key: 'reflexive', label: { id: 'stun.col.reflexive' } },
          { key: 'code', label: { id: 'stun.col.code' } },
        ],
        rows: facts.transports.map((t) => ({
          transport: t.transport.toUpperCase(),
          result: t.classification,
          rtt: t.rttMs ?? null,
          reflexive: t.reflexive ?? null,
          code: t.code ?? null,
        })),
      });
    }
    if (facts.nat) blocks.push(natBlock(facts.nat));
    if (facts.sweep) blocks.push(sweepBlock(facts.sweep));
    return blocks;
  },
});

function portsOf(endpoint: string, spec: ReadonlyArray<number | string>): number[] {
  try {
    return expandPorts(spec);
  } catch (err) {
    if (err instanceof PortRangeError) throw new Error(`endpoint ${endpoint}, ports: ${err.message}`, { cause: err });
    throw err;
  }
}

function natBlock(nat: StunNatFacts | StunNatFailure): Block {
  const items: Array<{ label: { id: string }; value: Cell }> = [];
  if ('error' in nat) items.push({ label: { id: 'stun.kv.error' }, value: nat.error });
  else {
    items.push(
      { label: { id: 'stun.kv.natted' }, value: nat.natted },
      { label: { id: 'stun.kv.local' }, value: nat.local },
      { label: { id: 'stun.kv.reflexive' }, value: nat.reflexive },
    );
    if (nat.otherAddress) items.push({ label: { id: 'stun.kv.other-address' }, value: nat.otherAddress });
    if (nat.mapping) items.push({ label: { id: 'stun.kv.mapping' }, value: { id: `stun.nat.kind.${nat.mapping}` } });
    if (nat.filtering) items.push({ label: { id: 'stun.kv.filtering' }, value: { id: `stun.nat.kind.${nat.filtering}` } });
    if (nat.mappingError) items.push({ label: { id: 'stun.kv.mapping-error' }, value: nat.mappingError });
    if (nat.filteringError) items.push({ label: { id: 'stun.kv.filtering-error' }, value: nat.filteringError });
    for (const note of nat.notes ?? []) items.push({ label: { id: 'stun.kv.note' }, value: { id: `stun.nat.note.${note}` } });
  }
  return { kind: 'key-value', title: { id: 'stun.block.nat' }, items };
}

function sweepBlock(sweep: StunSweepFacts): Block {
  const swept: Message = sweep.truncated
    ? { id: 'stun.swept.truncated', params: { tested: sweep.tested, total: sweep.total, maxPorts: sweep.maxPorts ?? sweep.tested } }
    : { id: 'stun.swept', params: { tested: sweep.tested, total: sweep.total } };
  const items: Array<{ label: { id: string }; value: Cell }> = [
    { label: { id: 'stun.kv.swept' }, value: swept },
    { label: { id: 'stun.kv.answered' }, value: formatPorts(sweep.answered) || '—' },
  ];
  if (sweep.refused.length) items.push({ label: { id: 'stun.kv.refused' }, value: formatPorts(sweep.refused) });
  if (sweep.filtered.length) items.push({ label: { id: 'stun.kv.filtered' }, value: formatPorts(sweep.filtered) });
  if (sweep.other.length)
    items.push({ label: { id: 'stun.kv.other' }, value: sweep.other.map((r) => `${r.port} ${r.classification}`).join(', ') });
  return { kind: 'key-value', title: { id: 'stun.block.sweep' }, items };
}
