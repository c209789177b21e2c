import { commonOptions, defineCheck, type CheckContext, type CheckOutcome, type Endpoint, type Finding, type Measurement } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathDetails, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { lookupOnce, probeBudgetMs, unreachableSeverity } from '../../src/net/shared.js';
import { connectBudgetMs, fetchAlong, httpAnswerMessages, jsonObject, MAX_REDIRECTS, pathFailure, peerText, probeUrl, residency, type UrlProbe } from '../../src/integration/common.js';
import { discoveryLocation, MIN_RSA_BITS, reviewDiscovery, reviewJwks, type DiscoveryProblem, type KeyProblem } from '../../src/integration/oidc.js';
import { reviewMetadata } from '../../src/integration/saml.js';
import { XmlError } from '../../src/util/xml.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...httpAnswerMessages.en,
    'sso.status': '{endpoint}: {url} answered HTTP {status} instead of the {what}.',
    'sso.status.fix': 'Check the URL in the site file: the OpenID configuration lives at <issuer>/.well-known/openid-configuration, SAML metadata at the URL the identity provider publishes.',
    'sso.not-json': '{endpoint}: {url} is not a JSON object{truncated}.',
    'sso.not-json.fix': 'The identity provider must serve its configuration as JSON (OpenID Connect Discovery 1.0 §4.2); something else answers at this URL (a login page, a proxy\'s error page?).',
    'sso.missing': '{endpoint}: the OpenID configuration lacks required fields: {fields}.',
    'sso.missing.fix': 'Fix the identity provider\'s discovery document (OpenID Connect Discovery 1.0 §3 lists the required metadata).',
    'sso.wrong-type': '{endpoint}: {field} in the OpenID configuration is not {expected}: relying parties cannot use it.',
    'sso.type.string': 'a string',
    'sso.type.array': 'a list of strings',
    'sso.issuer-mismatch': '{endpoint}: the configuration names issuer {issuer}, but it was fetched for {expected}: relying parties must reject it (Discovery §4.3), and ID tokens will not validate.',
    'sso.issuer-mismatch.fix': 'Configure the IM platform with the exact issuer the provider announces (scheme, host, path, no trailing "/" difference), or fix the provider\'s issuer / public URL setting (often wrong behind a reverse proxy).',
    'sso.not-https': '{endpoint}: {field} is not an https URL ({value}).',
    'sso.not-https.fix': 'Every OpenID endpoint must use TLS (OpenID Connect Core §3.1.2.1, §16.17): fix the provider\'s public URL setting.',
    'sso.alg-none': '{endpoint}: the provider offers unsigned ID tokens (alg "none").',
    'sso.alg-none.fix': 'Remove "none" from id_token_signing_alg_values_supported and make sure the IM platform rejects unsigned tokens.',
    'sso.no-rs256': '{endpoint}: RS256 is not among the ID token signing algorithms ({algs}); Discovery §3 requires it.',
    'sso.endpoint-unreachable': '{endpoint}: the {field} {url} cannot be reached ({classification}{status}).',
    'sso.endpoint-unreachable.fix': 'Users log in through this URL: allow it on the firewall / proxy for this site, or fix the provider\'s public URL setting.',
    'sso.jwks-invalid': '{endpoint}: the key set at {url} is unusable: {why}.',
    'sso.jwks-invalid.fix': 'Serve a JSON Web Key Set (RFC 7517 §5) with the provider\'s current public signing keys at jwks_uri.',
    'sso.symmetric-key': '{endpoint}: the published key set contains a symmetric key ({kid}): whoever reads it can sign tokens.',
    'sso.symmetric-key.fix': 'Remove the key from the key set, rotate the secret now, and sign ID tokens with an asymmetric key (RS256/ES256).',
    'sso.key-alg-none': '{endpoint}: key {kid} declares alg "none".',
    'sso.key-alg-none.fix': 'Publish only signing keys with a real algorithm (RS256, PS256, ES256 …).',
    'sso.weak-key': '{endpoint}: signing key {kid} is RSA-{bits} (minimum {min}).',
    'sso.weak-key.fix': 'Rotate to an RSA key of at least 2048 bits or an EC P-256 key (NIST SP 800-131A Rev. 2).',
    'sso.bad-key': '{endpoint}: key {kid} in the key set is malformed ({why}).',
    'sso.metadata-invalid': '{endpoint}: the SAML metadata at {url} cannot be read: {why}.',
    'sso.metadata-invalid.fix': 'Serve the identity provider\'s metadata as plain XML (no DTD, under 1 MiB); download it from the provider\'s admin console to compare.',
    'sso.not-idp': '{endpoint}: the SAML metadata at {url} describes no identity provider (no IDPSSODescriptor).',
    'sso.not-idp.fix': 'Point the site file at the IdP metadata, not the service provider\'s.',
    'sso.no-signing-cert': '{endpoint}: the IdP metadata holds no signing certificate: service providers cannot verify its assertions.',
    'sso.no-signing-cert.fix': 'Publish the signing certificate in a KeyDescriptor (use="signing") of the IDPSSODescriptor.',
    'sso.cert-expired': '{endpoint}: the IdP signing certificate {subject} expired on {validTo}: service providers reject its assertions.',
    'sso.cert-expired.fix': 'Roll over the IdP signing certificate and update it in the IM platform\'s SAML settings (keep old and new in the metadata during the rollover).',
    'sso.cert-expiring': '{endpoint}: the IdP signing certificate {subject} expires in {days} days ({validTo}).',
    'sso.cert-expiring.fix': 'Plan the rollover now: add the new certificate to the metadata next to the old one, update the IM platform, then remove the old one.',
    'sso.cert-weak': '{endpoint}: the IdP signing certificate {subject} has an RSA-{bits} key (minimum {min}).',
    'sso.cert-weak.fix': 'Issue a signing certificate with an RSA key of at least 2048 bits (NIST SP 800-131A Rev. 2).',
    'sso.metadata-expired': '{endpoint}: the SAML metadata is valid only until {validUntil}, which has passed.',
    'sso.metadata-expired.fix': 'Have the provider republish its metadata; service providers that honour validUntil refuse stale metadata.',
    'sso.no-sso-endpoint': '{endpoint}: the IdP metadata lists no SingleSignOnService.',
    'sso.no-sso-endpoint.fix': 'The metadata must name at least one SingleSignOnService location (SAML metadata §2.4.3).',
    'sso.bad-answer': '{endpoint}: {detail}.',
    'sso.bad-answer.fix': 'Something that is not the identity provider answers at this address (a proxy or middlebox?).',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...httpAnswerMessages['zh-CN'],
    'sso.status': '{endpoint}：{url} 返回 HTTP {status}，而不是{what}。',
    'sso.status.fix': '检查站点文件中的 URL：OpenID 配置位于 <issuer>/.well-known/openid-configuration，SAML 元数据位于身份提供方公布的 URL。',
    'sso.not-json': '{endpoint}：{url} 不是 JSON 对象{truncated}。',
    'sso.not-json.fix': '身份提供方必须以 JSON 提供其配置（OpenID Connect Discovery 1.0 §4.2）；该 URL 上应答的是其他内容（登录页面或代理的错误页面？）。',
    'sso.missing': '{endpoint}：OpenID 配置缺少必需字段：{fields}。',
    'sso.missing.fix': '修正身份提供方的发现文档（OpenID Connect Discovery 1.0 §3 列出了必需的元数据）。',
    'sso.wrong-type': '{endpoint}：OpenID 配置中的 {field} 不是{expected}：依赖方无法使用。',
    'sso.type.string': '字符串',
    'sso.type.array': '字符串数组',
    'sso.issuer-mismatch': '{endpoint}：配置中的 issuer 为 {issuer}，但请求的是 {expected}：依赖方必须拒绝该配置（Discovery §4.3），ID 令牌将无法通过验证。',
    'sso.issuer-mismatch.fix': '在 IM 平台中配置与提供方公布完全一致的 issuer（协议、主机、路径以及末尾的“/”），或修正提供方的 issuer / 对外 URL 设置（在反向代理之后常出错）。',
    'sso.not-https': '{endpoint}：{field} 不是 https URL（{value}）。',
    'sso.not-https.fix': '所有 OpenID 端点都必须使用 TLS（OpenID Connect Core §3.1.2.1、§16.17）：请修正提供方的对外 URL 设置。',
    'sso.alg-none': '{endpoint}：提供方允许未签名的 ID 令牌（alg 为 "none"）。',
    'sso.alg-none.fix': '从 id_token_signing_alg_values_supported 中删除 "none"，并确保 IM 平台拒绝未签名的令牌。',
    'sso.no-rs256': '{endpoint}：ID 令牌签名算法（{algs}）中没有 RS256；Discovery §3 要求必须包含。',
    'sso.endpoint-unreachable': '{endpoint}：无法访问 {field} {url}（{classification}{status}）。',
    'sso.endpoint-unreachable.fix': '用户通过该 URL 登录：请在本站点的防火墙 / 代理上放行，或修正提供方的对外 URL 设置。',
    'sso.jwks-invalid': '{endpoint}：{url} 上的密钥集不可用：{why}。',
    'sso.jwks-invalid.fix': '在 jwks_uri 上提供包含当前公开签名密钥的 JSON Web Key Set（RFC 7517 §5）。',
    'sso.symmetric-key': '{endpoint}：公开的密钥集中包含对称密钥（{kid}）：任何读取者都能签发令牌。',
    'sso.symmetric-key.fix': '立即从密钥集中移除该密钥并轮换密钥，改用非对称密钥（RS256/ES256）签发 ID 令牌。',
    'sso.key-alg-none': '{endpoint}：密钥 {kid} 声明的 alg 为 "none"。',
    'sso.key-alg-none.fix': '只公布使用真实算法（RS256、PS256、ES256 等）的签名密钥。',
    'sso.weak-key': '{endpoint}：签名密钥 {kid} 为 RSA-{bits}（最低 {min}）。',
    'sso.weak-key.fix': '轮换为至少 2048 位的 RSA 密钥或 EC P-256 密钥（NIST SP 800-131A Rev. 2）。',
    'sso.bad-key': '{endpoint}：密钥集中的密钥 {kid} 格式错误（{why}）。',
    'sso.metadata-invalid': '{endpoint}：无法读取 {url} 上的 SAML 元数据：{why}。',
    'sso.metadata-invalid.fix': '以普通 XML（不含 DTD，小于 1 MiB）提供身份提供方元数据；可从提供方管理控制台下载以作对比。',
    'sso.not-idp': '{endpoint}：{url} 上的 SAML 元数据未描述任何身份提供方（没有 IDPSSODescriptor）。',
    'sso.not-idp.fix': '将站点文件指向 IdP 元数据，而不是服务提供方的元数据。',
    'sso.no-signing-cert': '{endpoint}：IdP 元数据中没有签名证书：服务提供方无法验证其断言。',
    'sso.no-signing-cert.fix': '在 IDPSSODescriptor 的 KeyDescriptor（use="signing"）中发布签名证书。',
    'sso.cert-expired': '{endpoint}：IdP 签名证书 {subject} 已于 {validTo} 过期：服务提供方会拒绝其断言。',
    'sso.cert-expired.fix': '轮换 IdP 签名证书并在 IM 平台的 SAML 设置中更新（轮换期间在元数据中同时保留新旧证书）。',
    'sso.cert-expiring': '{endpoint}：IdP 签名证书 {subject} 将在 {days} 天后过期（{validTo}）。',
    'sso.cert-expiring.fix': '现在就计划轮换：先把新证书与旧证书一起加入元数据，更新 IM 平台，再删除旧证书。',
    'sso.cert-weak': '{endpoint}：IdP 签名证书 {subject} 使用 RSA-{bits} 密钥（最低 {min}）。',
    'sso.cert-weak.fix': '签发使用至少 2048 位 RSA 密钥的签名证书（NIST SP 800-131A Rev. 2）。',
    'sso.metadata-expired': '{endpoint}：SAML 元数据的有效期至 {validUntil}，已经过期。',
    'sso.metadata-expired.fix': '请提供方重新发布元数据；遵循 validUntil 的服务提供方会拒绝过期的元数据。',
    'sso.no-sso-endpoint': '{endpoint}：IdP 元数据中没有 SingleSignOnService。',
    'sso.no-sso-endpoint.fix': '元数据必须至少包含一个 SingleSignOnService 地址（SAML 元数据规范 §2.4.3）。',
    'sso.bad-answer': '{endpoint}：{detail}。',
    'sso.bad-answer.fix': '在该地址应答的不是身份提供方（可能是代理或中间设备？）。',
  },
};

