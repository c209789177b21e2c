// File storage the IM platform keeps chat files on (NAS over SMB, WebDAV, S3-compatible object
// storage): reachable along the route, encrypted, answering as the kind it is configured as, and
// not serving files or listings to anyone without credentials.

import type { Socket } from 'node:net';
import { defineCheck, type Endpoint, type Finding, type Measurement, type MeasureContext } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { keepErrors } from '../../src/net/dial.js';
import { first, type HttpFetchResult } from '../../src/net/http-fetch.js';
import { pathMessages } from '../../src/net/path-messages.js';
import type { Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { probeBudgetMs } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { smbNegotiate, type SmbNegotiation } from '../../src/net/smb.js';
import { bodyTooLarge, endpointTls, fetchAlong, MAX_REDIRECTS, peerText } from '../../src/integration/common.js';
import {
  answerFacts,
  answerFactsProperties,
  integrationFactsSchema,
  measureAlong,
  type AnswerFacts,
  type IntegrationFacts,
} from '../../src/integration/facts.js';
import {
  addressesItem,
  failureFinding,
  httpItems,
  integrationBlocks,
  integrationMessages,
  timingMeasurements,
} from '../../src/integration/findings.js';
import { child, parseXml, XmlError } from '../../src/util/xml.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...integrationMessages.en,
    'storage.plaintext': '{endpoint}: file storage over plain HTTP ({url}): files cross the network unencrypted.',
    'storage.plaintext.fix': 'Serve the storage endpoint over HTTPS (TLS 1.2+) and point the IM platform at the https:// URL.',
    'storage.status': '{endpoint}: {url} answered HTTP {status}: the storage service is failing.',
    'storage.status.fix':
      'Check the storage service and any gateway in front of it; the IM platform cannot store or serve files while it answers 5xx.',
    'storage.not-s3': '{endpoint}: {url} does not answer like an S3-compatible service (no S3 error document, no x-amz-request-id).',
    'storage.not-s3.fix':
      'Point the site file at the S3 endpoint (the service URL, or the bucket URL in path or virtual-host style); a proxy or a web page may answer here instead.',
    'storage.s3-public': '{endpoint}: {url} lists its contents to anyone without credentials.',
    'storage.s3-public.fix':
      'Remove public read / list access from the bucket policy and ACLs (S3 Block Public Access, or the equivalent setting of the storage product); chat files must not be world-readable.',
    'storage.not-webdav': '{endpoint}: {url} does not announce WebDAV (no DAV header in the answer to OPTIONS).',
    'storage.not-webdav.fix':
      'Enable WebDAV on the server for this path (RFC 4918 §10.1: servers announce their compliance class in DAV), or point the site file at the WebDAV root.',
    'storage.open': '{endpoint}: {url} serves content to requests without credentials (HTTP {status}).',
    'storage.open.fix': 'Require authentication on the storage endpoint; files shared in chat must not be reachable anonymously.',
    'storage.not-smb': '{endpoint}: {host}:{port} accepts connections but does not speak SMB 2/3 ({detail}).',
    'storage.not-smb.fix':
      'SMB1 is deprecated and disabled by default since Windows 10 1709 / Server 2019 (MS17-010 / WannaCry): enable SMB 2/3 on the file server, or point the site file at the right host and port.',
    'storage.smb-old': '{endpoint}: the file server negotiated SMB {dialect}; SMB 3.x adds encryption in transit.',
    'storage.smb-old.fix': 'Enable SMB 3.0 or later on the file server (and SMB encryption for shares holding chat files).',
    'storage.block.storage': 'Storage',
    'storage.item.kind': 'Kind',
    'storage.item.detected': 'Answers like',
    'storage.item.s3-code': 'S3 error code',
    'storage.item.s3-listing': 'Lists its contents',
    'storage.item.dav': 'DAV (OPTIONS)',
    'storage.item.allow': 'Allowed methods',
    'storage.item.options-failed': 'OPTIONS failed',
    'storage.item.smb-dialect': 'SMB dialect',
    'storage.item.smb-signing': 'SMB signing required',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...integrationMessages['zh-CN'],
    'storage.plaintext': '{endpoint}：文件存储使用明文 HTTP（{url}）：文件未加密传输。',
    'storage.plaintext.fix': '通过 HTTPS（TLS 1.2 及以上）提供存储端点，并让 IM 平台使用 https:// URL。',
    'storage.status': '{endpoint}：{url} 返回 HTTP {status}：存储服务故障。',
    'storage.status.fix': '检查存储服务及其前端网关；在其返回 5xx 期间，IM 平台无法存储或提供文件。',
    'storage.not-s3': '{endpoint}：{url} 的应答不像兼容 S3 的服务（没有 S3 错误文档，也没有 x-amz-request-id）。',
    'storage.not-s3.fix': '将站点文件指向 S3 端点（服务 URL，或路径式 / 虚拟主机式的存储桶 URL）；此处应答的可能是代理或网页。',
    'storage.s3-public': '{endpoint}：{url} 向未携带凭据的任何人列出其内容。',
    'storage.s3-public.fix':
      '从存储桶策略和 ACL 中移除公开读取 / 列举权限（S3 阻止公共访问，或存储产品的同类设置）；聊天文件不得被公开读取。',
    'storage.not-webdav': '{endpoint}：{url} 未声明支持 WebDAV（OPTIONS 应答中没有 DAV 头）。',
    'storage.not-webdav.fix':
      '在服务器上为该路径启用 WebDAV（RFC 4918 §10.1：服务器在 DAV 头中声明其兼容级别），或将站点文件指向 WebDAV 根路径。',
    'storage.open': '{endpoint}：{url} 向未携带凭据的请求提供内容（HTTP {status}）。',
    'storage.open.fix': '为存储端点启用身份验证；聊天中共享的文件不得被匿名访问。',
    'storage.not-smb': '{endpoint}：{host}:{port} 接受连接，但不支持 SMB 2/3（{detail}）。',
    'storage.not-smb.fix':
      'SMB1 已被弃用，自 Windows 10 1709 / Server 2019 起默认禁用（MS17-010 / WannaCry）：请在文件服务器上启用 SMB 2/3，或将站点文件指向正确的主机和端口。',
    'storage.smb-old': '{endpoint}：文件服务器协商的是 SMB {dialect}；SMB 3.x 才支持传输加密。',
    'storage.smb-old.fix': '在文件服务器上启用 SMB 3.0 及以上版本（并为存放聊天文件的共享启用 SMB 加密）。',
    'storage.block.storage': '存储',
    'storage.item.kind': '类型',
    'storage.item.detected': '应答类似',
    'storage.item.s3-code': 'S3 错误码',
    'storage.item.s3-listing': '列出内容',
    'storage.item.dav': 'DAV（OPTIONS）',
    'storage.item.allow': '允许的方法',
    'storage.item.options-failed': 'OPTIONS 失败',
    'storage.item.smb-dialect': 'SMB 方言',
    'storage.item.smb-signing': '要求 SMB 签名',
  },
};

