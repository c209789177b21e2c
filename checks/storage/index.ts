import type { Socket } from 'node:net';
import { commonOptions, defineCheck, type CheckContext, type CheckOutcome, type Endpoint, type Finding, type Measurement } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { keepErrors } from '../../src/net/dial.js';
import { first, type HttpFetchResult } from '../../src/net/http-fetch.js';
import { pathDetails, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { lookupOnce, probeBudgetMs, unreachableSeverity } from '../../src/net/shared.js';
import { smbNegotiate } from '../../src/net/smb.js';
import { bodyTooLarge, connectBudgetMs, endpointTls, fetchAlong, httpAnswerMessages, MAX_REDIRECTS, pathFailure, peerText, residency } from '../../src/integration/common.js';
import { child, parseXml, XmlError } from '../../src/util/xml.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...httpAnswerMessages.en,
    'storage.plaintext': '{endpoint}: file storage over plain HTTP ({url}): files cross the network unencrypted.',
    'storage.plaintext.fix': 'Serve the storage endpoint over HTTPS (TLS 1.2+) and point the IM platform at the https:// URL.',
    'storage.status': '{endpoint}: {url} answered HTTP {status}: the storage service is failing.',
    'storage.status.fix': 'Check the storage service and any gateway in front of it; the IM platform cannot store or serve files while it answers 5xx.',
    'storage.not-s3': '{endpoint}: {url} does not answer like an S3-compatible service (no S3 error document, no x-amz-request-id).',
    'storage.not-s3.fix': 'Point the site file at the S3 endpoint (the service URL, or the bucket URL in path or virtual-host style); a proxy or a web page may answer here instead.',
    'storage.s3-public': '{endpoint}: {url} lists its contents to anyone without credentials.',
    'storage.s3-public.fix': 'Remove public read / list access from the bucket policy and ACLs (S3 Block Public Access, or the equivalent setting of the storage product); chat files must not be world-readable.',
    'storage.not-webdav': '{endpoint}: {url} does not announce WebDAV (no DAV header in the answer to OPTIONS).',
    'storage.not-webdav.fix': 'Enable WebDAV on the server for this path (RFC 4918 §10.1: servers announce their compliance class in DAV), or point the site file at the WebDAV root.',
    'storage.open': '{endpoint}: {url} serves content to requests without credentials (HTTP {status}).',
    'storage.open.fix': 'Require authentication on the storage endpoint; files shared in chat must not be reachable anonymously.',
    'storage.not-smb': '{endpoint}: {host}:{port} accepts connections but does not speak SMB 2/3 ({detail}).',
    'storage.not-smb.fix': 'SMB1 is deprecated and disabled by default since Windows 10 1709 / Server 2019 (MS17-010 / WannaCry): enable SMB 2/3 on the file server, or point the site file at the right host and port.',
    'storage.smb-old': '{endpoint}: the file server negotiated SMB {dialect}; SMB 3.x adds encryption in transit.',
    'storage.smb-old.fix': 'Enable SMB 3.0 or later on the file server (and SMB encryption for shares holding chat files).',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...httpAnswerMessages['zh-CN'],
    'storage.plaintext': '{endpoint}：文件存储使用明文 HTTP（{url}）：文件未加密传输。',
    'storage.plaintext.fix': '通过 HTTPS（TLS 1.2 及以上）提供存储端点，并让 IM 平台使用 https:// URL。',
    'storage.status': '{endpoint}：{url} 返回 HTTP {status}：存储服务故障。',
    'storage.status.fix': '检查存储服务及其前端网关；在其返回 5xx 期间，IM 平台无法存储或提供文件。',
    'storage.not-s3': '{endpoint}：{url} 的应答不像兼容 S3 的服务（没有 S3 错误文档，也没有 x-amz-request-id）。',
    'storage.not-s3.fix': '将站点文件指向 S3 端点（服务 URL，或路径式 / 虚拟主机式的存储桶 URL）；此处应答的可能是代理或网页。',
    'storage.s3-public': '{endpoint}：{url} 向未携带凭据的任何人列出其内容。',
    'storage.s3-public.fix': '从存储桶策略和 ACL 中移除公开读取 / 列举权限（S3 阻止公共访问，或存储产品的同类设置）；聊天文件不得被公开读取。',
    'storage.not-webdav': '{endpoint}：{url} 未声明支持 WebDAV（OPTIONS 应答中没有 DAV 头）。',
    'storage.not-webdav.fix': '在服务器上为该路径启用 WebDAV（RFC 4918 §10.1：服务器在 DAV 头中声明其兼容级别），或将站点文件指向 WebDAV 根路径。',
    'storage.open': '{endpoint}：{url} 向未携带凭据的请求提供内容（HTTP {status}）。',
    'storage.open.fix': '为存储端点启用身份验证；聊天中共享的文件不得被匿名访问。',
    'storage.not-smb': '{endpoint}：{host}:{port} 接受连接，但不支持 SMB 2/3（{detail}）。',
    'storage.not-smb.fix': 'SMB1 已被弃用，自 Windows 10 1709 / Server 2019 起默认禁用（MS17-010 / WannaCry）：请在文件服务器上启用 SMB 2/3，或将站点文件指向正确的主机和端口。',
    'storage.smb-old': '{endpoint}：文件服务器协商的是 SMB {dialect}；SMB 3.x 才支持传输加密。',
    'storage.smb-old.fix': '在文件服务器上启用 SMB 3.0 及以上版本（并为存放聊天文件的共享启用 SMB 加密）。',
  },
};

