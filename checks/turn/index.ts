// TURN per transport: an authenticated Allocate, a permission, a round trip through the relay and
// back, and the deallocation — measured once into facts, judged from them alone.

import { defineCheck, type Block, type Classification, type Endpoint, type Finding, type Measurement } from '../../src/plugin-api.js';
import { pathFailureFinding, pathFailureSchema, pathMessages, type PathFailure } from '../../src/net/path-messages.js';
import { timingScore } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { StunClientError, StunConnection, TurnClient, defaultTransports, relayRoundTrip } from '../../src/net/stun-client.js';
import { formatAddress } from '../../src/net/stun.js';
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
} from '../stun/common.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    'turn.no-credentials':
      '{endpoint}: no TURN credentials, so the relay cannot be tested (TURN servers allocate only for authenticated users).',
    'turn.no-credentials.fix':
      'Add credentials to the endpoint in the site file — `credentials: {username: ..., password: {passwordRef}}`, the password always from an environment variable, never written in the file. With `siteready run turn`, set SITEREADY_TURN_USERNAME and SITEREADY_TURN_PASSWORD.',
    'turn.auth-refused':
      '{endpoint}: the TURN server {host}:{port} is reachable but refused the credentials of user {username} over {transports} ({detail}).',
    'turn.auth-refused.fix':
      "Check the username and the password in the environment variable the site file names against the TURN server's users (realm {realm}). For time-limited (REST API) credentials, generate fresh ones before the run.",
    'turn.filtered':
      '{endpoint}: no answer from the TURN server {host}:{port} over {transports} within {timeoutMs} ms: packets are silently dropped.',
    'turn.filtered.fix':
      'A firewall drops traffic to {host}:{port}. Allow it outbound (UDP and TCP, and the return traffic): without the relay, calls between networks that cannot reach each other directly fail.',
    'turn.refused':
      '{endpoint}: {host}:{port} refuses TURN over {transports} (ICMP port unreachable / TCP RST): nothing listens there, or a firewall rejects it.',
    'turn.refused.fix': 'Check that the TURN service runs on port {port}; if it does, allow {host}:{port} outbound on the site firewall.',
    'turn.unreachable': '{endpoint}: {host} is unreachable ({code}): no route to the TURN server.',
    'turn.unreachable.fix': 'Check routing to {host} (default route, VPN split tunnel, ACLs that answer with ICMP unreachable).',
    'turn.timeout': '{endpoint}: {host}:{port} accepts connections over {transports} but does not answer TURN.',
    'turn.timeout.fix':
      'Something other than a TURN server listens there, or a middlebox holds the traffic: point the endpoint at the TURN port.',
    'turn.server-error': '{endpoint}: the TURN server {host}:{port} refused the allocation over {transports}: {detail}.',
    'turn.server-error.fix':
      'The server named why: 486 Allocation Quota Reached — the user has too many allocations (raise user-quota); 508 Insufficient Capacity — the server is out of relay ports or bandwidth; 403 Forbidden — policy forbids this client; 437 Allocation Mismatch — a stale allocation on this 5-tuple. Fix it on the TURN server.',
    'turn.integrity':
      '{endpoint}: {host}:{port} answered the authenticated TURN requests over {transports} with a success that {what}: the answers were discarded (RFC 8489 §9.2.5 — only the server that holds the credentials can sign them), so no relay was allocated.',
    'turn.integrity.fix':
      "Point the endpoint at the TURN server itself, not at a load balancer, a STUN-only service or another product on that port, and check that nothing on the path (a firewall's STUN/SIP helper, a transparent proxy) rewrites or answers STUN for the server.",
    'turn.integrity.absent': 'carries no MESSAGE-INTEGRITY',
    'turn.integrity.invalid': 'carries a MESSAGE-INTEGRITY that does not match the credentials',
    'turn.udp-blocked':
      '{endpoint}: TURN over UDP {port} to {host} fails ({classification}) while {working} works: media falls back to TCP/TLS relays.',
    'turn.udp-blocked.fix':
      'Allow outbound UDP to {host}:{port} and its return traffic. Media relayed over TCP/TLS suffers head-of-line blocking: more delay and jitter in every relayed call.',
    'turn.transport-failed':
      '{endpoint}: TURN over {transport} to {host}:{port} fails ({classification}) while UDP works: clients on networks that block UDP have no relay.',
    'turn.transport-failed.fix':
      'Allow TURN over {transport} to {host}:{port} outbound (clients behind UDP-blocking firewalls depend on it), or list only the transports the server offers.',
    'turn.relay-failed': '{endpoint}: allocation over {transports} works, but relayed data did not come back ({detail}).',
    'turn.relay-failed.fix':
      "The relay could not reach this site, or this site drops UDP from the relay's port range: allow inbound-return UDP from {host}'s relay ports, and check the server does not deny this site's address (denied-peer-ip).",
    'turn.slow': '{endpoint}: relayed round trip {ms} ms over {transport} (target ≤ {limit} ms).',
    'turn.slow.fix':
      'Every relayed call pays this twice (to the relay and back): use a TURN server closer to this site, or check routing to {host}.',
    'turn.block.transports': 'TURN per transport',
    'turn.col.transport': 'Transport',
    'turn.col.result': 'Result',
    'turn.col.stage': 'Got as far as',
    'turn.col.allocate': 'Allocate (ms)',
    'turn.col.relayed': 'Relayed address',
    'turn.col.relay-rtt': 'Relayed round trip (ms)',
    'turn.col.deallocated': 'Deallocated',
    'turn.col.code': 'Code',
    'turn.stage.connect': 'connect',
    'turn.stage.allocate': 'allocate',
    'turn.stage.relay': 'relay',
    'turn.stage.deallocate': 'deallocate',
    'turn.stage.done': 'done',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'turn.no-credentials': '{endpoint}：没有 TURN 凭据，无法测试中继（TURN 服务器只为已认证用户分配中继）。',
    'turn.no-credentials.fix':
      '在站点文件中为该端点添加凭据——`credentials: {username: ..., password: {passwordRef}}`，密码必须来自环境变量，切勿写在文件中。使用 `siteready run turn` 时，请设置 SITEREADY_TURN_USERNAME 和 SITEREADY_TURN_PASSWORD。',
    'turn.auth-refused': '{endpoint}：TURN 服务器 {host}:{port} 可达，但经 {transports} 拒绝了用户 {username} 的凭据（{detail}）。',
    'turn.auth-refused.fix':
      '核对用户名以及站点文件所指环境变量中的密码是否与 TURN 服务器的用户（realm {realm}）一致。如使用限时（REST API）凭据，请在运行前重新生成。',
    'turn.filtered': '{endpoint}：{timeoutMs} 毫秒内经 {transports} 未收到 TURN 服务器 {host}:{port} 的应答：数据包被静默丢弃。',
    'turn.filtered.fix':
      '防火墙丢弃了到 {host}:{port} 的流量。请放行其出站流量（UDP 和 TCP，及回程流量）：没有中继，无法直接互通的网络之间的通话会失败。',
    'turn.refused': '{endpoint}：{host}:{port} 经 {transports} 拒绝 TURN（ICMP 端口不可达 / TCP RST）：端口未监听或被防火墙拒绝。',
    'turn.refused.fix': '确认 TURN 服务在端口 {port} 上运行；如已运行，请在站点防火墙上放行 {host}:{port} 出站。',
    'turn.unreachable': '{endpoint}：{host} 不可达（{code}）：没有到 TURN 服务器的路由。',
    'turn.unreachable.fix': '检查到 {host} 的路由（默认路由、VPN 分离隧道、返回 ICMP 不可达的 ACL）。',
    'turn.timeout': '{endpoint}：{host}:{port} 经 {transports} 接受连接，但不应答 TURN。',
    'turn.timeout.fix': '该端口上监听的不是 TURN 服务器，或有中间设备扣留流量：请将端点指向 TURN 端口。',
    'turn.server-error': '{endpoint}：TURN 服务器 {host}:{port} 经 {transports} 拒绝了分配：{detail}。',
    'turn.server-error.fix':
      '服务器已说明原因：486 Allocation Quota Reached——该用户的分配过多（调高 user-quota）；508 Insufficient Capacity——服务器中继端口或带宽不足；403 Forbidden——策略禁止该客户端；437 Allocation Mismatch——该五元组上有过期的分配。请在 TURN 服务器上修复。',
    'turn.integrity':
      '{endpoint}：{host}:{port} 经 {transports} 对带认证的 TURN 请求返回的成功响应{what}：按 RFC 8489 §9.2.5 已丢弃这些响应（只有持有该凭据的服务器才能对其签名），因此没有分配到中继。',
    'turn.integrity.fix':
      '请将端点指向 TURN 服务器本身，而不是负载均衡器、仅提供 STUN 的服务或该端口上的其他产品；并确认路径上没有设备（防火墙的 STUN/SIP 助手、透明代理）改写或代答服务器的 STUN 报文。',
    'turn.integrity.absent': '不含 MESSAGE-INTEGRITY',
    'turn.integrity.invalid': '所含 MESSAGE-INTEGRITY 与凭据不匹配',
    'turn.udp-blocked':
      '{endpoint}：经 UDP {port} 到 {host} 的 TURN 失败（{classification}），而 {working} 可用：媒体将回退到 TCP/TLS 中继。',
    'turn.udp-blocked.fix':
      '放行到 {host}:{port} 的 UDP 出站及回程流量。经 TCP/TLS 中继的媒体存在队头阻塞：每次中继通话的延迟和抖动都会增加。',
    'turn.transport-failed':
      '{endpoint}：经 {transport} 到 {host}:{port} 的 TURN 失败（{classification}），而 UDP 可用：在阻断 UDP 的网络中，客户端没有中继可用。',
    'turn.transport-failed.fix':
      '放行到 {host}:{port} 的 {transport} TURN 出站流量（位于阻断 UDP 的防火墙后的客户端依赖它），或只列出服务器支持的传输方式。',
    'turn.relay-failed': '{endpoint}：经 {transports} 的分配成功，但中继的数据没有返回（{detail}）。',
    'turn.relay-failed.fix':
      '中继无法到达本站点，或本站点丢弃了来自中继端口范围的 UDP：请放行来自 {host} 中继端口的回程 UDP，并确认服务器没有拒绝本站点的地址（denied-peer-ip）。',
    'turn.slow': '{endpoint}：经 {transport} 的中继往返时间为 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'turn.slow.fix': '每次中继通话都要付出两倍的代价（到中继再返回）：请使用离本站点更近的 TURN 服务器，或检查到 {host} 的路由。',
    'turn.block.transports': '各传输方式的 TURN',
    'turn.col.transport': '传输方式',
    'turn.col.result': '结果',
    'turn.col.stage': '进行到',
    'turn.col.allocate': '分配（毫秒）',
    'turn.col.relayed': '中继地址',
    'turn.col.relay-rtt': '中继往返时间（毫秒）',
    'turn.col.deallocated': '已释放',
    'turn.col.code': '代码',
    'turn.stage.connect': '连接',
    'turn.stage.allocate': '分配',
    'turn.stage.relay': '中继',
    'turn.stage.deallocate': '释放',
    'turn.stage.done': '完成',
  },
};