type Kind = 's3' | 'webdav' | 'smb' | 'http';
/** What the storage is: configured (`storage.kind`), else detected; tcp and tls for other protocols on a port. */
export type StorageKind = Kind | 'tcp' | 'tls';

/** The answer (AnswerFacts) is the GET's, for HTTP storage; connectMs and TLS are the connection's for the others. */
export interface StorageFacts extends IntegrationFacts, AnswerFacts {
  /** The storage's kind: configured, else detected (named so to stay apart from `kind: protocol-error`). */
  storageKind?: StorageKind;
  /** What the HTTP answers looked like. */
  detected?: 's3' | 'webdav' | 'http';
  /** The URL requested (HTTP storage). */
  url?: string;
  redirects?: string[];
  /** Present when the answer came from an S3-compatible service. */
  s3?: { code?: string; listing: boolean; requestId?: true; server?: string };
  /** The answer to OPTIONS (WebDAV announces itself in DAV), or how it failed. */
  options?: { status: number; dav?: string; allow?: string } | { classification: string; error: string };
  smb?: SmbNegotiation;
}

const factsSchema = integrationFactsSchema({
  storageKind: { enum: ['s3', 'webdav', 'smb', 'http', 'tcp', 'tls'] },
  detected: { enum: ['s3', 'webdav', 'http'] },
  url: { type: 'string' },
  ...answerFactsProperties,
  redirects: { type: 'array', items: { type: 'string' } },
  s3: {
    type: 'object',
    required: ['listing'],
    properties: { code: { type: 'string' }, listing: { type: 'boolean' }, requestId: { const: true }, server: { type: 'string' } },
  },
  options: {
    type: 'object',
    properties: {
      status: { type: 'integer' },
      dav: { type: 'string' },
      allow: { type: 'string' },
      classification: { type: 'string' },
      error: { type: 'string' },
    },
    anyOf: [{ required: ['status'] }, { required: ['classification', 'error'] }],
  },
  smb: {
    type: 'object',
    required: ['dialect', 'dialectRevision', 'signingRequired'],
    properties: { dialect: { type: 'string' }, dialectRevision: { type: 'integer' }, signingRequired: { type: 'boolean' } },
  },
});