interface Options {
  connectTimeoutMs: number;
  certWarnDays: number;
  slowMs: number;
}

const DOC_BYTES = 256 * 1024;
const METADATA_BYTES = 1 << 20;

/** OIDC discovery + JWKS, or SAML IdP metadata: valid, keys strong, certificates current, endpoints reachable. */
export default defineCheck<Options>({
  meta: {
    id: 'sso',
    title: 'Single sign-on (OIDC / SAML) is correctly published and reachable',
    failureTitle: 'Single sign-on (OIDC / SAML) is broken or weak',
    description:
      'For every endpoint with role `sso`. **OIDC**: fetches the provider configuration (`<issuer>/.well-known/openid-configuration`, ' +
      'or the URL given) and validates it per OpenID Connect Discovery 1.0 — required fields (§3), `issuer` identical to the ' +
      'issuer it was fetched for (§4.3), https endpoints; checks that the authorization, token, userinfo and end-session ' +
      'endpoints answer; fetches the JWKS and reports every key (kty, alg, use, kid, RSA size): RSA keys under 2048 bits, ' +
      'alg `none` and symmetric keys are findings. **SAML**: fetches the IdP metadata (parsed without DTDs or entity ' +
      'expansion, 1 MiB cap), extracts the signing certificates (subject, expiry, days left, key size) and checks that the ' +
      'SingleSignOn / SingleLogout locations answer. Requests follow the endpoint\'s route (direct or proxy).',
    category: 'integration',
    severity: 'critical',
    weight: 3,
    timeoutMs: 20_000,
    references: [
      { title: 'OpenID Connect Discovery 1.0', url: 'https://openid.net/specs/openid-connect-discovery-1_0.html', clause: '§3 (provider metadata), §4 (obtaining it), §4.3 (issuer validation)' },
      { title: 'OpenID Connect Core 1.0', url: 'https://openid.net/specs/openid-connect-core-1_0.html', clause: '§3.1.2.1 (TLS), §10.1 (signing)' },
      { title: 'RFC 7517 — JSON Web Key (JWK)', clause: '§4 (key parameters), §5 (JWK Set)' },
      { title: 'OASIS SAML V2.0 Metadata (saml-metadata-2.0-os)', clause: '§2.4.1.1 (KeyDescriptor), §2.4.3 (IDPSSODescriptor)' },
      { title: 'NIST SP 800-131A Rev. 2', clause: '§3 (RSA signature keys ≥ 2048 bits)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        certWarnDays: { type: 'integer', minimum: 0, maximum: 3650 },
        slowMs: { type: 'number', minimum: 1 },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, certWarnDays: 30, slowMs: 1000 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => ep.role === 'sso' && (ep.protocol === 'https' || ep.protocol === 'http') && ep.expect === 'reachable')
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const connectTimeoutMs = connectBudgetMs(ctx);
    const where = await residency(ctx, ep.host);
    let route: Route | undefined;
    try {
      route = await routeFor(ctx, ep);
      if (route.path === 'direct') await lookupOnce(ctx, ep.host);
      const kind = ssoKind(ep);
      const outcome = kind === 'saml' ? await saml(ctx, ep, route) : await oidc(ctx, ep, route);
      outcome.details = { ...outcome.details, kind, ...pathDetails(route), ...where };
      return outcome;
    } catch (err) {
      if (err instanceof PathError && err.classification === 'server-error') {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        return { status: 'fail', score: 0, findings: [{ id: 'sso.bad-answer', severity, message: { id: 'sso.bad-answer', params: { endpoint: ep.name, detail: peerText(err.message, 200) } }, remediation: { id: 'sso.bad-answer.fix' } }], details: { classification: 'server-error', ...where } };
      }
      return pathFailure('sso', ctx, err, ep, severity, connectTimeoutMs, route, where);
    }
  },
});

function ssoKind(ep: Endpoint): 'oidc' | 'saml' {
  const configured = (ep.extra.sso as { kind?: 'oidc' | 'saml' } | undefined)?.kind;
  if (configured) return configured;
  return /metadata|\.xml$|\/saml/i.test(new URL(ep.url!).pathname) ? 'saml' : 'oidc';
}

type Ctx = CheckContext<Options>;

/**
 * Findings that mean the provider answered, but with nothing a relying party can use: the
 * result is then classified `server-error`, not `ok`. Weak keys or expiring certificates are
 * policy findings about a provider that works.
 */
const UNUSABLE = new Set(['sso.missing', 'sso.wrong-type', 'sso.issuer-mismatch', 'sso.jwks-invalid', 'sso.not-idp', 'sso.no-signing-cert', 'sso.no-sso-endpoint']);

function grade(findings: Finding[], measurements: Measurement[], details: Record<string, unknown>): CheckOutcome {
  const worst = findings.reduce((w, f) => Math.max(w, ['info', 'low', 'medium', 'high', 'critical'].indexOf(f.severity)), 0);
  const score = worst >= 3 ? 0 : worst === 2 ? 0.6 : worst === 1 ? 0.85 : 1;
  const failed = worst >= 3;
  const classification = details.classification ?? (findings.some((f) => UNUSABLE.has(f.id)) ? 'server-error' : 'ok');
  return { status: failed ? 'fail' : findings.some((f) => f.severity !== 'info') ? 'warn' : 'pass', score, measurements, findings, details: { ...details, classification } };
}

/** Secondary URLs (endpoints, key set) get part of what is left, so one stall cannot eat the whole task. */
function shareOfBudget(ctx: Ctx): number {
  return Math.max(300, Math.min(5000, probeBudgetMs(ctx) / 2));
}

async function oidc(ctx: Ctx, ep: Endpoint, route: Route): Promise<CheckOutcome> {
  const name = ep.name;
  const configuredIssuer = (ep.extra.sso as { issuer?: string } | undefined)?.issuer;
  const { discoveryUrl, expectedIssuer } = discoveryLocation(ep.url!, configuredIssuer);
  const res = await fetchAlong(ctx, ep, route, discoveryUrl, { maxBodyBytes: DOC_BYTES, redirects: MAX_REDIRECTS, headers: { accept: 'application/json' } });
  const measurements: Measurement[] = [{ id: 'discoveryTtfbMs', value: res.timings.ttfbMs, unit: 'ms', threshold: { max: ctx.threshold('discoveryTtfbMs', ctx.options.slowMs) } }];
  const details: Record<string, unknown> = { discoveryUrl, expectedIssuer, status: res.status, ...(res.tls ? { tls: res.tls } : {}) };
  const findings: Finding[] = [];
  const sev = unreachableSeverity(ep);
  if (res.status !== 200) {
    findings.push({ id: 'sso.status', severity: sev, message: { id: 'sso.status', params: { endpoint: name, url: discoveryUrl, status: res.status, what: 'OpenID configuration' } }, remediation: { id: 'sso.status.fix' } });
    return grade(findings, measurements, { ...details, classification: 'http-error' });
  }
  const doc = res.truncated ? undefined : jsonObject(res.body);
  if (!doc) {
    findings.push({ id: 'sso.not-json', severity: sev, message: { id: 'sso.not-json', params: { endpoint: name, url: discoveryUrl, truncated: res.truncated ? ` (larger than ${DOC_BYTES} bytes)` : '' } }, remediation: { id: 'sso.not-json.fix' } });
    return grade(findings, measurements, { ...details, classification: 'http-error' });
  }
  const review = reviewDiscovery(doc, expectedIssuer);
  details.issuer = review.issuer;
  details.endpoints = review.endpoints;
  details.idTokenSigningAlgs = review.signingAlgs;
  findings.push(...discoveryFindings(name, review.problems, review.signingAlgs));

  // Endpoints and key set in parallel, each with a share of the budget.
  const budget = shareOfBudget(ctx);
  const probes: Array<[string, string]> = Object.entries(review.endpoints).filter(([f]) => f !== 'jwks_uri');
  const [reach, jwks] = await Promise.all([
    Promise.all(probes.map(async ([field, url]) => [field, await probeUrl(ctx, ep, route, url, budget)] as const)),
    review.endpoints.jwks_uri ? keySet(ctx, ep, route, review.endpoints.jwks_uri, budget) : Promise.resolve(undefined),
  ]);
  details.reachability = Object.fromEntries(reach);
  for (const [field, p] of reach) if (p.classification !== 'ok') findings.push(unreachable(name, field, p));
  if (jwks) {
    details.jwks = jwks.details;
    findings.push(...jwks.findings);
    // Without its keys no ID token can be verified: the key set's failure is the endpoint's.
    const failed = jwks.details.classification;
    if (typeof failed === 'string' && failed !== 'ok') details.classification = failed;
  }
  return grade(findings, measurements, details);
}

function unreachable(endpoint: string, field: string, p: UrlProbe): Finding {
  return {
    id: 'sso.endpoint-unreachable',
    severity: 'high',
    message: { id: 'sso.endpoint-unreachable', params: { endpoint, field, url: p.url, classification: p.classification, status: p.status ? `, HTTP ${p.status}` : '' } },
    remediation: { id: 'sso.endpoint-unreachable.fix' },
    ...(p.error ? { evidence: { error: p.error } } : {}),
  };
}

function discoveryFindings(endpoint: string, problems: DiscoveryProblem[], algs: string[]): Finding[] {
  const out: Finding[] = [];
  const missing = problems.filter((p) => p.kind === 'missing').map((p) => (p as { field: string }).field);
  if (missing.length) out.push({ id: 'sso.missing', severity: 'high', message: { id: 'sso.missing', params: { endpoint, fields: missing.join(', ') } }, remediation: { id: 'sso.missing.fix' } });
  for (const p of problems) {
    if (p.kind === 'issuer-mismatch') out.push({ id: 'sso.issuer-mismatch', severity: 'high', message: { id: 'sso.issuer-mismatch', params: { endpoint, issuer: p.issuer, expected: p.expected } }, remediation: { id: 'sso.issuer-mismatch.fix' } });
    if (p.kind === 'not-https' || p.kind === 'bad-url') out.push({ id: 'sso.not-https', severity: 'high', message: { id: 'sso.not-https', params: { endpoint, field: p.field, value: p.value } }, remediation: { id: 'sso.not-https.fix' } });
    if (p.kind === 'alg-none') out.push({ id: 'sso.alg-none', severity: 'medium', message: { id: 'sso.alg-none', params: { endpoint } }, remediation: { id: 'sso.alg-none.fix' } });
    if (p.kind === 'wrong-type') out.push({ id: 'sso.wrong-type', severity: 'high', message: { id: 'sso.wrong-type', params: { endpoint, field: p.field, expected: `@sso.type.${p.expected}` } }, remediation: { id: 'sso.missing.fix' } });
    if (p.kind === 'no-rs256') out.push({ id: 'sso.no-rs256', severity: 'low', message: { id: 'sso.no-rs256', params: { endpoint, algs: algs.join(', ') } } });
  }
  return out;
}

async function keySet(ctx: Ctx, ep: Endpoint, route: Route, url: string, budget: number): Promise<{ details: Record<string, unknown>; findings: Finding[] }> {
  const endpoint = ep.name;
  const invalid = (why: string, extra: Record<string, unknown> = {}) => ({
    details: { url, ...extra },
    findings: [{ id: 'sso.jwks-invalid', severity: 'high' as const, message: { id: 'sso.jwks-invalid', params: { endpoint, url, why } }, remediation: { id: 'sso.jwks-invalid.fix' } }],
  });
  let res;
  try {
    res = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: DOC_BYTES, timeoutMs: budget, redirects: MAX_REDIRECTS, headers: { accept: 'application/json' } });
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    const classification = err instanceof PathError ? err.classification : 'dns-failure';
    return { details: { url, classification }, findings: [unreachable(endpoint, 'jwks_uri', { url, classification, error: err.message })] };
  }
  if (res.status !== 200) return invalid(`HTTP ${res.status}`, { status: res.status });
  const doc = res.truncated ? undefined : jsonObject(res.body);
  if (!doc) return invalid(res.truncated ? `larger than ${DOC_BYTES} bytes` : 'not a JSON object');
  const review = reviewJwks(doc);
  if (review.error) return invalid(review.error);
  if (!review.keys.length) return invalid(review.problems.length ? 'no usable key' : 'no keys');
  const findings: Finding[] = review.problems.map((p) => keyFinding(endpoint, p));
  return { details: { url, keys: review.keys }, findings };
}