type Stage = 'connect' | 'allocate' | 'relay' | 'deallocate' | 'done';

/**
 * Authenticated successes the client discarded (RFC 8489 §9.2.5): none carried a MESSAGE-INTEGRITY
 * (`absent`), or one that does not match the credentials (`invalid`).
 */
export interface TurnIntegrityFacts {
  problem: 'absent' | 'invalid';
  /** The stage whose request was answered that way. */
  stage: Stage;
  /** How many answers were discarded. */
  discarded?: number;
}

/** One transport: how far it got, what the server granted, and how it failed. */
export interface TurnTransportFacts extends TransportFacts {
  /** How far it got: connect → allocate → relay → deallocate → done. */
  stage: Stage;
  /** Round trip of the authenticated Allocate that succeeded, ms. */
  allocateMs?: number;
  relayed?: string;
  /** This site as the server sees it. */
  mapped?: string;
  /** Seconds granted. */
  lifetime?: number;
  /** The realm the server named (also with `auth-refused`). */
  realm?: string;
  permissionMs?: number;
  /** Send indication out, Data indication back through the relay, ms. */
  relayRttMs?: number;
  peer?: string;
  peerAddressFrom?: 'binding' | 'mapped' | 'local';
  /** The allocation worked, the relayed round trip did not. */
  relayError?: { code?: string; message: string; stun?: { code: number; name: string } };
  deallocated?: boolean;
  /** The STUN error response that ended it: 401/441 with `auth-refused`, else a named error (437, 486, 508, ...). */
  stun?: { code: number; name: string; reason: string };
  integrity?: TurnIntegrityFacts;
}

