// Findings about a path that several checks raise (tcp, http, websocket): one wording, two languages.

import type { Catalog, Classification, Endpoint, Finding, Message, Severity } from '../plugin-api.js';
import { PathError, ProtocolError, type BrokenProtocol, type TlsFailureKind } from './classify.js';
import { DnsLookupError } from './dns.js';
import type { NegotiateOutcome, Route } from './proxy.js';

export const pathMessages: { en: Catalog; 'zh-CN': Catalog } = {
  en: {
    'path.dns-failure': '{endpoint}: {host} does not resolve ({reason}).',
    'path.dns-failure.fix':
      "If {host} is yours, create its DNS record; if it is a vendor's, check the name in the site file and that the internal resolver forwards its zone (split DNS).",
    'path.dns-failure.fix.resolver':
      'The resolver ({resolver}) failed, not the name: check that it answers from this site (DNS on UDP and TCP 53 allowed, its forwarders up); every name it serves fails the same way.',
    'path.dns-failure.fix.vendor':
      "{host} is the vendor's name, not one you can create: make it resolve through your resolvers (forward the vendor's zone; split DNS must not hide it), and check that the catalog is current (siteready platforms update).",
    'path.refused': '{endpoint}: connection to {host}:{port} refused (TCP RST): nothing listens there, or a firewall rejects it.',
    'path.refused.fix':
      'Check that the service runs on port {port}; if it does, allow {host}:{port}/tcp outbound on the firewall between this site and the service.',
    'path.filtered': '{endpoint}: no answer from {host}:{port} within {timeoutMs} ms: packets are silently dropped (filtered).',
    'path.filtered.fix':
      'A firewall drops traffic to {host}:{port}/tcp. Add an allow rule for it (outbound, and the return traffic), or route it through the proxy.',
    'path.unreachable': '{endpoint}: {host} is unreachable ({code}): no route to the host.',
    'path.unreachable.fix': 'Check routing to {host} (default route, VPN split tunnel, ACLs that answer with ICMP unreachable).',
    'path.refused.fix.vendor':
      "{host}:{port} is the vendor's service: allow it outbound on this site's firewall and proxy as the vendor publishes it (siteready platforms {platform}). If it is allowed and still refused, the refusal is on the vendor's side or the catalog is stale (siteready platforms update).",
    'path.filtered.fix.vendor':
      "Traffic to the vendor's {host}:{port} is dropped on the way: allow it outbound (and its replies) on this site's firewall, or send it through the proxy — the vendor publishes its ports and ranges (siteready platforms {platform}).",
    'path.tls-failure': '{endpoint}: TLS to {host}:{port} failed: {kind} ({code}).',

    'path.http-error': '{endpoint}: {detail}.',
    'path.http-error.fix': 'Check the URL and the service behind it; a proxy or load balancer in between may reject the request.',
    'path.protocol-error': '{endpoint}: {host}:{port} broke the {protocol} protocol: {detail}.',
    'path.protocol-error.fix':
      'No client can use an answer like this. Check that the endpoint points at the right service and port, that the server is healthy and up to date, and whether something in between (a proxy, a load balancer, a firewall that inspects traffic) rewrites or cuts its answers.',
    'path.timeout': '{endpoint}: connected, but no answer from {host}:{port} in time.',
    'path.timeout.fix': 'The service accepts connections but does not respond: check its health, or a middlebox that holds the request.',
    'path.proxy-auth-required': '{endpoint}: the proxy {proxy} wants credentials (407; it offers {schemes}){sent}{kerberos}.',
    'path.proxy-auth-required.fix': '{authFix}{kerberosFix}',
    'proxy.sent-credentials': ' and refused the ones configured',
    'proxy.fix.basic':
      "Set network.proxy.username and password: {passwordRef} in the site file — and make sure every IM client is configured with proxy credentials, or exempt the platform's hosts from proxy authentication.",
    'proxy.fix.ntlm':
      "This proxy only offers {schemes}, which siteready does not speak (it answers Basic, and Negotiate with a Kerberos ticket). IM clients usually cannot either: exempt the platform's hosts from proxy authentication (allow-list them), or offer Negotiate (Kerberos), or Basic over a TLS connection to the proxy.",
    'proxy.fix.windows':
      "This proxy only offers NTLM/Negotiate (Windows-integrated authentication): siteready answers Negotiate with the Kerberos ticket of the user running it, never NTLM. IM clients that cannot use Kerberos will not pass either: exempt the platform's hosts from proxy authentication (allow-list them), or offer Basic over a TLS connection to the proxy.",
    'proxy.kerberos.no-ticket': '; no Kerberos ticket is available to answer Negotiate ({kerberosError})',
    'proxy.kerberos.spn-unknown': '; the Kerberos KDC has no service principal {spn} ({kerberosError})',
    'proxy.kerberos.kdc-unreachable': '; the Kerberos KDC could not be reached for a ticket to {spn} ({kerberosError})',
    'proxy.kerberos.module-unavailable': "; Negotiate was not answered: siteready's Kerberos module is not available on this machine",
    'proxy.kerberos.failed': '; no Kerberos ticket for {spn} could be obtained ({kerberosError})',
    'proxy.kerberos.refused': ' and refused the Kerberos ticket for {spn}',
    'proxy.fix.kerberos.no-ticket':
      ' To answer Negotiate, the user running siteready needs a Kerberos ticket: run `kinit user@REALM` first, or run siteready as a domain user whose logon provides one. A credential cache other than the default one is found through KRB5CCNAME (for example KRB5CCNAME=FILE:/path/to/ccache); `klist` shows what is there.',
    'proxy.fix.kerberos.spn-unknown':
      " The proxy must be addressed by the name in its service principal (SPN), usually its fully qualified host name: a common cause is a proxy URL with the IP address or a DNS alias. Put that name in network.proxy.url (and in the IM clients' proxy settings), or register {spn} for the proxy's service account (`setspn -S {spn} <account>` on Active Directory); `kvno {spn}` succeeds once it is right. When the unknown principal is krbtgt/OTHER.REALM@…, the proxy's domain maps to a realm your KDC has no trust with: fix [domain_realm] in krb5.conf.",
    'proxy.fix.kerberos.kdc-unreachable':
      " Let this site reach the Kerberos KDC (the domain controllers) on port 88, TCP and UDP, and check the realm's KDC entries in krb5.conf (or the _kerberos._tcp DNS SRV records).",
    'proxy.fix.kerberos.module-unavailable':
      " The optional `kerberos` module could not be loaded ({kerberosError}): install the Kerberos development files and a C++ compiler (`apt-get install libkrb5-dev g++ make`; krb5-devel on RHEL), then run `npm rebuild kerberos` in siteready's directory.",
    'proxy.fix.kerberos.failed': ' Check the ticket with `klist`, and try `kvno {spn}` from this machine.',
    'proxy.fix.kerberos.refused':
      ' The proxy did not accept a ticket the KDC issued for {spn}: its keytab must hold the current key of that principal (compare `klist -k` on the proxy with `kvno {spn}` here, after any password reset of its service account), its Negotiate helper must accept that name, its access rules must allow this user, and both clocks must agree within 5 minutes.',
    'path.proxy-denied': '{endpoint}: the proxy {proxy} refuses {host}:{port} ({status} {reason}{server}).',
    'path.proxy-denied.fix':
      "The proxy's policy blocks this destination: ask the proxy team to allow {host}:{port} (and CONNECT to port {port} if it is not 443) for the IM platform.",
    'path.no-proxy': '{endpoint}: it must go through a proxy (via: proxy), but {why}.',
    'path.no-proxy.fix':
      'Configure the proxy the IM clients use (network.proxy.url or pac in the site file, or HTTPS_PROXY in the environment), or set via: auto or direct on this endpoint if it does not need one.',
    'proxy.none-configured': 'no proxy is configured (no network.proxy url or pac, no HTTPS_PROXY)',
    'proxy.pac-failed': 'the PAC file gave none ({pacError})',
    'path.proxy-unreachable': '{endpoint}: the proxy {proxy} itself cannot be reached ({classification}).',
    'path.proxy-unreachable.fix':
      'Check the proxy address in the site file (or PAC / HTTPS_PROXY), that the proxy runs, and that this site may reach it.',
    'path.intercepted':
      '{endpoint}: TLS to {host}:{port} is intercepted: the certificate is issued by {issuer}, not by the expected {expected}.',
    'path.intercepted.fix':
      "A proxy or firewall re-signs this traffic. Exempt the platform's hosts from TLS inspection (most IM clients pin certificates or break on re-signed media and signalling).",
    'path.auth-refused': '{endpoint}: the server is reachable but refused the credentials ({detail}).',
    'path.auth-refused.fix':
      "Check the username and password (from the environment variables named in the site file) against the server's configuration.",
    'path.unexpectedly-open': '{endpoint}: {host}:{port} is reachable, but the site policy says it must be blocked.',
    'path.unexpectedly-open.fix': 'Add a deny rule for {host}:{port}/tcp at the site firewall, then re-run the assessment.',
    'tls.expired': 'the certificate has expired',
    'tls.not-yet-valid': 'the certificate is not valid yet (check clocks)',
    'tls.self-signed': 'the certificate is self-signed',
    'tls.untrusted-issuer': 'the certificate is issued by a CA this client does not trust',
    'tls.hostname-mismatch': 'the certificate does not name this host',
    'tls.revoked': 'the certificate is revoked',
    'tls.protocol-mismatch': 'client and server share no TLS version',
    'tls.not-tls': 'the server did not answer in TLS (plain text on a TLS port?)',
    'tls.handshake-timeout': 'the server did not finish the handshake in time (a middlebox holding TLS, or an overloaded server)',
    'tls.handshake-failure': 'the handshake failed (no common cipher or parameters)',
    'tls.reset-during-handshake': 'the connection was reset during the handshake (often a middlebox inspecting TLS)',
    'tls.closed-during-handshake': 'the connection was closed during the handshake',
    'tls.other': 'the handshake failed',
    'tls.fix.expired': 'Renew the certificate on the server and automate renewal (ACME).',
    'tls.fix.untrusted':
      'Install a certificate from a CA the clients trust; if an inspecting proxy re-signs traffic, add its CA to security.trust.caFile and to every client, or exempt the platform from inspection.',
    'tls.fix.hostname': 'Issue a certificate whose subjectAltName includes the host name clients use.',
    'tls.fix.protocol': 'Enable TLS 1.2 and 1.3 on the server, and make sure nothing in between downgrades or blocks them.',
    'tls.fix.reset': "A firewall or proxy breaks the TLS handshake: exempt the platform's hosts from TLS inspection.",
    'tls.fix.not-tls': 'Point the endpoint at the TLS port (or the https:// URL the service really serves), or enable TLS on this port.',
    'tls.fix.other': 'Compare with `openssl s_client -connect host:port -servername host` from this site.',
  },
  'zh-CN': {
    'path.dns-failure': '{endpoint}：{host} 无法解析（{reason}）。',
    'path.dns-failure.fix':
      '如果 {host} 属于贵方，请创建其 DNS 记录；如果属于厂商，请核对站点文件中的域名，并确认内部解析器转发该域名（分离 DNS）。',
    'path.dns-failure.fix.resolver':
      '失败的是解析器（{resolver}）而非域名：请确认它在本站点可应答（放行 UDP 与 TCP 53 端口的 DNS，转发器正常）；它负责的所有域名都会同样失败。',
    'path.dns-failure.fix.vendor':
      '{host} 是厂商的域名，贵方无法创建：请让它能通过贵方解析器解析（转发厂商域名，分离 DNS 不得屏蔽它），并确认平台目录是最新的（siteready platforms update）。',
    'path.refused': '{endpoint}：到 {host}:{port} 的连接被拒绝（TCP RST）：端口未监听或被防火墙拒绝。',
    'path.refused.fix': '确认服务在端口 {port} 上运行；如已运行，请在本站点与服务之间的防火墙上放行 {host}:{port}/tcp 出站。',
    'path.filtered': '{endpoint}：{timeoutMs} 毫秒内 {host}:{port} 无响应：数据包被静默丢弃（已过滤）。',
    'path.filtered.fix': '防火墙丢弃了到 {host}:{port}/tcp 的流量。请添加放行规则（出站及回程），或经代理访问。',
    'path.unreachable': '{endpoint}：{host} 不可达（{code}）：没有到该主机的路由。',
    'path.unreachable.fix': '检查到 {host} 的路由（默认路由、VPN 分离隧道、返回 ICMP 不可达的 ACL）。',
    'path.refused.fix.vendor':
      '{host}:{port} 是厂商的服务：请按厂商公布的信息在本站点防火墙和代理上放行出站（siteready platforms {platform}）。若已放行仍被拒绝，则拒绝来自厂商一侧或平台目录已过时（siteready platforms update）。',
    'path.filtered.fix.vendor':
      '到厂商 {host}:{port} 的流量在途中被丢弃：请在本站点防火墙上放行出站（及回程），或经代理访问；厂商公布了其端口和地址段（siteready platforms {platform}）。',
    'path.tls-failure': '{endpoint}：到 {host}:{port} 的 TLS 失败：{kind}（{code}）。',

    'path.http-error': '{endpoint}：{detail}。',
    'path.http-error.fix': '检查 URL 及其后端服务；中间的代理或负载均衡器可能拒绝了请求。',
    'path.protocol-error': '{endpoint}：{host}:{port} 违反了 {protocol} 协议：{detail}。',
    'path.protocol-error.fix':
      '任何客户端都无法使用这样的应答。请确认端点指向正确的服务和端口、服务器运行正常且版本较新，并检查中间设备（代理、负载均衡器、检查流量的防火墙）是否改写或截断了它的应答。',
    'path.timeout': '{endpoint}：已连接，但 {host}:{port} 未及时响应。',
    'path.timeout.fix': '服务接受连接但不响应：检查服务健康状况，或是否有中间设备扣留请求。',
    'path.proxy-auth-required': '{endpoint}：代理 {proxy} 要求身份验证（407；支持 {schemes}）{sent}{kerberos}。',
    'path.proxy-auth-required.fix': '{authFix}{kerberosFix}',
    'proxy.sent-credentials': '，且拒绝了所配置的凭据',
    'proxy.fix.basic':
      '在站点文件中设置 network.proxy.username 和 password: {passwordRef}——并确保每个 IM 客户端都配置了代理凭据，或将平台主机排除在代理认证之外。',
    'proxy.fix.ntlm':
      '该代理只提供 {schemes}，siteready 不支持（它支持 Basic，以及使用 Kerberos 票据的 Negotiate），IM 客户端通常也不支持：请将平台主机加入白名单免于代理认证，或提供 Negotiate（Kerberos），或在到代理的 TLS 连接上提供 Basic 认证。',
    'proxy.fix.windows':
      '该代理只提供 NTLM/Negotiate（Windows 集成身份验证）：siteready 用运行它的用户的 Kerberos 票据应答 Negotiate，不支持 NTLM。无法使用 Kerberos 的 IM 客户端同样无法通过：请将平台主机加入白名单免于代理认证，或在到代理的 TLS 连接上提供 Basic 认证。',
    'proxy.kerberos.no-ticket': '；没有可用于应答 Negotiate 的 Kerberos 票据（{kerberosError}）',
    'proxy.kerberos.spn-unknown': '；Kerberos KDC 中没有服务主体 {spn}（{kerberosError}）',
    'proxy.kerberos.kdc-unreachable': '；无法连接 Kerberos KDC 以获取 {spn} 的票据（{kerberosError}）',
    'proxy.kerberos.module-unavailable': '；未应答 Negotiate：本机上 siteready 的 Kerberos 模块不可用',
    'proxy.kerberos.failed': '；无法获取 {spn} 的 Kerberos 票据（{kerberosError}）',
    'proxy.kerberos.refused': '，且拒绝了 {spn} 的 Kerberos 票据',
    'proxy.fix.kerberos.no-ticket':
      '要应答 Negotiate，运行 siteready 的用户需要持有 Kerberos 票据：请先执行 `kinit user@REALM`，或以域用户身份运行 siteready（登录时即获得票据）。非默认的凭据缓存通过 KRB5CCNAME 指定（例如 KRB5CCNAME=FILE:/path/to/ccache）；用 `klist` 查看现有票据。',
    'proxy.fix.kerberos.spn-unknown':
      '必须用代理服务主体（SPN）中的名称访问代理，通常是其完全限定主机名：常见原因是代理 URL 使用了 IP 地址或 DNS 别名。请在 network.proxy.url（以及 IM 客户端的代理设置）中使用该名称，或为代理的服务账号注册 {spn}（在 Active Directory 上执行 `setspn -S {spn} <账号>`）；配置正确后 `kvno {spn}` 会成功。若未知主体是 krbtgt/其他域@…，说明代理的域名映射到了与您的 KDC 没有信任关系的领域：请修正 krb5.conf 中的 [domain_realm]。',
    'proxy.fix.kerberos.kdc-unreachable':
      '请允许本站点访问 Kerberos KDC（域控制器）的 88 端口（TCP 和 UDP），并检查 krb5.conf 中该领域的 KDC 配置（或 _kerberos._tcp DNS SRV 记录）。',
    'proxy.fix.kerberos.module-unavailable':
      '无法加载可选的 `kerberos` 模块（{kerberosError}）：请安装 Kerberos 开发文件和 C++ 编译器（`apt-get install libkrb5-dev g++ make`；RHEL 上为 krb5-devel），然后在 siteready 目录中执行 `npm rebuild kerberos`。',
    'proxy.fix.kerberos.failed': '请用 `klist` 检查票据，并在本机尝试 `kvno {spn}`。',
    'proxy.fix.kerberos.refused':
      '代理没有接受 KDC 为 {spn} 签发的票据：代理的 keytab 必须包含该主体的当前密钥（服务账号重置密码后，对比代理上的 `klist -k` 与本机的 `kvno {spn}`），其 Negotiate 辅助程序必须接受该名称，其访问规则必须允许该用户，且双方时钟相差不得超过 5 分钟。',
    'path.proxy-denied': '{endpoint}：代理 {proxy} 拒绝访问 {host}:{port}（{status} {reason}{server}）。',
    'path.proxy-denied.fix':
      '代理策略阻止了该目标：请代理团队为 IM 平台放行 {host}:{port}（若端口不是 443，还需允许对端口 {port} 的 CONNECT）。',
    'path.no-proxy': '{endpoint}：该端点必须经代理访问（via: proxy），但{why}。',
    'path.no-proxy.fix':
      '配置 IM 客户端所用的代理（站点文件中的 network.proxy.url 或 pac，或环境变量 HTTPS_PROXY）；若该端点无需代理，请改为 via: auto 或 direct。',
    'proxy.none-configured': '没有配置任何代理（无 network.proxy url 或 pac，也无 HTTPS_PROXY）',
    'proxy.pac-failed': 'PAC 文件未给出代理（{pacError}）',
    'path.proxy-unreachable': '{endpoint}：无法连接代理 {proxy} 本身（{classification}）。',
    'path.proxy-unreachable.fix': '检查站点文件（或 PAC / HTTPS_PROXY）中的代理地址、代理是否运行、以及本站点能否访问它。',
    'path.intercepted': '{endpoint}：到 {host}:{port} 的 TLS 被拦截：证书由 {issuer} 签发，而非预期的 {expected}。',
    'path.intercepted.fix':
      '有代理或防火墙在重新签发此流量。请将平台主机排除在 TLS 检查之外（多数 IM 客户端会固定证书，或在重新签发的媒体和信令上出错）。',
    'path.auth-refused': '{endpoint}：服务器可达，但拒绝了凭据（{detail}）。',
    'path.auth-refused.fix': '核对站点文件中环境变量提供的用户名和密码与服务器配置是否一致。',
    'path.unexpectedly-open': '{endpoint}：{host}:{port} 可以访问，但站点策略要求必须阻断。',
    'path.unexpectedly-open.fix': '在站点防火墙上为 {host}:{port}/tcp 添加拒绝规则，然后重新评估。',
    'tls.expired': '证书已过期',
    'tls.not-yet-valid': '证书尚未生效（请检查时钟）',
    'tls.self-signed': '证书为自签名',
    'tls.untrusted-issuer': '证书由客户端不信任的 CA 签发',
    'tls.hostname-mismatch': '证书未包含该主机名',
    'tls.revoked': '证书已被吊销',
    'tls.protocol-mismatch': '客户端与服务器没有共同的 TLS 版本',
    'tls.not-tls': '服务器未以 TLS 应答（TLS 端口上是明文服务？）',
    'tls.handshake-timeout': '服务器未及时完成握手（中间设备扣留 TLS，或服务器过载）',
    'tls.handshake-failure': '握手失败（没有共同的密码套件或参数）',
    'tls.reset-during-handshake': '握手期间连接被重置（通常是中间设备在检查 TLS）',
    'tls.closed-during-handshake': '握手期间连接被关闭',
    'tls.other': '握手失败',
    'tls.fix.expired': '在服务器上更新证书，并自动续期（ACME）。',
    'tls.fix.untrusted':
      '安装由客户端信任的 CA 签发的证书；如有检查代理重新签发流量，请将其 CA 加入 security.trust.caFile 和所有客户端，或将该平台排除在检查之外。',
    'tls.fix.hostname': '签发 subjectAltName 包含客户端所用主机名的证书。',
    'tls.fix.protocol': '在服务器上启用 TLS 1.2 和 1.3，并确保中间设备不会降级或阻断它们。',
    'tls.fix.reset': '防火墙或代理破坏了 TLS 握手：请将该平台的主机排除在 TLS 检查之外。',
    'tls.fix.not-tls': '将端点指向 TLS 端口（或服务实际提供的 https:// URL），或在该端口上启用 TLS。',
    'tls.fix.other': '在本站点用 `openssl s_client -connect host:port -servername host` 对比。',
  },
};

