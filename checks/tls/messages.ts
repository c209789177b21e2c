// The tls check's own texts; rule titles and fixes (src/tls/rule-messages.ts) and grade-cap
// reasons (src/tls/grade-messages.ts) are merged in beside them.

export const tlsAuditMessages = {
  en: {
    'tls.proxy-only': '{endpoint}: {host}:{port} is reached only through the proxy from here; the TLS audit speaks to servers directly. Run `siteready run tls {host}:{port}` where it is reachable.',
    'tls.grade-cap': '{endpoint}: grade capped at {cap}: {reason}.',
    'tls.grade-cap.fix': 'Change the TLS configuration of {host} as the failed rules below say (protocols, cipher suites, certificate); the grade follows.',
    'tls.cert-expiring': '{endpoint}: the certificate of {host} expires in {days} days ({notAfter}).',
    'tls.cert-expiring.fix': 'Renew and deploy the certificate now, and automate renewal (ACME) so it never lapses during a rollout.',
    'tls.chain-incomplete': '{endpoint}: {host} does not send a complete, ordered certificate chain; clients without the missing intermediate cannot verify it.',
    'tls.chain-incomplete.fix': 'Serve the leaf followed by every intermediate in order (nginx: `ssl_certificate` pointing at the full-chain file).',
    'tls.certificate-unavailable': '{endpoint}: no finished TLS handshake with {host} to read its certificate ({error}): clients cannot connect, so the audit grades it F.',
    'tls.certificate-unreadable': '{endpoint}: the TLS handshake with {host} completed, but its certificate could not be analysed ({error}), so the audit grades it F.',
    'tls.rule-failed': '{endpoint}: {ruleSet} — {rule}: {offending}.',
    'tls.set.mozilla-modern': 'Mozilla modern',
    'tls.set.mozilla-intermediate': 'Mozilla intermediate',
    'tls.set.nist-800-52r2': 'NIST SP 800-52r2',
    'tls.set.bsi-tr-02102-2': 'BSI TR-02102-2',
    'tls.set.pci-dss-4': 'PCI DSS 4.0',
  },
  'zh-CN': {
    'tls.proxy-only': '{endpoint}：从此处只能经代理访问 {host}:{port}；TLS 审计直接与服务器通信。请在可直接访问的位置运行 `siteready run tls {host}:{port}`。',
    'tls.grade-cap': '{endpoint}：评级被限制为 {cap}：{reason}。',
    'tls.grade-cap.fix': '按下面未通过的规则修改 {host} 的 TLS 配置（协议、密码套件、证书），评级随之提升。',
    'tls.cert-expiring': '{endpoint}：{host} 的证书将在 {days} 天后过期（{notAfter}）。',
    'tls.cert-expiring.fix': '立即续期并部署证书，并启用自动续期（ACME），避免在推广期间失效。',
    'tls.chain-incomplete': '{endpoint}：{host} 未发送完整且有序的证书链；缺少中间证书的客户端无法验证。',
    'tls.chain-incomplete.fix': '按顺序提供叶证书及所有中间证书（nginx：`ssl_certificate` 指向完整证书链文件）。',
    'tls.certificate-unavailable': '{endpoint}：未能与 {host} 完成 TLS 握手以读取其证书（{error}）：客户端无法建立连接，因此审计评级为 F。',
    'tls.certificate-unreadable': '{endpoint}：与 {host} 的 TLS 握手已完成，但无法分析其证书（{error}），因此审计评级为 F。',
    'tls.rule-failed': '{endpoint}：{ruleSet} — {rule}：{offendingZh}。',
    'tls.set.mozilla-modern': 'Mozilla 现代配置',
    'tls.set.mozilla-intermediate': 'Mozilla 中级配置',
    'tls.set.nist-800-52r2': 'NIST SP 800-52r2',
    'tls.set.bsi-tr-02102-2': 'BSI TR-02102-2',
    'tls.set.pci-dss-4': 'PCI DSS 4.0',
  },
};