interface Options {
  connectTimeoutMs: number;
}

type Kind = 's3' | 'webdav' | 'smb' | 'http';
/** An anonymous GET on a service root answers with an error document or a listing: 1 MiB holds a 1,000-key S3 page. */
const BODY_BYTES = 1 << 20;
const S3_SERVER = /AmazonS3|MinIO|Ceph|RGW|SeaweedFS|OSS|COS|OBS/i;
const S3_ERRORS = /^(AccessDenied|NoSuchBucket|NoSuchKey|AllAccessDisabled|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidBucketName|AuthorizationHeaderMalformed|MissingSecurityHeader|InvalidRequest|PermanentRedirect)$/;

/** File storage (NAS/SMB, WebDAV, S3-compatible): reachable, TLS, answers as its kind; resolved addresses for residency. */
export default defineCheck<Options>({
  meta: {
    id: 'storage',
    title: 'File storage is reachable, encrypted and answers as configured',
    failureTitle: 'File storage is unreachable, unencrypted or not what it claims',
    description:
      'For every endpoint with role `storage` (or `files` with a `storage:` section). **SMB** (protocol `smb`, port 445): ' +
      'TCP along the route, then an SMB2 NEGOTIATE (no session, no credentials): the dialect and whether signing is ' +
      'required; SMB1-only or not SMB is a finding. **HTTP(S)** (WebDAV, S3-compatible): one GET and one OPTIONS without ' +
      'credentials; an S3 service is recognised by its XML error document (`<Error><Code>AccessDenied</Code>`) or ' +
      '`x-amz-request-id` / `Server` header, WebDAV by the `DAV` header (RFC 4918 §10.1). A bucket listing served ' +
      'anonymously and plain `http://` are findings. Every result publishes `details.addresses` (what the host resolves ' +
      'to) for data-residency rules.',
    category: 'integration',
    severity: 'high',
    weight: 2,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 4918 — HTTP Extensions for WebDAV', clause: '§9.1 (PROPFIND), §10.1 (DAV header)' },
      { title: 'Amazon S3 API Reference — Error responses', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html' },
      { title: '[MS-SMB2] Server Message Block Protocol Versions 2 and 3', clause: '§2.2.3 / §2.2.4 (NEGOTIATE)' },
      { title: 'Microsoft: SMBv1 is not installed by default in Windows 10 1709 and Windows Server 2019 and later', url: 'https://learn.microsoft.com/windows-server/storage/file-server/troubleshoot/smbv1-not-installed-by-default-in-windows' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => ep.expect === 'reachable' && (ep.role === 'storage' || (ep.role === 'files' && ep.extra.storage !== undefined)))
      .filter((ep) => ['http', 'https', 'smb', 'tcp', 'tls'].includes(ep.protocol))
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const connectTimeoutMs = connectBudgetMs(ctx);
    const configured = (ep.extra.storage as { kind?: Kind } | undefined)?.kind;
    const kind: Kind | undefined = configured ?? (ep.protocol === 'smb' || ((ep.protocol === 'tcp' || ep.protocol === 'tls') && (ep.port === 445 || ep.port === 139)) ? 'smb' : undefined);
    const where = await residency(ctx, ep.host);
    let route: Route | undefined;
    try {
      route = await routeFor(ctx, ep);
      if (route.path === 'direct') await lookupOnce(ctx, ep.host);
      const outcome = kind === 'smb' ? await smb(ctx, ep, route) : ep.url ? await overHttp(ctx, ep, route, kind) : await connectOnly(ctx, ep, route);
      outcome.details = { ...outcome.details, ...pathDetails(route), ...where };
      return outcome;
    } catch (err) {
      if (err instanceof PathError && err.classification === 'server-error') {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        return {
          status: 'fail',
          score: 0,
          findings: [{ id: 'storage.not-smb', severity, message: { id: 'storage.not-smb', params: { endpoint: ep.name, host: ep.host, port: ep.port, detail: peerText(err.message, 300) } }, remediation: { id: 'storage.not-smb.fix' }, evidence: { code: err.code ?? '-', ...(err.detail ?? {}) } }],
          details: { classification: 'server-error', kind: 'smb', code: err.code, ...(route ? pathDetails(route) : {}), ...where },
        };
      }
      return pathFailure('storage', ctx, err, ep, severity, connectTimeoutMs, route, { ...(kind ? { kind } : {}), ...where });
    }
  },
});

async function smb(ctx: CheckContext<Options>, ep: Endpoint, route: Route): Promise<CheckOutcome> {
  const opened = await opener(ctx, route, connectBudgetMs(ctx))({ host: ep.host, port: ep.port });
  const socket = opened.socket as Socket;
  keepErrors(socket);
  try {
    const n = await smbNegotiate(socket, Math.max(100, probeBudgetMs(ctx)), ctx.signal);
    const findings: Finding[] = [];
    if (n.dialectRevision < 0x0300) {
      findings.push({ id: 'storage.smb-old', severity: 'medium', message: { id: 'storage.smb-old', params: { endpoint: ep.name, dialect: n.dialect } }, remediation: { id: 'storage.smb-old.fix' } });
    }
    return {
      status: findings.length ? 'warn' : 'pass',
      score: findings.length ? 0.7 : 1,
      measurements: opened.timings.connectMs !== undefined ? [{ id: 'connectMs', value: opened.timings.connectMs, unit: 'ms' }] : [],
      findings,
      details: { classification: 'ok', kind: 'smb', smb: n },
    };
  } finally {
    socket.destroy();
  }
}

/** Another storage protocol on a TCP port (NFS, iSCSI, a vendor's): reachable, and TLS verified for `tls`. */
async function connectOnly(ctx: CheckContext<Options>, ep: Endpoint, route: Route): Promise<CheckOutcome> {
  const tls = ep.protocol === 'tls' ? await endpointTls(ctx, ep) : undefined;
  const opened = await opener(ctx, route, connectBudgetMs(ctx))({ host: ep.host, port: ep.port, ...(tls ? { tls } : {}) });
  opened.socket.destroy();
  return {
    status: 'pass',
    score: 1,
    measurements: opened.timings.connectMs !== undefined ? [{ id: 'connectMs', value: opened.timings.connectMs, unit: 'ms' }] : [],
    details: { classification: 'ok', kind: ep.protocol, ...(opened.tls ? { tls: opened.tls } : {}) },
  };
}

async function overHttp(ctx: CheckContext<Options>, ep: Endpoint, route: Route, configured: Kind | undefined): Promise<CheckOutcome> {
  const url = ep.url!;
  const base = { endpoint: ep.name, url };
  const get = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: BODY_BYTES, redirects: MAX_REDIRECTS });
  const s3 = s3Signals(get);
  // A listing is judged from its start; any other answer that does not end is not one to judge.
  if (get.truncated && !s3.listing) throw bodyTooLarge(get, BODY_BYTES);
  // OPTIONS only matters for WebDAV; its failure (a stall, a reset) is recorded, not fatal.
  const options = configured === 's3' ? undefined : await fetchAlong(ctx, ep, route, url, { method: 'OPTIONS', maxBodyBytes: 4096, timeoutMs: Math.max(300, probeBudgetMs(ctx) / 2) }).catch((err: unknown) => {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return err instanceof PathError ? err : Promise.reject(err);
  });
  const dav = options && !(options instanceof PathError) ? first(options.headers.dav) : undefined;
  const detected: Kind = s3.like ? 's3' : dav ? 'webdav' : 'http';
  const measurements: Measurement[] = [
    { id: 'status', value: get.status },
    { id: 'ttfbMs', value: get.timings.ttfbMs, unit: 'ms' },
    ...(get.timings.connectMs !== undefined ? [{ id: 'connectMs', value: get.timings.connectMs, unit: 'ms' }] : []),
    ...(get.timings.tlsMs !== undefined ? [{ id: 'tlsHandshakeMs', value: get.timings.tlsMs, unit: 'ms' }] : []),
  ];
  const details: Record<string, unknown> = {
    classification: get.status >= 500 ? 'http-error' : 'ok',
    kind: configured ?? detected,
    detected,
    status: get.status,
    ...(get.chain.length > 1 ? { redirects: get.chain.slice(1).map((u) => peerText(u, 300)) } : {}),
    ...(s3.like ? { s3: { code: s3.code, listing: s3.listing, ...(s3.requestId ? { requestId: true } : {}), ...(s3.server ? { server: s3.server } : {}) } } : {}),
    ...(options instanceof PathError ? { options: { classification: options.classification, error: options.message } } : options ? { options: { status: options.status, ...(dav ? { dav: peerText(dav, 200) } : {}), ...(first(options.headers.allow) ? { allow: peerText(first(options.headers.allow)!, 300) } : {}) } } : {}),
    ...(get.tls ? { tls: get.tls } : {}),
  };
  const findings: Finding[] = [];
  const sev = unreachableSeverity(ep);
  if (get.status >= 500 && !s3.like) {
    findings.push({ id: 'storage.status', severity: sev, message: { id: 'storage.status', params: { ...base, status: get.status } }, remediation: { id: 'storage.status.fix' } });
    return { status: 'fail', score: 0, measurements, findings, details };
  }
  let score = 1;
  // An https URL that redirects to http serves its files in clear text all the same.
  if (ep.protocol === 'http' || get.chain.some((u) => u.startsWith('http:'))) {
    findings.push({ id: 'storage.plaintext', severity: 'high', message: { id: 'storage.plaintext', params: base }, remediation: { id: 'storage.plaintext.fix' } });
    score = 0;
  }
  if (configured === 's3' && !s3.like) {
    findings.push({ id: 'storage.not-s3', severity: 'medium', message: { id: 'storage.not-s3', params: base }, remediation: { id: 'storage.not-s3.fix' } });
    score = Math.min(score, 0.5);
  }
  if (configured === 'webdav' && !dav) {
    findings.push({ id: 'storage.not-webdav', severity: 'medium', message: { id: 'storage.not-webdav', params: base }, remediation: { id: 'storage.not-webdav.fix' } });
    score = Math.min(score, 0.5);
  }
  if (s3.listing && get.status === 200) {
    findings.push({ id: 'storage.s3-public', severity: 'high', message: { id: 'storage.s3-public', params: base }, remediation: { id: 'storage.s3-public.fix' } });
    score = 0;
  } else if (!s3.like && get.status >= 200 && get.status < 300 && (configured === 'webdav' || detected === 'webdav')) {
    findings.push({ id: 'storage.open', severity: 'high', message: { id: 'storage.open', params: { ...base, status: get.status } }, remediation: { id: 'storage.open.fix' } });
    score = 0;
  }
  return { status: score === 0 ? 'fail' : findings.length ? 'warn' : 'pass', score, measurements, findings, details };
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
  return { like: requestId || Boolean(server) || Boolean(code) || listing, ...(code ? { code } : {}), listing, requestId, ...(server ? { server } : {}) };
}