/** An anonymous GET on a service root answers with an error document or a listing: 1 MiB holds a 1,000-key S3 page. */
const BODY_BYTES = 1 << 20;
const S3_SERVER = /AmazonS3|MinIO|Ceph|RGW|SeaweedFS|OSS|COS|OBS/i;
const S3_ERRORS =
  /^(AccessDenied|NoSuchBucket|NoSuchKey|AllAccessDisabled|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidBucketName|AuthorizationHeaderMalformed|MissingSecurityHeader|InvalidRequest|PermanentRedirect)$/;

/** File storage (NAS/SMB, WebDAV, S3-compatible): reachable, TLS, answers as its kind; resolved addresses for residency. */
export default defineCheck<Options, StorageFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const configured = configuredKind(ep);
    const kind: Kind | undefined =
      configured ??
      (ep.protocol === 'smb' || ((ep.protocol === 'tcp' || ep.protocol === 'tls') && (ep.port === 445 || ep.port === 139))
        ? 'smb'
        : undefined);
    return measureAlong<StorageFacts>(
      ctx,
      ep,
      (route, facts) =>
        kind === 'smb'
          ? smb(ctx, ep, route, facts)
          : ep.url
            ? overHttp(ctx, ep, route, configured, facts)
            : connectOnly(ctx, ep, route, facts),
      { init: kind ? { storageKind: kind } : {} },
    );
  },

  judge(facts, { target }) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const measurements: Measurement[] = [
      ...(facts.status !== undefined ? [{ id: 'status', value: facts.status }] : []),
      ...(facts.ttfbMs !== undefined ? [{ id: 'ttfbMs', value: facts.ttfbMs, unit: 'ms' }] : []),
      ...timingMeasurements(facts),
    ];
    if (facts.failure) {
      if (facts.failure.classification !== 'server-error')
        return { score: 0, findings: [failureFinding('storage', { ...facts, failure: facts.failure }, ep, severity)] };
      const finding: Finding = {
        id: 'storage.not-smb',
        severity,
        message: { id: 'storage.not-smb', params: { endpoint: ep.name, host: ep.host, port: ep.port, detail: facts.failure.message } },
        remediation: { id: 'storage.not-smb.fix' },
        evidence: { code: facts.failure.code ?? '-', ...(facts.failure.detail ?? {}) },
      };
      return { score: 0, findings: [finding] };
    }
    if (facts.smb) {
      if (facts.smb.dialectRevision >= 0x0300) return { score: 1, measurements };
      const finding: Finding = {
        id: 'storage.smb-old',
        severity: 'medium',
        message: { id: 'storage.smb-old', params: { endpoint: ep.name, dialect: facts.smb.dialect } },
        remediation: { id: 'storage.smb-old.fix' },
      };
      return { score: 0.7, measurements, findings: [finding] };
    }
    if (facts.status === undefined) return { score: 1, measurements };
    return judgeHttp(facts as StorageFacts & { status: number }, ep, configuredKind(ep), measurements);
  },

  present(facts) {
    const options = facts.options;
    return integrationBlocks(
      { id: 'storage.block.storage' },
      [
        facts.storageKind && { label: { id: 'storage.item.kind' }, value: facts.storageKind },
        facts.detected && { label: { id: 'storage.item.detected' }, value: facts.detected },
        ...httpItems(facts.status, facts.redirects),
        facts.s3?.code !== undefined && { label: { id: 'storage.item.s3-code' }, value: facts.s3.code },
        facts.s3 && { label: { id: 'storage.item.s3-listing' }, value: facts.s3.listing },
        options && 'status' in options && { label: { id: 'storage.item.dav' }, value: options.dav ?? null },
        options && 'status' in options && options.allow !== undefined && { label: { id: 'storage.item.allow' }, value: options.allow },
        options &&
          'error' in options && { label: { id: 'storage.item.options-failed' }, value: `${options.classification}: ${options.error}` },
        facts.smb && { label: { id: 'storage.item.smb-dialect' }, value: facts.smb.dialect },
        facts.smb && { label: { id: 'storage.item.smb-signing' }, value: facts.smb.signingRequired },
        addressesItem(facts),
      ],
      facts,
    );
  },
});