const PROTOCOL_NAMES: Record<BrokenProtocol, string> = {
  http: 'HTTP',
  websocket: 'WebSocket',
  proxy: 'HTTP CONNECT',
  tls: 'TLS',
  stun: 'STUN',
  probe: 'siteready probe',
  ldap: 'LDAP',
  smb: 'SMB2',
};

const TLS_FIX: Record<TlsFailureKind, string> = {
  expired: 'tls.fix.expired',
  'not-yet-valid': 'tls.fix.expired',
  'self-signed': 'tls.fix.untrusted',
  'untrusted-issuer': 'tls.fix.untrusted',
  'hostname-mismatch': 'tls.fix.hostname',
  revoked: 'tls.fix.expired',
  'protocol-mismatch': 'tls.fix.protocol',
  'not-tls': 'tls.fix.not-tls',
  'handshake-timeout': 'tls.fix.reset',
  'handshake-failure': 'tls.fix.protocol',
  'reset-during-handshake': 'tls.fix.reset',
  'closed-during-handshake': 'tls.fix.reset',
  other: 'tls.fix.other',
};

/**
 * A failed path as facts: what a PathError or a DnsLookupError said, in plain data, so that a
 * judge (now, or re-judging a saved report) can word the finding without the error object.
 */
export interface PathFailure {
  classification: Classification;
  phase?: string;
  code?: string;
  tlsKind?: TlsFailureKind;
  message: string;
  /** What the failing hop said about itself (a proxy's identity and answer). */
  detail?: Record<string, unknown>;
  /** The peer broke this protocol (kind protocol-error). */
  protocol?: BrokenProtocol;
  /** The name did not resolve: how, and where it was asked. */
  dns?: { kind: string; code?: string; resolver?: unknown };
}

