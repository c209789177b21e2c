// Is TLS to each endpoint intercepted (re-signed) on the way? Measuring records the chain actually
// presented along the endpoint's route (and, through a proxy, the direct path's leaf); judging
// holds it against the endpoint's expected issuer and SPKI pins, and public vs private CAs.

import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { defineArtifact, defineCheck, type Block, type Endpoint, type Finding, type MeasureContext } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFailureOf, pathFailureSchema, pathMessages, type PathFailure } from '../../src/net/path-messages.js';
import {
  connectionBlock,
  failureBlock,
  reach,
  reachFactsProperties,
  reachFactsRequired,
  reachMessages,
  type EndpointTls,
  type ReachFacts,
  type Reaching,
} from '../../src/net/reach.js';
import { opener, type OpenTarget, type Opened } from '../../src/net/route-connect.js';
import { serverLabel } from '../../src/net/proxy.js';
import { trustKey } from '../../src/net/shared.js';
import { issuerMatches, pinMatches, presentedChain, type PresentedChain } from '../../src/tls/cert-chain.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...reachMessages.en,
    'interception.pin':
      '{endpoint}: none of the certificates presented for {host} matches the configured SPKI pins; the leaf is issued by {issuer}.',
    'interception.private-ca':
      '{endpoint}: {host} presents a certificate from a private CA ({anchor}) that this site trusts; if {host} is a public service, something re-signs its traffic.',
    'interception.private-ca.fix':
      'Confirm with an expected issuer or SPKI pin for this endpoint (tls.expectedIssuer / tls.spkiPins). If it is interception, exempt the platform from TLS inspection.',
    'interception.untrusted': '{endpoint}: {host} presents a certificate this client does not trust ({error}); the issuer is {issuer}.',
    'interception.untrusted.fix':
      "If a proxy re-signs traffic with its own CA, either exempt the platform from inspection or install that CA on every client (and in security.trust.caFile); otherwise fix the server's certificate.",
    'interception.differs':
      '{endpoint}: the certificate through the proxy ({proxyIssuer}) differs from the one on the direct path ({directIssuer}): the proxy re-signs TLS.',
    'interception.block.chain': 'Certificates presented',
    'interception.col.subject': 'Subject',
    'interception.col.issuer': 'Issuer',
    'interception.col.spki': 'SPKI pin (SHA-256)',
    'interception.col.validTo': 'Valid until',
    'interception.anchor': 'Trust anchor',
    'interception.publicRoot': 'Ends at a public root',
    'interception.authorizationError': 'Verification error',
    'interception.direct.issuer': 'Direct path: leaf issuer',
    'interception.direct.spki': 'Direct path: leaf SPKI pin',
    'interception.direct.failure': 'Direct path: failed',
    'interception.label.shared': 'Chain',
    'interception.label.server': 'Server',
    'interception.value.same-server': 'same server as {endpoint}: see its chain',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...reachMessages['zh-CN'],
    'interception.pin': '{endpoint}：{host} 提供的证书都不匹配配置的 SPKI 固定值；叶证书由 {issuer} 签发。',
    'interception.private-ca':
      '{endpoint}：{host} 提供的证书来自本站点信任的私有 CA（{anchor}）；如果 {host} 是公网服务，说明有设备在重新签发其流量。',
    'interception.private-ca.fix':
      '为该端点配置预期签发者或 SPKI 固定值以确认（tls.expectedIssuer / tls.spkiPins）。若确为拦截，请将平台排除在 TLS 检查之外。',
    'interception.untrusted': '{endpoint}：{host} 提供的证书不受本客户端信任（{error}）；签发者为 {issuer}。',
    'interception.untrusted.fix':
      '若代理用自己的 CA 重新签发流量，请将平台排除在检查之外，或在所有客户端（及 security.trust.caFile）安装该 CA；否则请修复服务器证书。',
    'interception.differs': '{endpoint}：经代理得到的证书（{proxyIssuer}）与直连路径的证书（{directIssuer}）不同：代理在重新签发 TLS。',
    'interception.block.chain': '出示的证书',
    'interception.col.subject': '主体',
    'interception.col.issuer': '签发者',
    'interception.col.spki': 'SPKI 固定值（SHA-256）',
    'interception.col.validTo': '有效期至',
    'interception.anchor': '信任锚',
    'interception.publicRoot': '止于公共根证书',
    'interception.authorizationError': '验证错误',
    'interception.direct.issuer': '直连路径：叶证书签发者',
    'interception.direct.spki': '直连路径：叶证书 SPKI 固定值',
    'interception.direct.failure': '直连路径：失败',
    'interception.label.shared': '证书链',
    'interception.label.server': '服务器',
    'interception.value.same-server': '与 {endpoint} 是同一服务器：见其证书链',
  },
};