function configuredKind(ep: Endpoint): Kind | undefined {
  return (ep.extra.storage as { kind?: Kind } | undefined)?.kind;
}

/** An HTTP storage's answers, against what it is configured as. */
function judgeHttp(facts: StorageFacts & { status: number }, ep: Endpoint, configured: Kind | undefined, measurements: Measurement[]) {
  const base = { endpoint: ep.name, url: facts.url ?? ep.url ?? '-' };
  const status = facts.status;
  const s3 = facts.s3;
  const dav = facts.options && 'status' in facts.options ? facts.options.dav : undefined;
  if (status >= 500 && !s3) {
    return {
      score: 0,
      measurements,
      findings: [
        {
          id: 'storage.status',
          severity: unreachableSeverity(ep),
          message: { id: 'storage.status', params: { ...base, status } },
          remediation: { id: 'storage.status.fix' },
        },
      ],
    };
  }
  const findings: Finding[] = [];
  let score = 1;
  // An https URL that redirects to http serves its files in clear text all the same.
  if ([facts.url, ...(facts.redirects ?? [])].some((u) => u?.startsWith('http:'))) {
    findings.push({
      id: 'storage.plaintext',
      severity: 'high',
      message: { id: 'storage.plaintext', params: base },
      remediation: { id: 'storage.plaintext.fix' },
    });
    score = 0;
  }
  if (configured === 's3' && !s3) {
    findings.push({
      id: 'storage.not-s3',
      severity: 'medium',
      message: { id: 'storage.not-s3', params: base },
      remediation: { id: 'storage.not-s3.fix' },
    });
    score = Math.min(score, 0.5);
  }
  if (configured === 'webdav' && !dav) {
    findings.push({
      id: 'storage.not-webdav',
      severity: 'medium',
      message: { id: 'storage.not-webdav', params: base },
      remediation: { id: 'storage.not-webdav.fix' },
    });
    score = Math.min(score, 0.5);
  }
  if (s3?.listing && status === 200) {
    findings.push({
      id: 'storage.s3-public',
      severity: 'high',
      message: { id: 'storage.s3-public', params: base },
      remediation: { id: 'storage.s3-public.fix' },
    });
    score = 0;
  } else if (!s3 && status >= 200 && status < 300 && (configured === 'webdav' || facts.detected === 'webdav')) {
    findings.push({
      id: 'storage.open',
      severity: 'high',
      message: { id: 'storage.open', params: { ...base, status } },
      remediation: { id: 'storage.open.fix' },
    });
    score = 0;
  }
  return { score, measurements, findings };
}

async function smb(ctx: MeasureContext<Options>, ep: Endpoint, route: Route, facts: StorageFacts): Promise<void> {
  const opened = await opener(ctx, route, facts.connectTimeoutMs)({ host: ep.host, port: ep.port });
  const socket = opened.socket as Socket;
  keepErrors(socket);
  try {
    if (opened.timings.connectMs !== undefined) facts.connectMs = opened.timings.connectMs;
    facts.smb = await smbNegotiate(socket, Math.max(100, probeBudgetMs(ctx)), ctx.signal);
  } finally {
    socket.destroy();
  }
}