export interface TurnFacts {
  /**
   * The best transport's classification. `auth-refused` is "reachable, credentials refused" (401
   * or 441 after authenticating); `filtered`, `refused`, `unreachable` are "blocked". Absent when
   * nothing was measured (no credentials).
   */
  classification?: Classification;
  kind?: 'protocol-error';
  /** `no-credentials`: the endpoint has none, so nothing was sent. */
  reason?: 'no-credentials';
  path: 'direct';
  host: string;
  port: number;
  address?: string;
  username?: string;
  /** Deadline of each TURN transaction, ms. */
  transactionTimeoutMs: number;
  /** Deadline of the relayed round trip (all attempts), ms. */
  relayTimeoutMs: number;
  dnsFailure?: PathFailure;
  transports: TurnTransportFacts[];
}

const stages = ['connect', 'allocate', 'relay', 'deallocate', 'done'];
const factsSchema = {
  type: 'object',
  required: ['path', 'host', 'port', 'transactionTimeoutMs', 'relayTimeoutMs', 'transports'],
  properties: {
    classification: { type: 'string' },
    kind: { const: 'protocol-error' },
    reason: { const: 'no-credentials' },
    path: { const: 'direct' },
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    address: { type: 'string' },
    username: { type: 'string' },
    transactionTimeoutMs: { type: 'number', minimum: 0 },
    relayTimeoutMs: { type: 'number', minimum: 0 },
    dnsFailure: pathFailureSchema,
    transports: {
      type: 'array',
      items: {
        type: 'object',
        required: ['transport', 'classification', 'stage'],
        properties: {
          ...transportFailureProperties,
          stage: { enum: stages },
          allocateMs: { type: 'number', minimum: 0 },
          relayed: { type: 'string' },
          mapped: { type: 'string' },
          lifetime: { type: 'number' },
          realm: { type: 'string' },
          permissionMs: { type: 'number', minimum: 0 },
          relayRttMs: { type: 'number', minimum: 0 },
          peer: { type: 'string' },
          peerAddressFrom: { enum: ['binding', 'mapped', 'local'] },
          relayError: {
            type: 'object',
            required: ['message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              stun: { type: 'object', required: ['code', 'name'], properties: { code: { type: 'integer' }, name: { type: 'string' } } },
            },
          },
          deallocated: { type: 'boolean' },
          stun: {
            type: 'object',
            required: ['code', 'name'],
            properties: { code: { type: 'integer' }, name: { type: 'string' }, reason: { type: 'string' } },
          },
          integrity: {
            type: 'object',
            required: ['problem', 'stage'],
            properties: { problem: { enum: ['absent', 'invalid'] }, stage: { enum: stages }, discarded: { type: 'integer', minimum: 0 } },
          },
        },
      },
    },
  },
} as const;