export type { PresentedChain };

/**
 * The chain presented along the route. `classification` is how the handshake went: `ok` (the chain
 * validates), `tls-failure` (it does not), `intercepted` (through the proxy, a leaf key other than
 * the direct path's), or the path's failure; the endpoint's expected issuer and pins are judged.
 */
export interface InterceptionFacts extends ReachFacts {
  host: string;
  port: number;
  /** The server name sent (SNI); absent for an IP literal without tls.serverName. */
  servername?: string;
  chain?: PresentedChain;
  /** Through a proxy, with compareDirect: the leaf the direct path presented. */
  direct?: { leafIssuer?: string; spkiSha256?: string };
  /** Through a proxy, with compareDirect: why the direct path presented nothing. */
  directFailure?: PathFailure;
  /** The server the chain was fetched from: route, host:port and server name. */
  auditKey?: string;
  /** The endpoint whose result fetched this server's chain, when it is another one. */
  sameServerAs?: string;
}

const certSchema = {
  type: 'object',
  required: ['subject', 'issuer', 'fingerprint256', 'spkiSha256', 'validTo'],
  properties: {
    subject: { type: 'string' },
    issuer: { type: 'string' },
    fingerprint256: { type: 'string' },
    spkiSha256: { type: 'string' },
    validTo: { type: 'string' },
  },
} as const;

const factsSchema = {
  type: 'object',
  required: [...reachFactsRequired, 'host', 'port'],
  properties: {
    ...reachFactsProperties,
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    servername: { type: 'string' },
    chain: {
      type: 'object',
      required: ['certs', 'publicRoot', 'authorized'],
      properties: {
        certs: { type: 'array', items: certSchema },
        anchor: { type: 'string' },
        publicRoot: { type: 'boolean' },
        authorized: { type: 'boolean' },
        authorizationError: { type: 'string' },
      },
    },
    direct: { type: 'object', properties: { leafIssuer: { type: 'string' }, spkiSha256: { type: 'string' } } },
    directFailure: pathFailureSchema,
    auditKey: { type: 'string' },
    sameServerAs: { type: 'string' },
  },
} as const;

interface Expectations {
  expectedIssuer?: string;
  spkiPins?: string[];
  serverName?: string;
}