/** Another storage protocol on a TCP port (NFS, iSCSI, a vendor's): reachable, and TLS verified for `tls`. */
async function connectOnly(ctx: MeasureContext<Options>, ep: Endpoint, route: Route, facts: StorageFacts): Promise<void> {
  facts.storageKind = ep.protocol === 'tls' ? 'tls' : 'tcp';
  const tls = ep.protocol === 'tls' ? await endpointTls(ctx, ep) : undefined;
  const opened = await opener(ctx, route, facts.connectTimeoutMs)({ host: ep.host, port: ep.port, ...(tls ? { tls } : {}) });
  opened.socket.destroy();
  if (opened.timings.connectMs !== undefined) facts.connectMs = opened.timings.connectMs;
  if (opened.timings.tlsMs !== undefined) facts.tlsHandshakeMs = opened.timings.tlsMs;
  if (opened.tls) facts.tls = opened.tls;
}

async function overHttp(
  ctx: MeasureContext<Options>,
  ep: Endpoint,
  route: Route,
  configured: Kind | undefined,
  facts: StorageFacts,
): Promise<void> {
  const url = ep.url!;
  facts.url = url;
  const get = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: BODY_BYTES, redirects: MAX_REDIRECTS });
  Object.assign(facts, answerFacts(get));
  if (get.chain.length > 1) facts.redirects = get.chain.slice(1).map((u) => peerText(u, 300));
  const s3 = s3Signals(get);
  // A listing is judged from its start; any other answer that does not end is not one to judge.
  if (get.truncated && !s3.listing) throw bodyTooLarge(get, BODY_BYTES);
  if (s3.like)
    facts.s3 = {
      ...(s3.code ? { code: s3.code } : {}),
      listing: s3.listing,
      ...(s3.requestId ? { requestId: true } : {}),
      ...(s3.server ? { server: s3.server } : {}),
    };
  // OPTIONS only matters for WebDAV; its failure (a stall, a reset) is recorded, not fatal.
  const options =
    configured === 's3'
      ? undefined
      : await fetchAlong(ctx, ep, route, url, {
          method: 'OPTIONS',
          maxBodyBytes: 4096,
          timeoutMs: Math.max(300, probeBudgetMs(ctx) / 2),
        }).catch((err: unknown) => {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          return err instanceof PathError ? err : Promise.reject(err);
        });
  const dav = options && !(options instanceof PathError) ? first(options.headers.dav) : undefined;
  if (options instanceof PathError) facts.options = { classification: options.classification, error: peerText(options.message, 300) };
  else if (options) {
    const allow = first(options.headers.allow);
    facts.options = {
      status: options.status,
      ...(dav ? { dav: peerText(dav, 200) } : {}),
      ...(allow ? { allow: peerText(allow, 300) } : {}),
    };
  }
  facts.detected = s3.like ? 's3' : dav ? 'webdav' : 'http';
  facts.storageKind = configured ?? facts.detected;
  if (get.status >= 500) facts.classification = 'http-error';
}

interface S3Signals {
  like: boolean;
  code?: string;
  listing: boolean;
  requestId: boolean;
  server?: string;
}

/** Does this answer come from an S3-compatible service? Headers first, then the XML body. */
function s3Signals(res: HttpFetchResult): S3Signals {
  const requestId = Boolean(res.headers['x-amz-request-id'] ?? res.headers['x-amz-id-2']);
  const serverHeader = first(res.headers.server);
  const server = serverHeader && S3_SERVER.test(serverHeader) ? peerText(serverHeader, 100) : undefined;
  let code: string | undefined;
  let listing = false;
  const text = res.body.toString('utf8');
  if (res.truncated) {
    // Too large to parse whole: a listing still names itself in its root element.
    const root = /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:[\w.-]+:)?(ListBucketResult|ListAllMyBucketsResult)[\s>]/.exec(text.slice(0, 4096));
    listing = root !== null;
  } else if (/^\s*(<\?xml[^>]*\?>\s*)?</.test(text)) {
    try {
      const root = parseXml(text, { maxBytes: BODY_BYTES, maxDepth: 16, maxElements: 20_000 });
      if (root.local === 'Error') {
        const c = child(root, 'Code')?.text.trim();
        if (c && S3_ERRORS.test(c)) code = c;
      }
      listing = root.local === 'ListBucketResult' || root.local === 'ListAllMyBucketsResult';
    } catch (err) {
      if (!(err instanceof XmlError)) throw err;
    }
  }
  return {
    like: requestId || Boolean(server) || Boolean(code) || listing,
    ...(code ? { code } : {}),
    listing,
    requestId,
    ...(server ? { server } : {}),
  };
}