const ORDER: Classification[] = [
  'ok',
  'auth-refused',
  'server-error',
  'timeout',
  'tls-failure',
  'refused',
  'unreachable',
  'filtered',
  'dns-failure',
];

/** TURN Allocate with long-term credentials, CreatePermission, a relayed round trip, deallocation. */
export default defineCheck<Options, TurnFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const o = ctx.options;
    const budget = (ms: number) => Math.max(100, Math.min(ms, ctx.remainingMs() - 300));
    const transactionTimeoutMs = budget(o.transactionTimeoutMs);
    const relayTimeoutMs = budget(o.relayTimeoutMs);
    const base = { path: 'direct' as const, host: ep.host, port: ep.port, transactionTimeoutMs, relayTimeoutMs };

    const creds = credentialsOf(ep);
    // TURN servers allocate only for authenticated users: without credentials there is nothing to send.
    if (!creds) return { reason: 'no-credentials', ...base, transports: [] };

    const server = await serverAddress(ctx, ep.host);
    if ('dnsFailure' in server)
      return { classification: 'dns-failure', ...base, username: creds.username, dnsFailure: server.dnsFailure, transports: [] };
    const { address } = server;

    const transports = defaultTransports(ep);
    const tls = transports.includes('tls') ? await stunTlsOptions(ctx, ep) : undefined;
    const peerStunPort = o.peerStunPort ?? (ep.protocol === 'turns' ? 3478 : ep.port);
    const outcomes = await Promise.all(
      transports.map(async (transport): Promise<TurnTransportFacts> => {
        const out: TurnTransportFacts = { transport, classification: 'ok', stage: 'connect' };
        let conn: StunConnection | undefined;
        try {
          conn = await StunConnection.open({
            transport,
            address,
            port: ep.port,
            connectTimeoutMs: budget(o.connectTimeoutMs),
            ...(transport === 'tls' ? { tls } : {}),
            signal: ctx.signal,
          });
          out.stage = 'allocate';
          const turn = new TurnClient(conn, creds);
          const tx = () => ({ timeoutMs: budget(transactionTimeoutMs), signal: ctx.signal });
          const a = await turn.allocate(tx());
          Object.assign(out, {
            allocateMs: a.rttMs,
            relayed: formatAddress(a.relayed),
            lifetime: a.lifetime,
            realm: a.realm,
            ...(a.mapped ? { mapped: formatAddress(a.mapped) } : {}),
          });
          out.stage = 'relay';
          try {
            const rt = await relayRoundTrip(turn, a.relayed, {
              timeoutMs: budget(relayTimeoutMs),
              signal: ctx.signal,
              stunServer: { address, port: peerStunPort },
              ...(a.mapped ? { fallbackIp: a.mapped.address } : {}),
            });
            Object.assign(out, {
              relayRttMs: rt.rttMs,
              permissionMs: rt.permissionMs,
              peer: formatAddress(rt.peer),
              peerAddressFrom: rt.peerAddressFrom,
            });
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            const pe = asPathError(err);
            const s = pe instanceof StunClientError ? pe.stun : undefined;
            out.relayError = {
              ...(pe.code ? { code: pe.code } : {}),
              message: pe.message,
              ...(s ? { stun: { code: s.code, name: s.name } } : {}),
            };
            recordIntegrity(out, pe);
          }
          out.stage = 'deallocate';
          try {
            await turn.refresh(0, tx());
            out.deallocated = true;
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            out.deallocated = false;
            recordIntegrity(out, err);
          }
          out.stage = 'done';
          return out;
        } catch (err) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          const pe = asPathError(err);
          Object.assign(out, transportFailure(pe));
          if (pe instanceof StunClientError) {
            if (pe.stun) out.stun = pe.stun;
            if (pe.realm) out.realm = pe.realm;
          }
          recordIntegrity(out, pe);
          return out;
        } finally {
          conn?.close();
        }
      }),
    );
    const best = bestTransport(outcomes, ORDER)!;
    return {
      classification: best.classification,
      ...(best.kind ? { kind: best.kind } : {}),
      ...base,
      address,
      username: creds.username,
      transports: outcomes,
    };
  },

  judge(facts, { options, threshold, target }) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const timeoutMs = facts.transactionTimeoutMs;
    if (facts.reason === 'no-credentials') {
      // Not measured, but not "not applicable" either: the relay stays untested until credentials are given.
      return {
        score: null,
        findings: [
          {
            id: 'turn.no-credentials',
            severity: 'medium',
            message: { id: 'turn.no-credentials', params: { endpoint: ep.name } },
            remediation: { id: 'turn.no-credentials.fix', params: { passwordRef: '${TURN_PASSWORD}' } },
          },
        ],
      };
    }
    if (facts.dnsFailure) return { score: 0, findings: [pathFailureFinding('turn', facts.dnsFailure, ep, severity, timeoutMs)] };
    const outcomes = facts.transports;
    const best = bestTransport(outcomes, ORDER);
    if (!best) return { score: null, error: 'no transport was tried' };
    const slowMs = threshold('relayRttMs', options.slowMs);
    const measurements = measurementsOf(outcomes, slowMs);
    const ok = outcomes.filter((t) => t.classification === 'ok');
    const findings: Finding[] = [];

    // Credentials refused anywhere is its own finding: the path works, the account does not.
    const refused = outcomes.filter((t) => t.classification === 'auth-refused');
    if (refused.length) {
      const r = refused[0]!;
      findings.push({
        id: 'turn.auth-refused',
        severity,
        message: {
          id: 'turn.auth-refused',
          params: {
            endpoint: ep.name,
            host: ep.host,
            port: ep.port,
            username: facts.username ?? '-',
            transports: transportList(refused),
            detail: r.stun ? `${r.stun.code} ${r.stun.name}` : (r.code ?? '-'),
          },
        },
        remediation: { id: 'turn.auth-refused.fix', params: { realm: r.realm ?? '-' } },
        evidence: { transports: refused.map((t) => ({ transport: t.transport, ...(t.stun ? { stunCode: t.stun.code } : {}) })) },
      });
    }

    if (ok.length === 0) {
      if (!refused.length)
        findings.push(
          failureFinding(
            ep,
            best,
            outcomes.filter((t) => t.classification === best.classification),
            severity,
            timeoutMs,
          ),
        );
      return { score: 0, findings, measurements };
    }

    let score = refused.length ? 0.3 : 1;
    const udp = outcomes.find((t) => t.transport === 'udp');
    if (udp && udp.classification !== 'ok' && udp.classification !== 'auth-refused') {
      score = Math.min(score, 0.6);
      findings.push({
        id: 'turn.udp-blocked',
        severity: 'medium',
        message: {
          id: 'turn.udp-blocked',
          params: { endpoint: ep.name, host: ep.host, port: ep.port, classification: udp.classification, working: transportList(ok) },
        },
        remediation: { id: 'turn.udp-blocked.fix', params: { host: ep.host, port: ep.port } },
        evidence: { udp: { classification: udp.classification, ...(udp.code ? { code: udp.code } : {}) } },
      });
    }
    for (const t of outcomes) {
      if (t.transport === 'udp' || t.classification === 'ok' || t.classification === 'auth-refused') continue;
      if (t.classification === 'tls-failure') {
        score = Math.min(score, 0.7);
        findings.push(pathFailureFinding('turn', failureOf(t), ep, 'medium', timeoutMs));
        continue;
      }
      if (t.classification === 'server-error') {
        score = Math.min(score, 0.6);
        findings.push(failureFinding(ep, t, [t], 'medium', timeoutMs));
        continue;
      }
      score = Math.min(score, 0.8);
      const transport = t.transport.toUpperCase();
      findings.push({
        id: 'turn.transport-failed',
        severity: 'low',
        message: {
          id: 'turn.transport-failed',
          params: { endpoint: ep.name, host: ep.host, port: ep.port, transport, classification: t.classification },
        },
        remediation: { id: 'turn.transport-failed.fix', params: { host: ep.host, port: ep.port, transport } },
        evidence: { transport: t.transport, classification: t.classification, ...(t.code ? { code: t.code } : {}) },
      });
    }

    const relayFailed = ok.filter((t) => t.relayError);
    if (relayFailed.length) {
      const all = relayFailed.length === ok.length;
      score = Math.min(score, all ? 0.5 : 0.7);
      const r = relayFailed[0]!.relayError!;
      findings.push({
        id: 'turn.relay-failed',
        severity: all ? 'high' : 'medium',
        message: {
          id: 'turn.relay-failed',
          params: {
            endpoint: ep.name,
            transports: transportList(relayFailed),
            detail: r.stun ? `${r.stun.code} ${r.stun.name}` : r.message,
          },
        },
        remediation: { id: 'turn.relay-failed.fix', params: { host: ep.host } },
        evidence: { transports: relayFailed.map((t) => ({ transport: t.transport, ...t.relayError })) },
      });
    }

    const fastest = ok.filter((t) => t.relayRttMs !== undefined).sort((a, b) => a.relayRttMs! - b.relayRttMs!)[0];
    if (fastest) {
      score = Math.min(score, timingScore(fastest.relayRttMs!, slowMs, slowMs * 3));
      if (fastest.relayRttMs! > slowMs) {
        findings.push({
          id: 'turn.slow',
          severity: 'medium',
          message: {
            id: 'turn.slow',
            params: { endpoint: ep.name, ms: round(fastest.relayRttMs!), transport: fastest.transport.toUpperCase(), limit: slowMs },
          },
          remediation: { id: 'turn.slow.fix', params: { host: ep.host } },
        });
      }
    }
    // Every turn finding is above info: one of them is never a pass, whatever the score says.
    if (findings.length) score = Math.min(score, 0.89);
    return { score: round(score), measurements, findings };
  },

  present(facts) {
    if (!facts.transports.length) return [];
    const block: Block = {
      kind: 'table',
      title: { id: 'turn.block.transports' },
      columns: [
        { key: 'transport', label: { id: 'turn.col.transport' } },
        { key: 'result', label: { id: 'turn.col.result' } },
        { key: 'stage', label: { id: 'turn.col.stage' } },
        { key: 'allocate', label: { id: 'turn.col.allocate' }, numeric: true },
        { key: 'relayed', label: { id: 'turn.col.relayed' } },
        { key: 'relayRtt', label: { id: 'turn.col.relay-rtt' }, numeric: true },
        { key: 'deallocated', label: { id: 'turn.col.deallocated' } },
        { key: 'code', label: { id: 'turn.col.code' } },
      ],
      rows: facts.transports.map((t) => ({
        transport: t.transport.toUpperCase(),
        result: t.classification,
        stage: { id: `turn.stage.${t.stage}` },
        allocate: t.allocateMs ?? null,
        relayed: t.relayed ?? null,
        relayRtt: t.relayRttMs ?? null,
        deallocated: t.deallocated ?? null,
        code: (t.stun ? `${t.stun.code} ${t.stun.name}` : t.code) ?? t.relayError?.code ?? null,
      })),
    };
    return [block];
  },
});

