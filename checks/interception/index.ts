import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { commonOptions, defineCheck, type Finding } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { issuerMatches, pinMatches, presentedChain, type PresentedChain } from '../../src/tls/cert-chain.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathDetails, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { trustFor } from '../../src/net/shared.js';

const messages = {
  en: {
    ...pathMessages.en,
    'interception.pin': '{endpoint}: none of the certificates presented for {host} matches the configured SPKI pins; the leaf is issued by {issuer}.',
    'interception.private-ca': '{endpoint}: {host} presents a certificate from a private CA ({anchor}) that this site trusts; if {host} is a public service, something re-signs its traffic.',
    'interception.private-ca.fix': 'Confirm with an expected issuer or SPKI pin for this endpoint (tls.expectedIssuer / tls.spkiPins). If it is interception, exempt the platform from TLS inspection.',
    'interception.untrusted': '{endpoint}: {host} presents a certificate this client does not trust ({error}); the issuer is {issuer}.',
    'interception.untrusted.fix': 'If a proxy re-signs traffic with its own CA, either exempt the platform from inspection or install that CA on every client (and in security.trust.caFile); otherwise fix the server\'s certificate.',
    'interception.differs': '{endpoint}: the certificate through the proxy ({proxyIssuer}) differs from the one on the direct path ({directIssuer}): the proxy re-signs TLS.',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'interception.pin': '{endpoint}：{host} 提供的证书都不匹配配置的 SPKI 固定值；叶证书由 {issuer} 签发。',
    'interception.private-ca': '{endpoint}：{host} 提供的证书来自本站点信任的私有 CA（{anchor}）；如果 {host} 是公网服务，说明有设备在重新签发其流量。',
    'interception.private-ca.fix': '为该端点配置预期签发者或 SPKI 固定值以确认（tls.expectedIssuer / tls.spkiPins）。若确为拦截，请将平台排除在 TLS 检查之外。',
    'interception.untrusted': '{endpoint}：{host} 提供的证书不受本客户端信任（{error}）；签发者为 {issuer}。',
    'interception.untrusted.fix': '若代理用自己的 CA 重新签发流量，请将平台排除在检查之外，或在所有客户端（及 security.trust.caFile）安装该 CA；否则请修复服务器证书。',
    'interception.differs': '{endpoint}：经代理得到的证书（{proxyIssuer}）与直连路径的证书（{directIssuer}）不同：代理在重新签发 TLS。',
  },
};

interface Options {
  connectTimeoutMs: number;
  compareDirect: boolean;
}

const TLS_PROTOCOLS = new Set(['https', 'wss', 'tls', 'turns', 'ldaps']);