/** JSON Schema of PathFailure, for checks' facts schemas. */
export const pathFailureSchema = {
  type: 'object',
  required: ['classification', 'message'],
  properties: {
    classification: { type: 'string' },
    phase: { type: 'string' },
    code: { type: 'string' },
    tlsKind: { type: 'string' },
    message: { type: 'string' },
    detail: { type: 'object' },
    protocol: { type: 'string' },
    dns: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' }, code: { type: 'string' }, resolver: {} } },
  },
} as const;

export function pathFailureOf(err: PathError | DnsLookupError): PathFailure {
  if (err instanceof DnsLookupError) {
    return {
      classification: 'dns-failure',
      message: err.message,
      dns: { kind: err.kind, ...(err.code ? { code: err.code } : {}), resolver: err.resolver },
    };
  }
  return {
    classification: err.classification,
    phase: err.phase,
    message: err.message,
    ...(err.code ? { code: err.code } : {}),
    ...(err.tlsKind ? { tlsKind: err.tlsKind } : {}),
    ...(err.detail ? { detail: err.detail } : {}),
    ...(err instanceof ProtocolError ? { protocol: err.protocol } : {}),
  };
}

/** The finding for a failed path, from the error itself (while measuring). */
export function pathFinding(
  checkId: string,
  err: PathError | DnsLookupError,
  endpoint: Endpoint,
  severity: Severity,
  timeoutMs: number,
): Finding {
  return pathFailureFinding(checkId, pathFailureOf(err), endpoint, severity, timeoutMs);
}

