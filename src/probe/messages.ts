// Findings about the reflector itself, shared by every probe-based check.

import type { Catalog, Finding, Severity } from '../plugin-api.js';
import { PathError, ProtocolError } from '../net/classify.js';
import type { PathFailure } from '../net/path-messages.js';
import { UNAUTHORIZED } from './client.js';

export const probeMessages: { en: Catalog; 'zh-CN': Catalog } = {
  en: {
    'probe.unreachable': 'The reflector {probe} cannot be reached ({classification}: {detail}); nothing could be measured.',
    'probe.unreachable.fix':
      'Start `siteready serve` on the far side (data centre, vendor edge or branch), and allow TCP {port} and UDP {port} to it from this site.',
    'probe.unauthorized': 'The reflector {probe} refused the token.',
    'probe.unauthorized.fix':
      'Give both sides the same token: SITEREADY_TOKEN (or --token-file) for `siteready serve`, and probe.token: {tokenRef} in the site file.',
    'probe.protocol-error': 'The reflector {probe} answered, but not as a siteready reflector does ({detail}); nothing could be measured.',
    'probe.protocol-error.fix':
      'Check that port {port} of the reflector is `siteready serve` (not another service) and of a current version, and that no proxy, IPS or load balancer on the path rewrites, cuts or holds its HTTP and stream traffic.',
    'probe.udp-blocked': 'UDP to the reflector {probe} gets no answer: media would have to fall back to TCP/TLS relays.',
    'probe.udp-blocked.fix':
      "Allow UDP {port} (and the platform's media ports, e.g. 3478–3481) outbound from this site; real-time media over TCP suffers from head-of-line blocking.",
  },
  'zh-CN': {
    'probe.unreachable': '无法连接反射器 {probe}（{classification}：{detail}），无法进行任何测量。',
    'probe.unreachable.fix': '在远端（数据中心、厂商边缘或分支机构）启动 `siteready serve`，并允许本站点访问其 TCP {port} 和 UDP {port}。',
    'probe.unauthorized': '反射器 {probe} 拒绝了令牌。',
    'probe.unauthorized.fix':
      '两端使用相同的令牌：`siteready serve` 使用 SITEREADY_TOKEN（或 --token-file），站点文件中设置 probe.token: {tokenRef}。',
    'probe.protocol-error': '反射器 {probe} 有应答，但与 siteready 反射器的协议不符（{detail}），无法进行任何测量。',
    'probe.protocol-error.fix':
      '确认反射器的 {port} 端口上运行的是 `siteready serve`（而非其他服务）且版本较新，并确认路径上没有代理、IPS 或负载均衡器改写、截断或扣留其 HTTP 与数据流量。',
    'probe.udp-blocked': '发往反射器 {probe} 的 UDP 没有应答：媒体只能回退到 TCP/TLS 中继。',
    'probe.udp-blocked.fix': '允许本站点出站访问 UDP {port}（以及平台的媒体端口，例如 3478–3481）；基于 TCP 的实时媒体会受到队头阻塞影响。',
  },
};

/** Codes of answers that break the probe protocol (PROBE_BAD_ANSWER, PROBE_NO_DATA …) or HTTP itself (llhttp's HPE_*). */
const PROTOCOL_ERROR = /^(PROBE_|HPE_)/;

/** The reflector was reached and broke the protocol (not a path failure, not a refused token). */
export function isProbeProtocolError(err: unknown): err is PathError {
  return err instanceof PathError && err.code !== UNAUTHORIZED && (err instanceof ProtocolError || PROTOCOL_ERROR.test(err.code ?? ''));
}

/** The same, from the failure as the facts keep it. */
export function isProbeProtocolFailure(f: PathFailure): boolean {
  return f.code !== UNAUTHORIZED && (f.protocol !== undefined || PROTOCOL_ERROR.test(f.code ?? ''));
}

/** The finding for a reflector that could not be used at all. */
export function probeFailureFinding(checkId: string, f: PathFailure, probe: string, port: number, severity: Severity = 'high'): Finding {
  if (f.code === UNAUTHORIZED) {
    return {
      id: `${checkId}.probe-unauthorized`,
      severity,
      message: { id: 'probe.unauthorized', params: { probe } },
      remediation: { id: 'probe.unauthorized.fix', params: { tokenRef: '${SITEREADY_TOKEN}' } },
    };
  }
  const classification = f.classification;
  // Reached, then answered with something the protocol does not allow: not a path problem.
  if (isProbeProtocolFailure(f)) {
    return {
      id: `${checkId}.probe-protocol-error`,
      severity,
      message: { id: 'probe.protocol-error', params: { probe, detail: f.message } },
      remediation: { id: 'probe.protocol-error.fix', params: { port } },
      evidence: { classification, ...(f.code ? { code: f.code } : {}) },
    };
  }
  return {
    id: `${checkId}.probe-unreachable`,
    severity,
    message: { id: 'probe.unreachable', params: { probe, classification, detail: f.message } },
    remediation: { id: 'probe.unreachable.fix', params: { port } },
    evidence: { classification, ...(f.code ? { code: f.code } : {}) },
  };
}
