// Single sign-on: the OpenID provider's configuration and key set, or the SAML IdP's metadata and
// signing certificates, published correctly and reachable along the endpoint's route. Measuring is
// in measure.ts, the verdict in judge.ts, the facts in facts.ts.

import { commonOptions, defineCheck } from '../../src/plugin-api.js';
import { pathMessages } from '../../src/net/path-messages.js';
import { integrationTargets, measureAlong } from '../../src/integration/facts.js';
import { integrationMessages } from '../../src/integration/findings.js';
import { ssoFactsSchema, type SsoFacts } from './facts.js';
import { judgeSso, presentSso } from './judge.js';
import { readProvider, ssoKind, type Options } from './measure.js';

export type { SsoFacts } from './facts.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...integrationMessages.en,
    'sso.status': '{endpoint}: {url} answered HTTP {status} instead of the {what}.',
    'sso.status.fix':
      'Check the URL in the site file: the OpenID configuration lives at <issuer>/.well-known/openid-configuration, SAML metadata at the URL the identity provider publishes.',
    'sso.not-json': '{endpoint}: {url} is not a JSON object{truncated}.',
    'sso.not-json.fix':
      "The identity provider must serve its configuration as JSON (OpenID Connect Discovery 1.0 §4.2); something else answers at this URL (a login page, a proxy's error page?).",
    'sso.missing': '{endpoint}: the OpenID configuration lacks required fields: {fields}.',
    'sso.missing.fix': "Fix the identity provider's discovery document (OpenID Connect Discovery 1.0 §3 lists the required metadata).",
    'sso.wrong-type': '{endpoint}: {field} in the OpenID configuration is not {expected}: relying parties cannot use it.',
    'sso.type.string': 'a string',
    'sso.type.array': 'a list of strings',
    'sso.issuer-mismatch':
      '{endpoint}: the configuration names issuer {issuer}, but it was fetched for {expected}: relying parties must reject it (Discovery §4.3), and ID tokens will not validate.',
    'sso.issuer-mismatch.fix':
      'Configure the IM platform with the exact issuer the provider announces (scheme, host, path, no trailing "/" difference), or fix the provider\'s issuer / public URL setting (often wrong behind a reverse proxy).',
    'sso.not-https': '{endpoint}: {field} is not an https URL ({value}).',
    'sso.not-https.fix':
      "Every OpenID endpoint must use TLS (OpenID Connect Core §3.1.2.1, §16.17): fix the provider's public URL setting.",
    'sso.alg-none': '{endpoint}: the provider offers unsigned ID tokens (alg "none").',
    'sso.alg-none.fix': 'Remove "none" from id_token_signing_alg_values_supported and make sure the IM platform rejects unsigned tokens.',
    'sso.no-rs256': '{endpoint}: RS256 is not among the ID token signing algorithms ({algs}); Discovery §3 requires it.',
    'sso.endpoint-unreachable': '{endpoint}: the {field} {url} cannot be reached ({classification}{status}).',
    'sso.endpoint-unreachable.fix':
      "Users log in through this URL: allow it on the firewall / proxy for this site, or fix the provider's public URL setting.",
    'sso.jwks-invalid': '{endpoint}: the key set at {url} is unusable: {why}.',
    'sso.jwks-invalid.fix': "Serve a JSON Web Key Set (RFC 7517 §5) with the provider's current public signing keys at jwks_uri.",
    'sso.symmetric-key': '{endpoint}: the published key set contains a symmetric key ({kid}): whoever reads it can sign tokens.',
    'sso.symmetric-key.fix':
      'Remove the key from the key set, rotate the secret now, and sign ID tokens with an asymmetric key (RS256/ES256).',
    'sso.key-alg-none': '{endpoint}: key {kid} declares alg "none".',
    'sso.key-alg-none.fix': 'Publish only signing keys with a real algorithm (RS256, PS256, ES256 …).',
    'sso.weak-key': '{endpoint}: signing key {kid} is RSA-{bits} (minimum {min}).',
    'sso.weak-key.fix': 'Rotate to an RSA key of at least 2048 bits or an EC P-256 key (NIST SP 800-131A Rev. 2).',
    'sso.bad-key': '{endpoint}: key {kid} in the key set is malformed ({why}).',
    'sso.metadata-invalid': '{endpoint}: the SAML metadata at {url} cannot be read: {why}.',
    'sso.metadata-invalid.fix':
      "Serve the identity provider's metadata as plain XML (no DTD, under 1 MiB); download it from the provider's admin console to compare.",
    'sso.not-idp': '{endpoint}: the SAML metadata at {url} describes no identity provider (no IDPSSODescriptor).',
    'sso.not-idp.fix': "Point the site file at the IdP metadata, not the service provider's.",
    'sso.no-signing-cert': '{endpoint}: the IdP metadata holds no signing certificate: service providers cannot verify its assertions.',
    'sso.no-signing-cert.fix': 'Publish the signing certificate in a KeyDescriptor (use="signing") of the IDPSSODescriptor.',
    'sso.cert-expired': '{endpoint}: the IdP signing certificate {subject} expired on {validTo}: service providers reject its assertions.',
    'sso.cert-expired.fix':
      "Roll over the IdP signing certificate and update it in the IM platform's SAML settings (keep old and new in the metadata during the rollover).",
    'sso.cert-expiring': '{endpoint}: the IdP signing certificate {subject} expires in {days} days ({validTo}).',
    'sso.cert-expiring.fix':
      'Plan the rollover now: add the new certificate to the metadata next to the old one, update the IM platform, then remove the old one.',
    'sso.cert-weak': '{endpoint}: the IdP signing certificate {subject} has an RSA-{bits} key (minimum {min}).',
    'sso.cert-weak.fix': 'Issue a signing certificate with an RSA key of at least 2048 bits (NIST SP 800-131A Rev. 2).',
    'sso.metadata-expired': '{endpoint}: the SAML metadata is valid only until {validUntil}, which has passed.',
    'sso.metadata-expired.fix': 'Have the provider republish its metadata; service providers that honour validUntil refuse stale metadata.',
    'sso.no-sso-endpoint': '{endpoint}: the IdP metadata lists no SingleSignOnService.',
    'sso.no-sso-endpoint.fix': 'The metadata must name at least one SingleSignOnService location (SAML metadata §2.4.3).',
    'sso.bad-answer': '{endpoint}: {detail}.',
    'sso.bad-answer.fix': 'Something that is not the identity provider answers at this address (a proxy or middlebox?).',
    'sso.what.oidc': 'OpenID configuration',
    'sso.what.saml': 'SAML metadata',
    'sso.too-large': ' (larger than {limit} bytes)',
    'sso.http-status': ', HTTP {status}',
    'sso.jwks.status': 'HTTP {status}',
    'sso.jwks.too-large': 'larger than {limit} bytes',
    'sso.jwks.not-json': 'not a JSON object',
    'sso.jwks.no-keys-array': 'no "keys" array',
    'sso.jwks.no-keys': 'no keys',
    'sso.jwks.no-usable-key': 'no usable key',
    'sso.key.not-object': 'a key that is not an object',
    'sso.key.no-kty': 'no "kty"',
    'sso.key.no-modulus': 'an RSA key without a modulus',
    'sso.no-kid': '(no kid)',
    'sso.block.provider': 'Identity provider',
    'sso.item.kind': 'Protocol',
    'sso.item.issuer': 'Issuer',
    'sso.item.algs': 'ID token signing algorithms',
    'sso.item.entity': 'Entity ID',
    'sso.item.valid-until': 'Metadata valid until',
    'sso.block.endpoints': 'Endpoints',
    'sso.col.endpoint': 'Endpoint',
    'sso.col.url': 'URL',
    'sso.col.result': 'Result',
    'sso.col.status': 'HTTP status',
    'sso.col.ttfb': 'First byte (ms)',
    'sso.block.keys': 'Signing keys (JWKS)',
    'sso.col.kid': 'Key id',
    'sso.col.kty': 'Type',
    'sso.col.alg': 'Algorithm',
    'sso.col.use': 'Use',
    'sso.col.size': 'Size',
    'sso.block.certs': 'Signing certificates',
    'sso.col.subject': 'Subject',
    'sso.col.valid-to': 'Valid until',
    'sso.col.days-left': 'Days left',
    'sso.col.key': 'Key',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...integrationMessages['zh-CN'],
    'sso.status': '{endpoint}：{url} 返回 HTTP {status}，而不是{what}。',
    'sso.status.fix':
      '检查站点文件中的 URL：OpenID 配置位于 <issuer>/.well-known/openid-configuration，SAML 元数据位于身份提供方公布的 URL。',
    'sso.not-json': '{endpoint}：{url} 不是 JSON 对象{truncated}。',
    'sso.not-json.fix':
      '身份提供方必须以 JSON 提供其配置（OpenID Connect Discovery 1.0 §4.2）；该 URL 上应答的是其他内容（登录页面或代理的错误页面？）。',
    'sso.missing': '{endpoint}：OpenID 配置缺少必需字段：{fields}。',
    'sso.missing.fix': '修正身份提供方的发现文档（OpenID Connect Discovery 1.0 §3 列出了必需的元数据）。',
    'sso.wrong-type': '{endpoint}：OpenID 配置中的 {field} 不是{expected}：依赖方无法使用。',
    'sso.type.string': '字符串',
    'sso.type.array': '字符串数组',
    'sso.issuer-mismatch':
      '{endpoint}：配置中的 issuer 为 {issuer}，但请求的是 {expected}：依赖方必须拒绝该配置（Discovery §4.3），ID 令牌将无法通过验证。',
    'sso.issuer-mismatch.fix':
      '在 IM 平台中配置与提供方公布完全一致的 issuer（协议、主机、路径以及末尾的“/”），或修正提供方的 issuer / 对外 URL 设置（在反向代理之后常出错）。',
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
    'sso.what.oidc': 'OpenID 配置',
    'sso.what.saml': 'SAML 元数据',
    'sso.too-large': '（大于 {limit} 字节）',
    'sso.http-status': '，HTTP {status}',
    'sso.jwks.status': 'HTTP {status}',
    'sso.jwks.too-large': '大于 {limit} 字节',
    'sso.jwks.not-json': '不是 JSON 对象',
    'sso.jwks.no-keys-array': '没有 "keys" 数组',
    'sso.jwks.no-keys': '没有密钥',
    'sso.jwks.no-usable-key': '没有可用的密钥',
    'sso.key.not-object': '密钥不是对象',
    'sso.key.no-kty': '没有 "kty"',
    'sso.key.no-modulus': 'RSA 密钥没有模数',
    'sso.no-kid': '（无 kid）',
    'sso.block.provider': '身份提供方',
    'sso.item.kind': '协议',
    'sso.item.issuer': '签发者（issuer）',
    'sso.item.algs': 'ID 令牌签名算法',
    'sso.item.entity': '实体 ID',
    'sso.item.valid-until': '元数据有效期至',
    'sso.block.endpoints': '端点',
    'sso.col.endpoint': '端点',
    'sso.col.url': 'URL',
    'sso.col.result': '结果',
    'sso.col.status': 'HTTP 状态',
    'sso.col.ttfb': '首字节（毫秒）',
    'sso.block.keys': '签名密钥（JWKS）',
    'sso.col.kid': '密钥 ID',
    'sso.col.kty': '类型',
    'sso.col.alg': '算法',
    'sso.col.use': '用途',
    'sso.col.size': '长度',
    'sso.block.certs': '签名证书',
    'sso.col.subject': '主题',
    'sso.col.valid-to': '有效期至',
    'sso.col.days-left': '剩余天数',
    'sso.col.key': '密钥',
  },
};

