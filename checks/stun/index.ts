import { isIP } from 'node:net';
import { commonOptions, defineCheck, type Classification, type Finding, type Measurement } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFinding, pathMessages } from '../../src/net/path-messages.js';
import { lookupOnce, timingScore, trustFor, unreachableSeverity } from '../../src/net/shared.js';
import {
  StunClientError,
  defaultTransports,
  expandPorts,
  stunBinding,
  sweepUdpPorts,
  isStunProtocolError,
  type StunTransport,
} from '../../src/net/stun-client.js';
import { discoverNatBehaviour } from '../../src/net/stun-nat.js';
import { formatAddress } from '../../src/net/stun.js';

const messages = {
  en: {
    ...pathMessages.en,
    'stun.filtered': '{endpoint}: no STUN answer from {host}:{port} over {transports} within {timeoutMs} ms: packets are silently dropped.',
    'stun.filtered.fix': 'A firewall drops STUN to {host}:{port}. Allow it outbound (UDP and TCP, and the return traffic) between this site and the server: IM clients use it to learn their public address and to reach the TURN relay.',
    'stun.refused': '{endpoint}: {host}:{port} refuses STUN over {transports} (ICMP port unreachable / TCP RST): nothing listens there, or a firewall rejects it.',
    'stun.refused.fix': 'Check that the STUN/TURN service runs on port {port}; if it does, allow {host}:{port} (UDP and TCP) outbound on the site firewall.',
    'stun.unreachable': '{endpoint}: {host} is unreachable ({code}): no route to the STUN server.',
    'stun.unreachable.fix': 'Check routing to {host} (default route, VPN split tunnel, ACLs that answer with ICMP unreachable).',
    'stun.timeout': '{endpoint}: {host}:{port} accepts connections over {transports} but never answers STUN.',
    'stun.timeout.fix': 'Something other than a STUN server listens there (a web server, a load balancer that does not pass STUN): point the endpoint at the STUN/TURN port.',
    'stun.server-error': '{endpoint}: {host}:{port} answered, but not with a usable STUN response: {detail}.',
    'stun.server-error.fix': 'Check the server\'s STUN configuration, and compare with `turnutils_stunclient -p {port} {host}` from this site.',
    'stun.udp-blocked': '{endpoint}: UDP {port} to {host} gets no answer ({classification}) while {working} works: media falls back to TCP/TLS relays.',
    'stun.udp-blocked.fix': 'Allow outbound UDP to {host}:{port} and its return traffic (for most IM platforms also the media ports, e.g. UDP 3478–3481). Media over TCP/TLS suffers head-of-line blocking: more delay and jitter in every call.',
    'stun.transport-failed': '{endpoint}: STUN over {transport} to {host}:{port} fails ({classification}) while UDP works: clients on networks that block UDP have no fallback through this server.',
    'stun.transport-failed.fix': 'If the server offers STUN/TURN over {transport}, allow it outbound to {host}:{port}; if it does not, list only the transports it offers (transports: [udp]).',
    'stun.slow': '{endpoint}: STUN round trip {ms} ms over {transport} (target ≤ {limit} ms).',
    'stun.slow.fix': 'A long round trip to the STUN/TURN server adds to every relayed call: check routing to {host}, or use a server closer to this site (Teams target: < 100 ms RTT to the media edge).',
    'stun.nat-symmetric': '{endpoint}: this site\'s NAT is "symmetric": it gives {mapping}. The public address the STUN server reports is then not the one other peers would reach, so direct peer-to-peer media fails with most peers outside the site, and those calls are relayed through TURN.',
    'stun.nat-symmetric.fix': 'Configure the NAT for endpoint-independent mapping of UDP (RFC 4787 REQ-1: one public address and port for every destination; on Linux, MASQUERADE or SNAT without --random / --random-fully). Until then every external call needs the relay: keep the TURN server reachable over UDP 3478 (and TCP/TLS 443 as a fallback) and sized for the site\'s peak calls.',
    'stun.nat.address-dependent': 'every destination address its own public port (address-dependent mapping)',
    'stun.nat.address-and-port-dependent': 'every destination address and port its own public port (address-and-port-dependent mapping)',
    'stun.ports-silent': '{endpoint}: {count} of {total} UDP ports on {host} do not answer STUN: {ports}.',
    'stun.ports-silent.fix': 'Allow outbound UDP to {host} on these ports (and the return traffic), or remove them from the endpoint\'s ports if the service does not use them.',
    'stun.unexpectedly-open': '{endpoint}: {host}:{port} answers STUN over {transports}, but the site policy says it must be blocked.',
    'stun.unexpectedly-open.fix': 'Add deny rules for {host}:{port} (UDP and TCP) at the site firewall, then re-run the assessment.',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'stun.filtered': '{endpoint}：{timeoutMs} 毫秒内经 {transports} 未收到 {host}:{port} 的 STUN 应答：数据包被静默丢弃。',
    'stun.filtered.fix': '防火墙丢弃了到 {host}:{port} 的 STUN。请在本站点与服务器之间放行其出站流量（UDP 和 TCP，及回程流量）：IM 客户端用它获知自己的公网地址并访问 TURN 中继。',
    'stun.refused': '{endpoint}：{host}:{port} 经 {transports} 拒绝 STUN（ICMP 端口不可达 / TCP RST）：端口未监听或被防火墙拒绝。',
    'stun.refused.fix': '确认 STUN/TURN 服务在端口 {port} 上运行；如已运行，请在站点防火墙上放行 {host}:{port}（UDP 和 TCP）出站。',
    'stun.unreachable': '{endpoint}：{host} 不可达（{code}）：没有到 STUN 服务器的路由。',
    'stun.unreachable.fix': '检查到 {host} 的路由（默认路由、VPN 分离隧道、返回 ICMP 不可达的 ACL）。',
    'stun.timeout': '{endpoint}：{host}:{port} 经 {transports} 接受连接，但从不应答 STUN。',
    'stun.timeout.fix': '该端口上监听的不是 STUN 服务器（Web 服务器，或不转发 STUN 的负载均衡器）：请将端点指向 STUN/TURN 端口。',
    'stun.server-error': '{endpoint}：{host}:{port} 有应答，但不是可用的 STUN 响应：{detail}。',
    'stun.server-error.fix': '检查服务器的 STUN 配置，并在本站点用 `turnutils_stunclient -p {port} {host}` 对比。',
    'stun.udp-blocked': '{endpoint}：到 {host} 的 UDP {port} 无应答（{classification}），而 {working} 可用：媒体将回退到 TCP/TLS 中继。',
    'stun.udp-blocked.fix': '放行到 {host}:{port} 的 UDP 出站及回程流量（多数 IM 平台还需要媒体端口，如 UDP 3478–3481）。经 TCP/TLS 传输的媒体存在队头阻塞：每次通话的延迟和抖动都会增加。',
    'stun.transport-failed': '{endpoint}：经 {transport} 到 {host}:{port} 的 STUN 失败（{classification}），而 UDP 可用：在阻断 UDP 的网络中，客户端无法经此服务器回退。',
    'stun.transport-failed.fix': '如果服务器提供基于 {transport} 的 STUN/TURN，请放行到 {host}:{port} 的出站流量；如果不提供，请只列出它支持的传输方式（transports: [udp]）。',
    'stun.slow': '{endpoint}：经 {transport} 的 STUN 往返时间为 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'stun.slow.fix': '到 STUN/TURN 服务器的往返时间过长会拖累每一次中继通话：检查到 {host} 的路由，或使用离本站点更近的服务器（Teams 目标：到媒体边缘 RTT < 100 毫秒）。',
    'stun.nat-symmetric': '{endpoint}：本站点的 NAT 是“对称型” NAT：它为{mapping}。STUN 服务器报告的公网地址并不是其他终端能访问到的地址，因此与站点外大多数终端的点对点媒体直连会失败，这些通话将经 TURN 中继。',
    'stun.nat-symmetric.fix': '将 NAT 配置为对 UDP 使用与端点无关的映射（RFC 4787 REQ-1：对所有目标使用同一个公网地址和端口；Linux 上即不带 --random / --random-fully 的 MASQUERADE 或 SNAT）。在此之前，所有外部通话都需要中继：确保 TURN 服务器可经 UDP 3478 访问（TCP/TLS 443 作为回退），且容量足以承载本站点的高峰通话。',
    'stun.nat.address-dependent': '每个目标地址分配各自的公网端口（与地址相关的映射）',
    'stun.nat.address-and-port-dependent': '每个目标地址和端口分配各自的公网端口（与地址和端口相关的映射）',
    'stun.ports-silent': '{endpoint}：{host} 的 {total} 个 UDP 端口中有 {count} 个不应答 STUN：{ports}。',
    'stun.ports-silent.fix': '放行到 {host} 这些端口的 UDP 出站（及回程流量）；如果服务不使用这些端口，请将其从端点的 ports 中删除。',
    'stun.unexpectedly-open': '{endpoint}：{host}:{port} 经 {transports} 应答 STUN，但站点策略要求必须阻断。',
    'stun.unexpectedly-open.fix': '在站点防火墙上为 {host}:{port}（UDP 和 TCP）添加拒绝规则，然后重新评估。',
  },
};