export default defineCheck<Options, InterceptionFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const servername = expectations(ep).serverName ?? (isIP(ep.host) ? undefined : ep.host);
    const base = { host: ep.host, port: ep.port, ...(servername ? { servername } : {}) };
    const got = await reach(ctx, ep, ctx.options.connectTimeoutMs, async (reaching) => {
      const server = serverLabel(reaching.route, ep.host, ep.port, servername);
      const key = [server, trustKey(ctx, ep), ctx.options.compareDirect].join('|');
      const shared = await ctx.use(chainFetch, { key, ctx, ep, servername, reaching });
      return { ...shared.value, server, owner: shared.owner };
    });
    if (!got.value) return { ...got.facts, ...base };
    const { chain, direct, directFailure, server, owner } = got.value;
    const differs = Boolean(direct?.spkiSha256 && chain.certs[0] && direct.spkiSha256 !== chain.certs[0].spkiSha256);
    return {
      ...got.facts,
      ...base,
      classification: differs ? 'intercepted' : chain.authorized ? 'ok' : 'tls-failure',
      chain,
      ...(direct ? { direct } : {}),
      ...(directFailure ? { directFailure } : {}),
      auditKey: server,
      ...(owner !== ep.name ? { sameServerAs: owner } : {}),
    };
  },

  judge(facts, { target }) {
    const ep = target.endpoint!;
    // Not reachable at all: the connection checks report that (once); here it only means "nothing to look at".
    if (facts.failure || !facts.chain) return { score: null, notApplicable: 'unreachable' };
    const { chain } = facts;
    const tlsConf = expectations(ep);
    const leafIssuer = chain.certs[0]?.issuer ?? '?';
    const findings: Finding[] = [];
    if (tlsConf.expectedIssuer && !issuerMatches(chain, tlsConf.expectedIssuer)) {
      findings.push({
        id: 'interception.issuer',
        severity: 'high',
        message: {
          id: 'path.intercepted',
          params: { endpoint: ep.name, host: ep.host, port: ep.port, issuer: leafIssuer, expected: tlsConf.expectedIssuer },
        },
        remediation: { id: 'path.intercepted.fix' },
        evidence: { presented: chain.certs.map((c) => c.issuer) },
      });
    }
    if (tlsConf.spkiPins?.length && !pinMatches(chain, tlsConf.spkiPins)) {
      findings.push({
        id: 'interception.pin',
        severity: 'high',
        message: { id: 'interception.pin', params: { endpoint: ep.name, host: ep.host, issuer: leafIssuer } },
        remediation: { id: 'path.intercepted.fix' },
        evidence: { presentedPins: chain.certs.map((c) => c.spkiSha256) },
      });
    }
    const directLeaf = facts.direct;
    if (directLeaf?.spkiSha256 && chain.certs[0] && directLeaf.spkiSha256 !== chain.certs[0].spkiSha256) {
      findings.push({
        id: 'interception.differs',
        severity: 'high',
        message: {
          id: 'interception.differs',
          params: { endpoint: ep.name, proxyIssuer: leafIssuer, directIssuer: directLeaf.leafIssuer ?? '?' },
        },
        remediation: { id: 'path.intercepted.fix' },
      });
    }
    if (findings.length) return { score: 0, findings };
    if (!chain.authorized) {
      return {
        score: 0.5,
        findings: [
          {
            id: 'interception.untrusted',
            severity: 'medium',
            message: {
              id: 'interception.untrusted',
              params: { endpoint: ep.name, host: ep.host, error: chain.authorizationError ?? '?', issuer: leafIssuer },
            },
            remediation: { id: 'interception.untrusted.fix' },
          },
        ],
      };
    }
    if (!chain.publicRoot && !tlsConf.expectedIssuer && !tlsConf.spkiPins?.length) {
      return {
        score: 0.7,
        findings: [
          {
            id: 'interception.private-ca',
            severity: 'low',
            message: { id: 'interception.private-ca', params: { endpoint: ep.name, host: ep.host, anchor: chain.anchor ?? leafIssuer } },
            remediation: { id: 'interception.private-ca.fix' },
          },
        ],
      };
    }
    return { score: 1 };
  },

  present(facts) {
    const blocks: Block[] = [];
    const chain = facts.chain;
    // Another endpoint's result lists this server's chain in full; this one names it and its leaf.
    if (chain && facts.sameServerAs) {
      return [
        {
          kind: 'key-value',
          title: { id: 'interception.block.chain' },
          items: [
            {
              label: { id: 'interception.label.shared' },
              value: { id: 'interception.value.same-server', params: { endpoint: facts.sameServerAs } },
            },
            { label: { id: 'interception.label.server' }, value: facts.auditKey ?? `${facts.host}:${facts.port}` },
            { label: { id: 'interception.col.issuer' }, value: chain.certs[0]?.issuer ?? null },
            { label: { id: 'interception.col.spki' }, value: chain.certs[0]?.spkiSha256 ?? null },
            { label: { id: 'reach.tls.authorized' }, value: chain.authorized },
          ],
        },
      ];
    }
    if (chain?.certs.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'interception.block.chain' },
        columns: [
          { key: 'subject', label: { id: 'interception.col.subject' } },
          { key: 'issuer', label: { id: 'interception.col.issuer' } },
          { key: 'spki', label: { id: 'interception.col.spki' } },
          { key: 'validTo', label: { id: 'interception.col.validTo' } },
        ],
        rows: chain.certs.map((c) => ({ subject: c.subject, issuer: c.issuer, spki: c.spkiSha256, validTo: c.validTo })),
      });
    }
    const connection = connectionBlock(facts);
    if (chain) {
      connection.items.push(
        { label: { id: 'reach.tls.authorized' }, value: chain.authorized },
        ...(chain.authorizationError ? [{ label: { id: 'interception.authorizationError' }, value: chain.authorizationError }] : []),
        { label: { id: 'interception.anchor' }, value: chain.anchor ?? null },
        { label: { id: 'interception.publicRoot' }, value: chain.publicRoot },
      );
    }
    if (facts.direct) {
      connection.items.push(
        { label: { id: 'interception.direct.issuer' }, value: facts.direct.leafIssuer ?? null },
        { label: { id: 'interception.direct.spki' }, value: facts.direct.spkiSha256 ?? null },
      );
    }
    if (facts.directFailure) connection.items.push({ label: { id: 'interception.direct.failure' }, value: facts.directFailure.message });
    blocks.push(connection);
    if (facts.failure) blocks.push(failureBlock(facts.failure));
    return blocks;
  },
});