function credentialsOf(ep: Endpoint): { username: string; password: string } | undefined {
  const c = ep.extra.credentials as { username?: unknown; password?: unknown } | undefined;
  if (!c || typeof c.username !== 'string' || !c.username || typeof c.password !== 'string' || !c.password) return undefined;
  return { username: c.username, password: c.password };
}

/** Notes in the transport's facts that answers were discarded for their MESSAGE-INTEGRITY, at the stage it had reached. */
function recordIntegrity(out: TurnTransportFacts, err: unknown): void {
  if (!(err instanceof StunClientError) || (err.code !== 'INTEGRITY_MISSING' && err.code !== 'INTEGRITY_MISMATCH')) return;
  out.integrity ??= {
    problem: err.code === 'INTEGRITY_MISSING' ? 'absent' : 'invalid',
    stage: out.stage,
    ...(err.discarded !== undefined ? { discarded: err.discarded } : {}),
  };
}

function measurementsOf(outcomes: TurnTransportFacts[], slowMs: number): Measurement[] {
  const out: Measurement[] = [];
  for (const t of outcomes) {
    out.push({ id: `${t.transport}AllocateMs`, value: t.allocateMs !== undefined ? round(t.allocateMs) : null, unit: 'ms' });
    out.push({
      id: `${t.transport}RelayRttMs`,
      value: t.relayRttMs !== undefined ? round(t.relayRttMs) : null,
      unit: 'ms',
      threshold: { max: slowMs, source: 'two legs of the Teams target: RTT < 100 ms to the media edge' },
    });
  }
  return out;
}