/**
 * The finding for a failed path, from its facts; phrases the code chooses are nested messages.
 * `checkId` prefixes the finding id so SARIF rules and waivers can name it.
 */
/** Resolver failures say the resolver is broken; a missing record is the site's to create only for its own names. */
const RESOLVER_FAILURES = new Set(['timeout', 'servfail', 'refused', 'no-resolver']);

function dnsRemediation(dns: NonNullable<PathFailure['dns']>, endpoint: Endpoint, base: Record<string, string | number>): Message {
  if (RESOLVER_FAILURES.has(dns.kind)) {
    const resolver = Array.isArray(dns.resolver) ? dns.resolver.join(', ') : typeof dns.resolver === 'string' ? dns.resolver : 'system';
    return { id: 'path.dns-failure.fix.resolver', params: { ...base, resolver } };
  }
  // A platform catalog's host belongs to the vendor: nobody at the site can create its record.
  if (endpoint.extra.catalog) return { id: 'path.dns-failure.fix.vendor', params: base };
  return { id: 'path.dns-failure.fix', params: base };
}

export function pathFailureFinding(checkId: string, err: PathFailure, endpoint: Endpoint, severity: Severity, timeoutMs: number): Finding {
  const base = { endpoint: endpoint.name, host: endpoint.host, port: endpoint.port };
  if (err.dns) {
    return {
      id: `${checkId}.dns-failure`,
      severity,
      message: { id: 'path.dns-failure', params: { ...base, reason: err.dns.kind } },
      remediation: dnsRemediation(err.dns, endpoint, base),
      evidence: { kind: err.dns.kind, ...(err.dns.code ? { code: err.dns.code } : {}), resolver: err.dns.resolver },
    };
  }
  const c = err.classification;
  const evidence = {
    phase: err.phase,
    ...(err.code ? { code: err.code } : {}),
    ...(err.tlsKind ? { tlsKind: err.tlsKind } : {}),
    error: err.message,
    ...(err.detail ?? {}),
  };
  const d = err.detail ?? {};
  const proxy = typeof d.proxy === 'string' ? d.proxy : '-';
  if (d.hop === 'proxy') {
    return {
      id: `${checkId}.proxy-unreachable`,
      severity,
      message: { id: 'path.proxy-unreachable', params: { ...base, proxy, classification: c } },
      remediation: { id: 'path.proxy-unreachable.fix' },
      evidence,
    };
  }
  if (c === 'proxy-auth-required') {
    const schemes = Array.isArray(d.schemes) ? (d.schemes as string[]) : [];
    const onlyWindows = schemes.length > 0 && schemes.every((x) => /^(ntlm|negotiate|kerberos)$/i.test(x));
    const negotiable = schemes.some((x) => /^negotiate$/i.test(x));
    const kerberos = d.negotiate as NegotiateOutcome | undefined;
    // What became of the Negotiate challenge, for both texts; "-" where a text has nothing to say.
    const k = {
      spn: kerberos?.spn ?? '-',
      kerberosError: kerberos?.error ?? '-',
      schemes: schemes.join(', ') || '?',
      // A literal of the site file's syntax, given as a parameter so the catalogs hold no braces of their own.
      passwordRef: '${PROXY_PASSWORD}',
    };
    // A refused ticket is its own clause: "refused the ones configured" is about Basic credentials.
    const basicRefused = Boolean(d.sentCredentials) && kerberos?.outcome !== 'refused';
    return {
      id: `${checkId}.proxy-auth-required`,
      severity,
      message: {
        id: 'path.proxy-auth-required',
        params: {
          ...base,
          ...k,
          proxy,
          sent: basicRefused ? { id: 'proxy.sent-credentials' } : '',
          kerberos: kerberos ? { id: `proxy.kerberos.${kerberos.outcome}`, params: k } : '',
        },
      },
      remediation: {
        id: 'path.proxy-auth-required.fix',
        params: {
          ...k,
          authFix: { id: onlyWindows ? (negotiable ? 'proxy.fix.windows' : 'proxy.fix.ntlm') : 'proxy.fix.basic', params: k },
          kerberosFix: kerberos ? { id: `proxy.fix.kerberos.${kerberos.outcome}`, params: k } : '',
        },
      },
      evidence,
    };
  }
  if (c === 'proxy-denied' && (err.code === 'NO_PROXY_CONFIGURED' || err.code === 'PAC_FAILED')) {
    // Not a proxy's answer: the route decision found no proxy for a via: proxy endpoint.
    const pacError = typeof d.pacError === 'string' ? d.pacError : '-';
    const params = {
      ...base,
      why: err.code === 'PAC_FAILED' ? { id: 'proxy.pac-failed', params: { pacError } } : { id: 'proxy.none-configured' },
    };
    return {
      id: `${checkId}.proxy-denied`,
      severity,
      message: { id: 'path.no-proxy', params },
      remediation: { id: 'path.no-proxy.fix' },
      evidence,
    };
  }
  if (c === 'proxy-denied') {
    const params = {
      ...base,
      proxy,
      status: String(d.status ?? '-'),
      reason: String(d.reason ?? err.message),
      server: d.server ? `, ${String(d.server)}` : '',
    };
    return {
      id: `${checkId}.proxy-denied`,
      severity,
      message: { id: 'path.proxy-denied', params },
      remediation: { id: 'path.proxy-denied.fix', params },
      evidence,
    };
  }
  if (c === 'tls-failure') {
    const kind = err.tlsKind ?? 'other';
    return {
      id: `${checkId}.tls-failure`,
      severity,
      message: { id: 'path.tls-failure', params: { ...base, kind: { id: `tls.${kind}` }, code: err.code ?? '-' } },
      remediation: { id: TLS_FIX[kind] },
      evidence,
    };
  }
  if (err.protocol) {
    const params = { ...base, protocol: PROTOCOL_NAMES[err.protocol], detail: err.message };
    return {
      id: `${checkId}.protocol-error`,
      severity,
      message: { id: 'path.protocol-error', params },
      remediation: { id: 'path.protocol-error.fix' },
      evidence: { ...evidence, kind: 'protocol-error' },
    };
  }
  // A name the proxy could not resolve arrives as a PathError, not a DnsLookupError: its reason is
  // the proxy's answer.
  const params: Record<string, string | number> = {
    ...base,
    timeoutMs,
    code: err.code ?? '-',
    detail: err.message,
    ...(c === 'dns-failure' ? { reason: err.message } : {}),
  };
  // Whose move it is: a vendor's port the site can only allow, not open.
  const platform = (endpoint.extra.catalog as { platform?: string } | undefined)?.platform;
  const vendorFix = platform && (c === 'refused' || c === 'filtered');
  return {
    id: `${checkId}.${c}`,
    severity,
    message: { id: `path.${c}`, params },
    remediation: vendorFix ? { id: `path.${c}.fix.vendor`, params: { ...params, platform } } : { id: `path.${c}.fix`, params },
    evidence,
  };
}

/** `details.path` (and the proxy used) of a reachability result. */
export function pathDetails(route: Route): { path: 'direct' | 'proxy'; proxy?: string; proxySource?: string; route?: string } {
  return route.path === 'proxy'
    ? { path: 'proxy', proxy: route.proxy.label, proxySource: route.proxy.source, ...(route.note ? { route: route.note } : {}) }
    : { path: 'direct', ...(route.note ? { route: route.note } : {}) };
}