/** Is TLS to each endpoint intercepted (re-signed) on the way? Issuer, pins, public vs private CA. */
export default defineCheck<Options>({
  meta: {
    id: 'interception',
    title: 'TLS to the platform is not intercepted',
    failureTitle: 'TLS to the platform is intercepted',
    description:
      'Completes a TLS handshake with every TLS endpoint along its route (direct, or inside the proxy\'s CONNECT ' +
      'tunnel) and records the chain actually presented: subjects, issuers, SHA-256 fingerprints and SPKI pins, and ' +
      'whether it ends at one of Node\'s public roots or at a private CA. With `tls.expectedIssuer` or `tls.spkiPins` on ' +
      'the endpoint, a chain that matches neither is `intercepted` — which catches a proxy that re-signs with a corporate ' +
      'CA the client trusts, where validation alone passes. Without them, a private CA and (through a proxy) a ' +
      'certificate that differs from the direct path\'s are reported.',
    category: 'security',
    severity: 'high',
    weight: 2,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 7469 — Public Key Pinning Extension for HTTP', clause: '§2.4 (SPKI fingerprint)' },
      { title: 'CISA / US-CERT TA17-075A — HTTPS interception weakens TLS security' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        compareDirect: { type: 'boolean' },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, compareDirect: true },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => TLS_PROTOCOLS.has(ep.protocol) && ep.expect === 'reachable')
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const tlsConf = (ep.extra.tls ?? {}) as { expectedIssuer?: string; spkiPins?: string[]; serverName?: string };
    const connectTimeoutMs = Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - 200));
    let route: Route = { path: 'direct' };
    const servername = tlsConf.serverName ?? (isIP(ep.host) ? undefined : ep.host);
    const look = async (r: Route): Promise<PresentedChain> => {
      const trust = await trustFor(ctx, ep);
      // Verification off for the handshake only: the chain is what we came to see, and trust is judged below from
      // `authorized`. Nothing is sent over this connection.
      const opened = await opener(ctx, r, connectTimeoutMs)({
        host: ep.host,
        port: ep.port,
        tls: { rejectUnauthorized: false, ...(servername ? { servername } : {}), ...(trust ? { secureContext: trust } : {}) },
      });
      try {
        return presentedChain(opened.socket as TLSSocket);
      } finally {
        opened.socket.destroy();
      }
    };
    try {
      route = await routeFor(ctx, ep);
      const chain = await look(route);
      const leafIssuer = chain.certs[0]?.issuer ?? '?';
      const details: Record<string, unknown> = { classification: 'ok', expect: ep.expect, ...pathDetails(route), chain };
      const findings: Finding[] = [];
      let intercepted = false;
      if (tlsConf.expectedIssuer && !issuerMatches(chain, tlsConf.expectedIssuer)) {
        intercepted = true;
        findings.push({
          id: 'interception.issuer',
          severity: 'high',
          message: { id: 'path.intercepted', params: { endpoint: ep.name, host: ep.host, port: ep.port, issuer: leafIssuer, expected: tlsConf.expectedIssuer } },
          remediation: { id: 'path.intercepted.fix' },
          evidence: { presented: chain.certs.map((c) => c.issuer) },
        });
      }
      if (tlsConf.spkiPins?.length && !pinMatches(chain, tlsConf.spkiPins)) {
        intercepted = true;
        findings.push({
          id: 'interception.pin',
          severity: 'high',
          message: { id: 'interception.pin', params: { endpoint: ep.name, host: ep.host, issuer: leafIssuer } },
          remediation: { id: 'path.intercepted.fix' },
          evidence: { presentedPins: chain.certs.map((c) => c.spkiSha256) },
        });
      }
      if (route.path === 'proxy' && ctx.options.compareDirect) {
        const direct = await look({ path: 'direct' }).catch(() => undefined);
        if (direct?.certs[0] && chain.certs[0] && direct.certs[0].spkiSha256 !== chain.certs[0].spkiSha256) {
          intercepted = true;
          findings.push({
            id: 'interception.differs',
            severity: 'high',
            message: { id: 'interception.differs', params: { endpoint: ep.name, proxyIssuer: leafIssuer, directIssuer: direct.certs[0].issuer } },
            remediation: { id: 'path.intercepted.fix' },
          });
        }
        if (direct) details.direct = { leafIssuer: direct.certs[0]?.issuer, spkiSha256: direct.certs[0]?.spkiSha256 };
      }
      if (intercepted) {
        details.classification = 'intercepted';
        return { status: 'fail', score: 0, findings, details };
      }
      if (!chain.authorized) {
        details.classification = 'tls-failure';
        return {
          status: 'warn',
          score: 0.5,
          findings: [
            {
              id: 'interception.untrusted',
              severity: 'medium',
              message: { id: 'interception.untrusted', params: { endpoint: ep.name, host: ep.host, error: chain.authorizationError ?? '?', issuer: leafIssuer } },
              remediation: { id: 'interception.untrusted.fix' },
            },
          ],
          details,
        };
      }
      if (!chain.publicRoot && !tlsConf.expectedIssuer && !tlsConf.spkiPins?.length) {
        return {
          status: 'warn',
          score: 0.7,
          findings: [
            {
              id: 'interception.private-ca',
              severity: 'low',
              message: { id: 'interception.private-ca', params: { endpoint: ep.name, host: ep.host, anchor: chain.anchor ?? leafIssuer } },
              remediation: { id: 'interception.private-ca.fix' },
            },
          ],
          details,
        };
      }
      return { status: 'pass', score: 1, details };
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
      // Not reachable at all: the connection checks report that (once); here it only means "nothing to look at".
      return {
        status: 'skipped',
        score: null,
        details: { reason: 'unreachable', classification: err instanceof DnsLookupError ? 'dns-failure' : err.classification, expect: ep.expect, ...pathDetails(route), error: err.message },
      };
    }
  },
});