interface ChainFetch {
  /** Route, server, trust and whether the direct path is compared: what decides the answer. */
  key: string;
  /** The task that asks first: the fetch runs under its deadline. */
  ctx: MeasureContext<Options>;
  ep: Endpoint;
  servername: string | undefined;
  reaching: Reaching;
}

interface Fetched {
  chain: PresentedChain;
  direct?: InterceptionFacts['direct'];
  directFailure?: PathFailure;
}

/**
 * One chain per server and route: every endpoint on it is presented the same certificates, so the
 * run fetches them once and each endpoint is judged on them against its own expectations.
 */
const chainFetch = defineArtifact<ChainFetch, { owner: string; value: Fetched }>({
  id: 'interception-chain',
  key: ({ key }) => key,
  compute: async (_actx, { ctx, ep, servername, reaching: { route, open, tls, connectTimeoutMs } }) => {
    const chain = await look(open, ep, servername, tls);
    if (route.path !== 'proxy' || !ctx.options.compareDirect) return { owner: ep.name, value: { chain } };
    return { owner: ep.name, value: { chain, ...(await lookDirect(ctx, ep, servername, tls, connectTimeoutMs)) } };
  },
});

function expectations(ep: Endpoint): Expectations {
  return (ep.extra.tls ?? {}) as Expectations;
}

/**
 * The chain presented to a handshake with verification off: the chain is what we came to see, and
 * trust is judged from `authorized`. Nothing is sent over this connection.
 */
async function look(
  open: (t: OpenTarget) => Promise<Opened>,
  ep: Endpoint,
  servername: string | undefined,
  tls: EndpointTls | undefined,
): Promise<PresentedChain> {
  const opened = await open({
    host: ep.host,
    port: ep.port,
    tls: {
      rejectUnauthorized: false,
      ...(servername ? { servername } : {}),
      ...(tls?.secureContext ? { secureContext: tls.secureContext } : {}),
    },
  });
  try {
    return presentedChain(opened.socket as TLSSocket);
  } finally {
    opened.socket.destroy();
  }
}

/** The leaf on the direct path, for comparison with the proxy's; a direct path that fails only says why. */
async function lookDirect(
  ctx: MeasureContext<Options>,
  ep: Endpoint,
  servername: string | undefined,
  tls: EndpointTls | undefined,
  connectTimeoutMs: number,
): Promise<{ direct?: InterceptionFacts['direct']; directFailure?: PathFailure }> {
  try {
    const chain = await look(opener(ctx, { path: 'direct' }, connectTimeoutMs), ep, servername, tls);
    const leaf = chain.certs[0];
    return { direct: leaf ? { leafIssuer: leaf.issuer, spkiSha256: leaf.spkiSha256 } : {} };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    return { directFailure: pathFailureOf(err) };
  }
}