/** A failure of the allocation: unsigned or wrongly signed successes are turn.integrity, the rest as stun words them. */
function failureFinding(
  ep: Endpoint,
  best: TurnTransportFacts,
  failed: TurnTransportFacts[],
  severity: Finding['severity'],
  timeoutMs: number,
): Finding {
  if (best.integrity && best.classification === 'server-error') {
    const params = {
      endpoint: ep.name,
      host: ep.host,
      port: ep.port,
      transports: transportList(failed),
      what: { id: `turn.integrity.${best.integrity.problem}` },
    };
    return {
      id: 'turn.integrity',
      severity,
      message: { id: 'turn.integrity', params },
      remediation: { id: 'turn.integrity.fix' },
      evidence: {
        transports: failed.map((t) => ({
          transport: t.transport,
          stage: t.stage,
          ...(t.code ? { code: t.code } : {}),
          ...(t.integrity?.discarded !== undefined ? { discarded: t.integrity.discarded } : {}),
          ...(t.error ? { error: t.error } : {}),
        })),
        rfc: 'RFC 8489 §9.2.5',
      },
    };
  }
  return transportsFailedFinding(
    'turn',
    ep,
    best,
    failed,
    severity,
    timeoutMs,
    best.stun ? `${best.stun.code} ${best.stun.name}` : undefined,
  );
}