interface Options {
  transactionTimeoutMs: number;
  connectTimeoutMs: number;
  slowMs: number;
  natDiscovery: boolean;
  natTimeoutMs: number;
  sweepTimeoutMs: number;
  sweepConcurrency: number;
  maxSweepPorts: number;
}

interface TransportOutcome {
  transport: StunTransport;
  classification: Classification;
  rttMs?: number;
  transmissions?: number;
  reflexive?: string;
  otherAddress?: string;
  software?: string;
  code?: string;
  /** `protocol-error`: the server answered and broke STUN. */
  kind?: 'protocol-error';
  error?: string;
}

const STUN_PROTOCOLS = new Set(['stun', 'turn', 'turns']);
// Best first: when transports disagree, the endpoint is as good as its best transport.
const ORDER: Classification[] = ['ok', 'server-error', 'timeout', 'tls-failure', 'refused', 'unreachable', 'filtered', 'dns-failure'];
const SYMMETRIC = new Set(['address-dependent', 'address-and-port-dependent']);
const FINDING_PORTS = 20;

/** STUN Binding per transport (reachability, reflexive address, RTT), NAT behaviour, UDP port sweep. */
export default defineCheck<Options>({
  meta: {
    id: 'stun',
    title: 'STUN/TURN servers answer',
    failureTitle: 'STUN/TURN servers do not answer',
    description:
      'Sends a STUN Binding request (RFC 8489) to every stun/turn/turns endpoint over each of its transports ' +
      '(default UDP and TCP; TLS for turns) and records whether it answers, the reflexive address (this site as the ' +
      'server sees it) and the round trip. UDP requests are retransmitted as the RFC says (RTO 500 ms, doubling) within ' +
      'the deadline. It tells apart **filtered** (no answer: dropped), **refused** (ICMP port unreachable or TCP RST), ' +
      '**unreachable** (ICMP host/net unreachable) and **timeout** (connected but no STUN). UDP blocked while TCP/TLS ' +
      'works is a warning: media then falls back to TCP/TLS relays. Where the server returns OTHER-ADDRESS, the NAT\'s ' +
      'mapping and filtering behaviour are discovered (RFC 5780). The UDP ports listed in the endpoint\'s `ports` are ' +
      'swept with Binding requests to show which answer.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 30000,
    references: [
      { title: 'RFC 8489 — Session Traversal Utilities for NAT (STUN)', clause: '§6.2 (retransmissions), §14.2 (XOR-MAPPED-ADDRESS)' },
      { title: 'RFC 5780 — NAT Behavior Discovery Using STUN', clause: '§4.3 (mapping), §4.4 (filtering)' },
      { title: 'RFC 4787 — NAT Behavioral Requirements for Unicast UDP', clause: 'REQ-1, REQ-8' },
      { title: 'RFC 7064 / RFC 7065 — stun: and turn: URIs' },
      { title: 'Microsoft Teams: prepare your organization\'s network', url: 'https://learn.microsoft.com/microsoftteams/prepare-network', clause: 'UDP 3478–3481 to the media edge; RTT < 100 ms' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        transactionTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, description: 'Deadline of one Binding transaction (UDP retransmissions included).' },
        connectTimeoutMs: { type: 'integer', minimum: 50, maximum: 60000, description: 'TCP/TLS connect deadline.' },
        slowMs: { type: 'number', minimum: 1, description: 'Round trip above which the result is a warning.' },
        natDiscovery: { type: 'boolean', description: 'Run RFC 5780 NAT behaviour discovery when the server supports it.' },
        natTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, description: 'Deadline of each NAT discovery transaction.' },
        sweepTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, description: 'Deadline of each port-sweep Binding.' },
        sweepConcurrency: { type: 'integer', minimum: 1, maximum: 256 },
        maxSweepPorts: { type: 'integer', minimum: 1, maximum: 65535 },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { transactionTimeoutMs: 3000, connectTimeoutMs: 3000, slowMs: 100, natDiscovery: true, natTimeoutMs: 1500, sweepTimeoutMs: 1500, sweepConcurrency: 16, maxSweepPorts: 256 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => STUN_PROTOCOLS.has(ep.protocol))
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const o = ctx.options;
    const severity = unreachableSeverity(ep);
    const budget = (ms: number) => Math.max(100, Math.min(ms, ctx.remainingMs() - 300));
    const transactionTimeoutMs = budget(o.transactionTimeoutMs);
    const slowMs = ctx.threshold('rttMs', o.slowMs);
    const transports = defaultTransports(ep);
    const base = { path: 'direct' as const, expect: ep.expect, host: ep.host, port: ep.port };

    let address: string;
    try {
      const answer = await lookupOnce(ctx, ep.host);
      address = (answer.addresses.find((a) => a.family === 4) ?? answer.addresses[0])!.address;
    } catch (err) {
      if (!(err instanceof DnsLookupError)) throw err;
      const blocked = ep.expect === 'blocked';
      return {
        status: blocked ? 'pass' : 'fail',
        score: blocked ? 1 : 0,
        findings: blocked ? [] : [pathFinding('stun', err, ep, severity, transactionTimeoutMs)],
        details: { classification: 'dns-failure', ...base, transports: [] },
      };
    }

    const tlsOptions = transports.includes('tls') ? await tlsFor(ctx, ep) : undefined;
    const attempts = await Promise.all(
      transports.map(async (transport): Promise<{ outcome: TransportOutcome; error?: PathError }> => {
        try {
          const r = await stunBinding(
            {
              transport,
              address,
              port: ep.port,
              connectTimeoutMs: budget(o.connectTimeoutMs),
              ...(transport === 'tls' ? { tls: tlsOptions } : {}),
              signal: ctx.signal,
            },
            { timeoutMs: transactionTimeoutMs, signal: ctx.signal },
          );
          const outcome: TransportOutcome = {
            transport,
            classification: 'ok',
            rttMs: r.rttMs,
            transmissions: r.transmissions,
            ...(r.mapped ? { reflexive: formatAddress(r.mapped) } : {}),
            ...(r.otherAddress ? { otherAddress: formatAddress(r.otherAddress) } : {}),
            ...(r.software ? { software: r.software.slice(0, 120) } : {}),
          };
          return { outcome };
        } catch (err) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          const pe = err instanceof PathError ? err : new StunClientError('unreachable', 'connect', String(err));
          return { outcome: { transport, classification: pe.classification, ...(pe.code ? { code: pe.code } : {}), ...(isStunProtocolError(pe) ? { kind: 'protocol-error' as const } : {}), error: pe.message }, error: pe };
        }
      }),
    );
    const outcomes = attempts.map((a) => a.outcome);
    const errors = new Map(attempts.filter((a) => a.error).map((a) => [a.outcome.transport, a.error!] as const));
    const ok = outcomes.filter((t) => t.classification === 'ok');
    const best = [...outcomes].sort((a, b) => ORDER.indexOf(a.classification) - ORDER.indexOf(b.classification))[0]!;
    const details: Record<string, unknown> = { classification: best.classification, ...(best.kind ? { kind: best.kind } : {}), ...base, address, transports: outcomes };
    const list = (xs: TransportOutcome[]) => xs.map((t) => t.transport.toUpperCase()).join(', ');

    if (ep.expect === 'blocked') {
      if (ok.length === 0) return { status: 'pass', score: 1, details };
      return {
        status: 'fail',
        score: 0,
        findings: [
          {
            id: 'stun.unexpectedly-open',
            severity: ep.severity ?? 'high',
            message: { id: 'stun.unexpectedly-open', params: { endpoint: ep.name, host: ep.host, port: ep.port, transports: list(ok) } },
            remediation: { id: 'stun.unexpectedly-open.fix', params: { host: ep.host, port: ep.port } },
            evidence: { transports: ok.map((t) => t.transport) },
          },
        ],
        details,
      };
    }

    if (ok.length === 0) {
      const failed = outcomes.filter((t) => t.classification === best.classification);
      return { status: 'fail', score: 0, findings: [failureFinding(ep, best, failed, errors.get(best.transport), severity, transactionTimeoutMs)], details };
    }

    // Phase 2, in parallel: NAT behaviour over UDP, and the UDP port sweep.
    const udpOk = ok.some((t) => t.transport === 'udp');
    const phase = AbortSignal.any([ctx.signal, AbortSignal.timeout(Math.floor(Math.max(200, ctx.remainingMs() - 400)))]);
    const sweepSpec = ep.ports?.length ? expandPorts(ep.ports, o.maxSweepPorts) : undefined;
    const [nat, sweep] = await Promise.all([
      udpOk && o.natDiscovery
        ? discoverNatBehaviour({ address, port: ep.port }, { timeoutMs: budget(o.natTimeoutMs), signal: phase }).catch((err: unknown): { error: string } => {
            if (ctx.signal.aborted) throw ctx.signal.reason;
            return { error: err instanceof Error ? err.message : String(err) };
          })
        : Promise.resolve(undefined),
      sweepSpec ? sweepUdpPorts(address, sweepSpec.ports, { concurrency: o.sweepConcurrency, timeoutMs: budget(o.sweepTimeoutMs), signal: phase }) : Promise.resolve(undefined),
    ]);
    if (ctx.signal.aborted) throw ctx.signal.reason;

    const findings: Finding[] = [];
    let score = 1;
    const udp = outcomes.find((t) => t.transport === 'udp');
    if (udp && udp.classification !== 'ok') {
      score = Math.min(score, 0.6);
      findings.push({
        id: 'stun.udp-blocked',
        severity: 'medium',
        message: { id: 'stun.udp-blocked', params: { endpoint: ep.name, host: ep.host, port: ep.port, classification: udp.classification, working: list(ok) } },
        remediation: { id: 'stun.udp-blocked.fix', params: { host: ep.host, port: ep.port } },
        evidence: { udp: { classification: udp.classification, ...(udp.code ? { code: udp.code } : {}) } },
      });
    }
    for (const t of outcomes) {
      if (t.transport === 'udp' || t.classification === 'ok') continue;
      const err = errors.get(t.transport);
      if (t.classification === 'tls-failure' && err) {
        score = Math.min(score, 0.7);
        findings.push({ ...pathFinding('stun', err, ep, 'medium', transactionTimeoutMs) });
        continue;
      }
      score = Math.min(score, udpOk ? 0.8 : 0.6);
      findings.push({
        id: 'stun.transport-failed',
        severity: 'low',
        message: { id: 'stun.transport-failed', params: { endpoint: ep.name, host: ep.host, port: ep.port, transport: t.transport.toUpperCase(), classification: t.classification } },
        remediation: { id: 'stun.transport-failed.fix', params: { host: ep.host, port: ep.port, transport: t.transport.toUpperCase() } },
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
        message: { id: 'stun.slow', params: { endpoint: ep.name, ms: round(rttMs), transport: fastest.transport.toUpperCase(), limit: slowMs } },
        remediation: { id: 'stun.slow.fix', params: { host: ep.host } },
      });
    }

    if (nat) {
      details.nat =
        'error' in nat
          ? nat
          : {
              supported: nat.supported,
              natted: nat.natted,
              local: formatAddress(nat.local),
              reflexive: formatAddress(nat.mapped),
              ...(nat.otherAddress ? { otherAddress: formatAddress(nat.otherAddress) } : {}),
              ...(nat.mapping ? { mapping: nat.mapping } : {}),
              ...(nat.filtering ? { filtering: nat.filtering } : {}),
              ...(nat.notes.length ? { notes: nat.notes } : {}),
            };
      if ('mapping' in nat && nat.mapping && SYMMETRIC.has(nat.mapping)) {
        findings.push({
          id: 'stun.nat-symmetric',
          severity: 'info',
          message: { id: 'stun.nat-symmetric', params: { endpoint: ep.name, mapping: `@stun.nat.${nat.mapping}` } },
          remediation: { id: 'stun.nat-symmetric.fix' },
          evidence: { mapping: nat.mapping, ...(nat.filtering ? { filtering: nat.filtering } : {}) },
        });
      }
    }

    if (sweep && sweepSpec) {
      const tested = sweep;
      const answered = tested.filter((r) => r.classification === 'ok').map((r) => r.port);
      const silent = tested.filter((r) => r.classification !== 'ok');
      details.sweep = {
        total: sweepSpec.ports.length,
        tested: tested.length,
        ...(sweepSpec.truncated ? { truncated: true, maxPorts: o.maxSweepPorts } : {}),
        answered,
        refused: silent.filter((r) => r.classification === 'refused').map((r) => r.port),
        filtered: silent.filter((r) => r.classification === 'filtered').map((r) => r.port),
        other: silent.filter((r) => r.classification !== 'refused' && r.classification !== 'filtered').map((r) => ({ port: r.port, classification: r.classification })),
      };
      if (silent.length) {
        score = Math.min(score, 0.7);
        const shown = silent.slice(0, FINDING_PORTS).map((r) => `${r.port} (${r.classification})`).join(', ');
        findings.push({
          id: 'stun.ports-silent',
          severity: 'medium',
          message: { id: 'stun.ports-silent', params: { endpoint: ep.name, host: ep.host, count: silent.length, total: tested.length, ports: silent.length > FINDING_PORTS ? `${shown}, …` : shown } },
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
    if (details.sweep) measurements.push({ id: 'portsAnswering', value: (details.sweep as { answered: number[] }).answered.length });
    const scoring = findings.some((f) => f.severity !== 'info');
    return {
      status: score < 0.5 ? 'fail' : scoring || score < 1 ? 'warn' : 'pass',
      score: round(score),
      measurements,
      findings,
      details,
    };
  },
});

async function tlsFor(ctx: Parameters<typeof trustFor>[0], ep: NonNullable<Parameters<typeof trustFor>[1]>) {
  const ca = await trustFor(ctx, ep);
  const tls = ep.extra.tls as { serverName?: string } | undefined;
  const serverName = tls?.serverName ?? (isIP(ep.host) ? undefined : ep.host);
  return { ...(ca ? { secureContext: ca } : {}), ...(serverName ? { servername: serverName } : {}) };
}

function failureFinding(
  ep: { name: string; host: string; port: number },
  best: TransportOutcome,
  failed: TransportOutcome[],
  err: PathError | undefined,
  severity: Finding['severity'],
  timeoutMs: number,
): Finding {
  const c = best.classification;
  if (c === 'tls-failure' && err) return pathFinding('stun', err, ep as Parameters<typeof pathFinding>[2], severity, timeoutMs);
  const known = ['filtered', 'refused', 'unreachable', 'timeout', 'server-error'];
  const id = known.includes(c) ? c : 'unreachable';
  const params = {
    endpoint: ep.name,
    host: ep.host,
    port: ep.port,
    transports: failed.map((t) => t.transport.toUpperCase()).join(', '),
    timeoutMs,
    code: best.code ?? '-',
    detail: best.error ?? c,
  };
  return {
    id: `stun.${id}`,
    severity,
    message: { id: `stun.${id}`, params },
    remediation: { id: `stun.${id}.fix`, params },
    evidence: { transports: failed.map((t) => ({ transport: t.transport, classification: t.classification, ...(t.code ? { code: t.code } : {}), ...(t.error ? { error: t.error } : {}) })) },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