/** OIDC discovery + JWKS, or SAML IdP metadata: valid, keys strong, certificates current, endpoints reachable. */
export default defineCheck<Options, SsoFacts>({
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
      "SingleSignOn / SingleLogout locations answer. Requests follow the endpoint's route (direct or proxy).",
    category: 'integration',
    severity: 'critical',
    weight: 3,
    timeoutMs: 20_000,
    references: [
      {
        title: 'OpenID Connect Discovery 1.0',
        url: 'https://openid.net/specs/openid-connect-discovery-1_0.html',
        clause: '§3 (provider metadata), §4 (obtaining it), §4.3 (issuer validation)',
      },
      {
        title: 'OpenID Connect Core 1.0',
        url: 'https://openid.net/specs/openid-connect-core-1_0.html',
        clause: '§3.1.2.1 (TLS), §10.1 (signing)',
      },
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
        certWarnDays: {
          type: 'integer',
          minimum: 0,
          maximum: 3650,
          description: 'A SAML signing certificate with fewer days left is a warning, days (0–3650).',
        },
        slowMs: {
          type: 'number',
          minimum: 1,
          description: 'Reference time to first byte of the discovery document or metadata, ms (≥ 1); informative, never a finding.',
        },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, certWarnDays: 30, slowMs: 1000 },
  },
  facts: { version: 1, schema: ssoFactsSchema },
  messages,
  targets(site) {
    return integrationTargets(site, (ep) => ep.role === 'sso' && (ep.protocol === 'https' || ep.protocol === 'http'));
  },
  measure(ctx, target) {
    const ep = target.endpoint!;
    return measureAlong<SsoFacts>(ctx, ep, (route, facts) => readProvider(ctx, ep, route, facts), {
      init: { ssoKind: ssoKind(ep), measuredAt: new Date().toISOString() },
    });
  },
  judge: judgeSso,
  present: presentSso,
});