function keyFinding(endpoint: string, p: KeyProblem): Finding {
  const kid = p.kid ?? '(no kid)';
  switch (p.kind) {
    case 'symmetric':
      return { id: 'sso.symmetric-key', severity: 'high', message: { id: 'sso.symmetric-key', params: { endpoint, kid } }, remediation: { id: 'sso.symmetric-key.fix' } };
    case 'alg-none':
      return { id: 'sso.key-alg-none', severity: 'high', message: { id: 'sso.key-alg-none', params: { endpoint, kid } }, remediation: { id: 'sso.key-alg-none.fix' } };
    case 'weak-rsa':
      return { id: 'sso.weak-key', severity: 'high', message: { id: 'sso.weak-key', params: { endpoint, kid, bits: p.bits, min: MIN_RSA_BITS } }, remediation: { id: 'sso.weak-key.fix' } };
    default:
      return { id: 'sso.bad-key', severity: 'medium', message: { id: 'sso.bad-key', params: { endpoint, kid, why: p.why } }, remediation: { id: 'sso.jwks-invalid.fix' } };
  }
}

async function saml(ctx: Ctx, ep: Endpoint, route: Route): Promise<CheckOutcome> {
  const endpoint = ep.name;
  const url = ep.url!;
  const sev = unreachableSeverity(ep);
  const res = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: METADATA_BYTES, redirects: MAX_REDIRECTS, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
  const measurements: Measurement[] = [{ id: 'metadataTtfbMs', value: res.timings.ttfbMs, unit: 'ms', threshold: { max: ctx.threshold('metadataTtfbMs', ctx.options.slowMs) } }];
  const details: Record<string, unknown> = { metadataUrl: url, status: res.status, ...(res.tls ? { tls: res.tls } : {}) };
  const findings: Finding[] = [];
  if (res.status !== 200) {
    findings.push({ id: 'sso.status', severity: sev, message: { id: 'sso.status', params: { endpoint, url, status: res.status, what: 'SAML metadata' } }, remediation: { id: 'sso.status.fix' } });
    return grade(findings, measurements, { ...details, classification: 'http-error' });
  }
  let review;
  try {
    if (res.truncated) throw new XmlError('too-large', `larger than ${METADATA_BYTES} bytes`);
    review = reviewMetadata(res.body.toString('utf8'));
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    findings.push({ id: 'sso.metadata-invalid', severity: sev, message: { id: 'sso.metadata-invalid', params: { endpoint, url, why: `${err.kind}: ${peerText(err.message, 200)}` } }, remediation: { id: 'sso.metadata-invalid.fix' }, evidence: { kind: err.kind } });
    return grade(findings, measurements, { ...details, classification: 'http-error' });
  }
  details.entityId = review.entityId;
  details.signing = review.signing;
  details.samlEndpoints = review.endpoints;
  if (review.validUntil) details.validUntil = review.validUntil;
  if (!review.idp) {
    findings.push({ id: 'sso.not-idp', severity: sev, message: { id: 'sso.not-idp', params: { endpoint, url } }, remediation: { id: 'sso.not-idp.fix' } });
    return grade(findings, measurements, details);
  }
  if (review.validUntil && Date.parse(review.validUntil) < Date.now()) {
    findings.push({ id: 'sso.metadata-expired', severity: 'medium', message: { id: 'sso.metadata-expired', params: { endpoint, validUntil: review.validUntil } }, remediation: { id: 'sso.metadata-expired.fix' } });
  }
  if (!review.signing.length) findings.push({ id: 'sso.no-signing-cert', severity: 'high', message: { id: 'sso.no-signing-cert', params: { endpoint } }, remediation: { id: 'sso.no-signing-cert.fix' }, ...(review.unreadable.length ? { evidence: { unreadable: review.unreadable } } : {}) });
  const warnDays = ctx.threshold('certDaysLeft', ctx.options.certWarnDays);
  // During a rollover the metadata holds the old and the new certificate: one current certificate is enough.
  const current = review.signing.filter((c) => c.daysLeft >= 0);
  for (const c of review.signing) {
    const params = { endpoint, subject: c.subject, validTo: c.validTo.slice(0, 10), days: c.daysLeft, bits: c.bits ?? 0, min: MIN_RSA_BITS };
    if (c.daysLeft < 0) findings.push({ id: 'sso.cert-expired', severity: current.length ? 'medium' : 'high', message: { id: 'sso.cert-expired', params }, remediation: { id: 'sso.cert-expired.fix' }, evidence: { fingerprint256: c.fingerprint256 } });
    else if (c.daysLeft < warnDays) findings.push({ id: 'sso.cert-expiring', severity: 'medium', message: { id: 'sso.cert-expiring', params }, remediation: { id: 'sso.cert-expiring.fix' } });
    if (c.bits !== undefined && c.bits < MIN_RSA_BITS) findings.push({ id: 'sso.cert-weak', severity: 'high', message: { id: 'sso.cert-weak', params }, remediation: { id: 'sso.cert-weak.fix' } });
  }
  if (review.signing.length) {
    const soonest = Math.min(...review.signing.map((c) => c.daysLeft));
    measurements.push({ id: 'certDaysLeft', value: Math.max(...review.signing.map((c) => c.daysLeft)), unit: 'days', threshold: { min: warnDays } });
    details.soonestExpiryDays = soonest;
  }
  if (!review.endpoints.some((e) => e.kind === 'sso')) findings.push({ id: 'sso.no-sso-endpoint', severity: 'high', message: { id: 'sso.no-sso-endpoint', params: { endpoint } }, remediation: { id: 'sso.no-sso-endpoint.fix' } });
  const urls = [...new Map(review.endpoints.map((e) => [e.location, e])).values()].slice(0, 6);
  const budget = shareOfBudget(ctx);
  const reach = await Promise.all(urls.map(async (e) => [`${e.kind}:${e.binding}`, await probeUrl(ctx, ep, route, e.location, budget)] as const));
  details.reachability = reach.map(([k, p]) => ({ endpoint: k, ...p }));
  for (const [k, p] of reach) if (p.classification !== 'ok') findings.push(unreachable(endpoint, k.startsWith('sso') ? 'SingleSignOnService' : 'SingleLogoutService', p));
  return grade(findings, measurements, details);
}
