// Titles and fixes of the TLS rule sets, in the report's languages. A rule's title is keyed by its
// id (`mozilla-intermediate.protocols`), its fix by the id plus `.fix`, as the checks' catalogs do.
// Configuration lines are the same in every language; the Mozilla ones are the 6.0 generator's.

import type { Lang } from '../i18n/index.js';

const MOZ_INTERMEDIATE_CIPHERS =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';
const MOZ_CURVES = 'ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1:secp384r1;';
const MOZ_TLS13 = 'ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;';
const NIST_CIPHERS =
  'ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-CCM:ECDHE-ECDSA-AES128-CCM:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256;';
const NIST_TLS13 = 'ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256;';
const BSI_CIPHERS =
  'ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-CCM:ECDHE-ECDSA-AES128-CCM;';
const BSI_TLS13 = NIST_TLS13;
const PROTOCOLS_12_13 = 'ssl_protocols TLSv1.2 TLSv1.3;';
const STAPLING = 'ssl_stapling on; ssl_stapling_verify on;';
const HSTS_2Y = 'add_header Strict-Transport-Security "max-age=63072000" always;';
const FFDHE = (group: string) => `openssl genpkey -genparam -algorithm DH -pkeyopt group:${group} -out dhparam.pem`;

const en: Record<string, string> = {
  'mozilla-modern.protocols': 'Only TLS 1.3 is offered',
  'mozilla-modern.protocols.fix': 'nginx: `ssl_protocols TLSv1.3;` (Apache: `SSLProtocol -all +TLSv1.3`).',
  'mozilla-modern.cipher-suites': 'No TLS 1.2-or-older cipher suite is accepted',
  'mozilla-modern.cipher-suites.fix':
    'The modern profile has no suites below TLS 1.3: set `ssl_protocols TLSv1.3;` and drop the `ssl_ciphers` line.',
  'mozilla-modern.tls13-cipher-suites': 'Only TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 are accepted',
  'mozilla-modern.tls13-cipher-suites.fix': `Keep OpenSSL's default TLS 1.3 suites, or in nginx ≥ 1.19.4: \`${MOZ_TLS13}\``,
  'mozilla-modern.groups': 'Key exchange uses X25519MLKEM768, X25519, P-256 or P-384 only',
  'mozilla-modern.groups.fix': `nginx: \`${MOZ_CURVES}\` (leave out X25519MLKEM768 before OpenSSL 3.5).`,
  'mozilla-modern.certificate-type': 'The certificate key is ECDSA on P-256 or P-384',
  'mozilla-modern.certificate-type.fix':
    'Reissue the certificate for an ECDSA key: `openssl ecparam -genkey -name prime256v1 -out key.pem` (or secp384r1).',
  'mozilla-modern.certificate-signature': 'The certificate is signed with ECDSA and SHA-256, SHA-384 or SHA-512',
  'mozilla-modern.certificate-signature.fix': 'Have the certificate issued from an ECDSA intermediate (ecdsa-with-SHA256/384/512).',
  'mozilla-modern.certificate-lifespan': 'The certificate is valid for at most 90 days',
  'mozilla-modern.certificate-lifespan.fix': 'Use 90-day certificates renewed automatically over ACME (certbot, lego, acme.sh).',
  'mozilla-modern.ocsp-stapling': 'OCSP stapling is on',
  'mozilla-modern.ocsp-stapling.fix': `nginx: \`${STAPLING}\` with \`ssl_trusted_certificate\` set to the issuing chain and a \`resolver\`.`,
  'mozilla-modern.hsts': 'HSTS is sent with a max-age of at least two years',
  'mozilla-modern.hsts.fix': `nginx: \`${HSTS_2Y}\` so that every HTTPS response, errors included, carries it.`,
  'mozilla-modern.cipher-preference': 'The client chooses the cipher suite',
  'mozilla-modern.cipher-preference.fix':
    'nginx: `ssl_prefer_server_ciphers off;` — let the client pick the suite that is fastest on its hardware.',

  'mozilla-intermediate.protocols': 'TLS 1.2 and TLS 1.3 are offered, nothing older',
  'mozilla-intermediate.protocols.fix': `nginx: \`${PROTOCOLS_12_13}\` (Apache: \`SSLProtocol -all +TLSv1.2 +TLSv1.3\`).`,
  'mozilla-intermediate.cipher-suites': 'Only ECDHE with AES-GCM or ChaCha20-Poly1305 is accepted below TLS 1.3',
  'mozilla-intermediate.cipher-suites.fix': `nginx: \`ssl_ciphers ${MOZ_INTERMEDIATE_CIPHERS};\` (OpenSSL cipher string; Apache \`SSLCipherSuite\` takes the same).`,
  'mozilla-intermediate.tls13-cipher-suites':
    'Only TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 are accepted',
  'mozilla-intermediate.tls13-cipher-suites.fix': `Keep OpenSSL's default TLS 1.3 suites, or in nginx ≥ 1.19.4: \`${MOZ_TLS13}\``,
  'mozilla-intermediate.groups': 'Key exchange uses X25519MLKEM768, X25519, P-256 or P-384 only',
  'mozilla-intermediate.groups.fix': `nginx: \`${MOZ_CURVES}\` (leave out X25519MLKEM768 before OpenSSL 3.5).`,
  'mozilla-intermediate.dh-param-size': 'Finite-field Diffie-Hellman groups have at least 2048 bits',
  'mozilla-intermediate.dh-param-size.fix': `The 6.0 intermediate list has no DHE suites: remove them. If DHE must stay, use the RFC 7919 group: \`${FFDHE('ffdhe2048')}\` and \`ssl_dhparam dhparam.pem;\`.`,
  'mozilla-intermediate.certificate-type': 'The certificate key is ECDSA on P-256 / P-384, or RSA of at least 2048 bits',
  'mozilla-intermediate.certificate-type.fix':
    'Reissue the certificate for `openssl ecparam -genkey -name prime256v1` or `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`.',
  'mozilla-intermediate.certificate-signature': 'The certificate is signed with sha256WithRSAEncryption or ECDSA with SHA-256/384/512',
  'mozilla-intermediate.certificate-signature.fix':
    'Have the certificate reissued by a CA that signs with SHA-256 (RSA) or ECDSA; SHA-1 and MD5 signatures are refused by browsers.',
  'mozilla-intermediate.certificate-lifespan': 'The certificate is valid for at most 366 days',
  'mozilla-intermediate.certificate-lifespan.fix':
    'Use certificates valid for at most 366 days (Mozilla recommends 90), renewed automatically over ACME.',
  'mozilla-intermediate.ocsp-stapling': 'OCSP stapling is on',
  'mozilla-intermediate.ocsp-stapling.fix': `nginx: \`${STAPLING}\` with \`ssl_trusted_certificate\` set to the issuing chain and a \`resolver\`.`,
  'mozilla-intermediate.hsts': 'HSTS is sent with a max-age of at least two years',
  'mozilla-intermediate.hsts.fix': `nginx: \`${HSTS_2Y}\` so that every HTTPS response, errors included, carries it.`,
  'mozilla-intermediate.cipher-preference': 'The client chooses the cipher suite',
  'mozilla-intermediate.cipher-preference.fix':
    'nginx: `ssl_prefer_server_ciphers off;` (every suite in the profile is strong, so the client may pick the fastest for its hardware).',

  'nist-800-52r2.protocols': 'TLS 1.2 (or 1.3) is offered and nothing older',
  'nist-800-52r2.protocols.fix': `nginx: \`${PROTOCOLS_12_13}\`; SSL 2.0/3.0 and TLS 1.0 shall not be used, TLS 1.1 should not.`,
  'nist-800-52r2.tls13': 'TLS 1.3 is offered (required since 1 January 2024)',
  'nist-800-52r2.tls13.fix': `Use OpenSSL ≥ 1.1.1 and nginx: \`${PROTOCOLS_12_13}\``,
  'nist-800-52r2.cipher-suites': 'Only the cipher suites of SP 800-52r2 §3.3.1.1 are accepted below TLS 1.3',
  'nist-800-52r2.cipher-suites.fix': `nginx: \`${NIST_CIPHERS}\` — ECDHE/DHE with AES-GCM or AES-CCM; no RSA key transport, 3DES, RC4 or ChaCha20-Poly1305.`,
  'nist-800-52r2.tls13-cipher-suites': 'Only the approved TLS 1.3 suites are accepted (AES-GCM, AES-CCM)',
  'nist-800-52r2.tls13-cipher-suites.fix': `nginx ≥ 1.19.4: \`${NIST_TLS13}\` (ChaCha20-Poly1305 is not a NIST-approved cipher).`,
  'nist-800-52r2.cipher-preference': 'The server prefers ephemeral key exchange with AEAD',
  'nist-800-52r2.cipher-preference.fix':
    'nginx: `ssl_prefer_server_ciphers on;` with ECDHE AES-GCM suites first in `ssl_ciphers`, or accept only such suites.',
  'nist-800-52r2.groups': 'Key exchange uses NIST curves (P-256, P-384, P-521) or RFC 7919 groups only',
  'nist-800-52r2.groups.fix': 'nginx: `ssl_ecdh_curve secp384r1:secp256r1;` — drop X25519 and other groups the list does not name.',
  'nist-800-52r2.key-exchange': 'Ephemeral keys give 112-bit security (DH ≥ 2048 bits, EC ≥ 224 bits)',
  'nist-800-52r2.key-exchange.fix': `Use ECDHE on P-256/P-384; for DHE: \`${FFDHE('ffdhe3072')}\` and \`ssl_dhparam dhparam.pem;\`.`,
  'nist-800-52r2.certificate-key': 'The certificate key is RSA ≥ 2048 bits or ECDSA on P-256 / P-384',
  'nist-800-52r2.certificate-key.fix':
    'Reissue the certificate for `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072` or `openssl ecparam -genkey -name secp384r1`.',
  'nist-800-52r2.certificate-signature': 'The certificate chain is signed with SHA-224 or stronger',
  'nist-800-52r2.certificate-signature.fix': 'Replace SHA-1/MD5-signed certificates with ones signed using SHA-256 or stronger.',
  'nist-800-52r2.certificate-validity': 'The certificate is trusted, in date, names the server and is valid for at most 3 years',
  'nist-800-52r2.certificate-validity.fix':
    "Install a certificate from a CA that publishes OCSP, with the server's DNS name in subjectAltName, and renew it before it expires.",
  'nist-800-52r2.extensions': 'Mandatory extensions: renegotiation_info, extended_master_secret, status_request',
  'nist-800-52r2.extensions.fix': `Use OpenSSL ≥ 1.1.0 (secure renegotiation and extended master secret are on by default) and turn on OCSP stapling: \`${STAPLING}\``,
  'nist-800-52r2.compression': 'TLS compression is off',
  'nist-800-52r2.compression.fix':
    'Use the null compression method: OpenSSL ≥ 1.1.0 builds without it; otherwise set `SSL_OP_NO_COMPRESSION` (Apache: `SSLCompression off`).',

  'bsi-tr-02102-2.protocols': 'Only TLS 1.2 and TLS 1.3 are offered',
  'bsi-tr-02102-2.protocols.fix': `nginx: \`${PROTOCOLS_12_13}\` — turn SSL, TLS 1.0 and TLS 1.1 off.`,
  'bsi-tr-02102-2.cipher-suites': 'Only the suites of Tabelle 1 are accepted below TLS 1.3 (forward secrecy, AES)',
  'bsi-tr-02102-2.cipher-suites.fix': `nginx: \`${BSI_CIPHERS}\` and \`ssl_prefer_server_ciphers on;\` — no RSA key transport, SHA-1 HMAC, 3DES or ChaCha20-Poly1305.`,
  'bsi-tr-02102-2.tls13-cipher-suites': 'Only TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_AES_128_CCM_SHA256 are accepted',
  'bsi-tr-02102-2.tls13-cipher-suites.fix': `nginx ≥ 1.19.4: \`${BSI_TLS13}\` (without ChaCha20-Poly1305).`,
  'bsi-tr-02102-2.groups': 'Key exchange uses NIST or Brainpool curves, or ffdhe3072/ffdhe4096',
  'bsi-tr-02102-2.groups.fix':
    'nginx: `ssl_ecdh_curve secp384r1:secp256r1:brainpoolP384r1:brainpoolP256r1;` (brainpool…tls13 names for TLS 1.3 with OpenSSL ≥ 3.2).',
  'bsi-tr-02102-2.key-exchange': 'Ephemeral keys have at least 3000 bits (DH) or 250 bits (ECDH)',
  'bsi-tr-02102-2.key-exchange.fix': `Prefer ECDHE; for DHE: \`${FFDHE('ffdhe3072')}\` and \`ssl_dhparam dhparam.pem;\`.`,
  'bsi-tr-02102-2.certificate-key': 'The certificate key is RSA ≥ 3000 bits or ECDSA ≥ 250 bits',
  'bsi-tr-02102-2.certificate-key.fix':
    'Reissue the certificate for `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072` or an ECDSA key on P-256/P-384 or brainpoolP256r1/P384r1.',
  'bsi-tr-02102-2.certificate-signature': 'The certificate chain is signed with SHA-256 or stronger',
  'bsi-tr-02102-2.certificate-signature.fix': 'Replace certificates signed with SHA-1, SHA-224 or MD5 by ones signed with SHA-256/384/512.',
  'bsi-tr-02102-2.extensions': 'Secure renegotiation and extended master secret on, heartbeat off',
  'bsi-tr-02102-2.extensions.fix':
    'Use OpenSSL ≥ 1.1.0 (RFC 5746 and RFC 7627 on by default, heartbeat removed); update appliances that lack them.',
  'bsi-tr-02102-2.compression': 'TLS compression is off',
  'bsi-tr-02102-2.compression.fix':
    'Turn TLS compression off: OpenSSL ≥ 1.1.0 builds without it; otherwise `SSL_OP_NO_COMPRESSION` (Apache: `SSLCompression off`).',

  'pci-dss-4.protocols': 'Only TLS 1.2 and TLS 1.3 are offered (no SSL or early TLS)',
  'pci-dss-4.protocols.fix': `nginx: \`${PROTOCOLS_12_13}\` — turn SSL, TLS 1.0 and TLS 1.1 off so that nothing can fall back to them.`,
  'pci-dss-4.cipher-suites':
    'Every accepted suite is strong cryptography (≥ 112 bits; no RC4, 3DES, DES, NULL, EXPORT or anonymous suites)',
  'pci-dss-4.cipher-suites.fix': `nginx: \`ssl_ciphers ${MOZ_INTERMEDIATE_CIPHERS};\` (the Mozilla intermediate list).`,
  'pci-dss-4.key-strength': 'Keys give at least 112-bit security (RSA/DH ≥ 2048 bits, EC ≥ 224 bits)',
  'pci-dss-4.key-strength.fix': `Use an RSA key of 2048+ bits or an ECDSA P-256 key; for DHE: \`${FFDHE('ffdhe2048')}\` and \`ssl_dhparam dhparam.pem;\`.`,
  'pci-dss-4.certificate-trust': 'The certificate is trusted and matches the host name',
  'pci-dss-4.certificate-trust.fix':
    'Install a certificate issued by a trusted CA for the name clients use, with the full intermediate chain (`ssl_certificate` = leaf + intermediates).',
  'pci-dss-4.certificate-validity': 'The certificate is in date and not revoked',
  'pci-dss-4.certificate-validity.fix': 'Renew the certificate, and automate renewal (ACME) with expiry monitoring.',
};

const zhCN: Record<string, string> = {
  'mozilla-modern.protocols': '只提供 TLS 1.3',
  'mozilla-modern.protocols.fix': '在 nginx 中设置 `ssl_protocols TLSv1.3;`（Apache：`SSLProtocol -all +TLSv1.3`）。',
  'mozilla-modern.cipher-suites': '不接受任何 TLS 1.2 及以下版本的密码套件',
  'mozilla-modern.cipher-suites.fix': 'modern 配置没有 TLS 1.3 以下的套件：设置 `ssl_protocols TLSv1.3;` 并删除 `ssl_ciphers` 行。',
  'mozilla-modern.tls13-cipher-suites': '只接受 TLS_AES_128_GCM_SHA256、TLS_AES_256_GCM_SHA384 和 TLS_CHACHA20_POLY1305_SHA256',
  'mozilla-modern.tls13-cipher-suites.fix': `保留 OpenSSL 默认的 TLS 1.3 套件，或在 nginx ≥ 1.19.4 中设置：\`${MOZ_TLS13}\``,
  'mozilla-modern.groups': '密钥交换只使用 X25519MLKEM768、X25519、P-256 或 P-384',
  'mozilla-modern.groups.fix': `nginx：\`${MOZ_CURVES}\`（OpenSSL 3.5 之前请去掉 X25519MLKEM768）。`,
  'mozilla-modern.certificate-type': '证书密钥为 P-256 或 P-384 曲线上的 ECDSA 密钥',
  'mozilla-modern.certificate-type.fix':
    '为 ECDSA 密钥重新签发证书：`openssl ecparam -genkey -name prime256v1 -out key.pem`（或 secp384r1）。',
  'mozilla-modern.certificate-signature': '证书使用 ECDSA 配合 SHA-256、SHA-384 或 SHA-512 签名',
  'mozilla-modern.certificate-signature.fix': '改由 ECDSA 中间 CA 签发证书（ecdsa-with-SHA256/384/512）。',
  'mozilla-modern.certificate-lifespan': '证书有效期不超过 90 天',
  'mozilla-modern.certificate-lifespan.fix': '使用 90 天有效期的证书，并通过 ACME（certbot、lego、acme.sh）自动续期。',
  'mozilla-modern.ocsp-stapling': '已启用 OCSP 装订',
  'mozilla-modern.ocsp-stapling.fix': `nginx：\`${STAPLING}\`，并将 \`ssl_trusted_certificate\` 指向签发链，同时配置 \`resolver\`。`,
  'mozilla-modern.hsts': '发送 HSTS，max-age 不少于两年',
  'mozilla-modern.hsts.fix': `在 nginx 中设置 \`${HSTS_2Y}\`，让每个 HTTPS 响应（包括错误页）都带上该头。`,
  'mozilla-modern.cipher-preference': '由客户端选择密码套件',
  'mozilla-modern.cipher-preference.fix': '在 nginx 中设置 `ssl_prefer_server_ciphers off;`，由客户端按自身硬件选择套件。',

  'mozilla-intermediate.protocols': '提供 TLS 1.2 和 TLS 1.3，不提供更旧的版本',
  'mozilla-intermediate.protocols.fix': `在 nginx 中设置 \`${PROTOCOLS_12_13}\`（Apache：\`SSLProtocol -all +TLSv1.2 +TLSv1.3\`）。`,
  'mozilla-intermediate.cipher-suites': 'TLS 1.3 以下只接受 ECDHE 配合 AES-GCM 或 ChaCha20-Poly1305',
  'mozilla-intermediate.cipher-suites.fix': `nginx：\`ssl_ciphers ${MOZ_INTERMEDIATE_CIPHERS};\`（OpenSSL 密码串，Apache 的 \`SSLCipherSuite\` 可用同一串）。`,
  'mozilla-intermediate.tls13-cipher-suites': '只接受 TLS_AES_128_GCM_SHA256、TLS_AES_256_GCM_SHA384 和 TLS_CHACHA20_POLY1305_SHA256',
  'mozilla-intermediate.tls13-cipher-suites.fix': `保留 OpenSSL 默认的 TLS 1.3 套件，或在 nginx ≥ 1.19.4 中设置：\`${MOZ_TLS13}\``,
  'mozilla-intermediate.groups': '密钥交换只使用 X25519MLKEM768、X25519、P-256 或 P-384',
  'mozilla-intermediate.groups.fix': `nginx：\`${MOZ_CURVES}\`（OpenSSL 3.5 之前请去掉 X25519MLKEM768）。`,
  'mozilla-intermediate.dh-param-size': '有限域 Diffie-Hellman 组不少于 2048 位',
  'mozilla-intermediate.dh-param-size.fix': `6.0 版 intermediate 列表中没有 DHE 套件：请删除它们。若必须保留 DHE，请使用 RFC 7919 的组：\`${FFDHE('ffdhe2048')}\`，并设置 \`ssl_dhparam dhparam.pem;\`。`,
  'mozilla-intermediate.certificate-type': '证书密钥为 P-256 / P-384 上的 ECDSA 密钥，或不少于 2048 位的 RSA 密钥',
  'mozilla-intermediate.certificate-type.fix':
    '用 `openssl ecparam -genkey -name prime256v1` 或 `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` 生成的密钥重新签发证书。',
  'mozilla-intermediate.certificate-signature': '证书使用 sha256WithRSAEncryption 或 ECDSA 配合 SHA-256/384/512 签名',
  'mozilla-intermediate.certificate-signature.fix': '请 CA 用 SHA-256（RSA）或 ECDSA 重新签发证书；浏览器拒绝 SHA-1 和 MD5 签名。',
  'mozilla-intermediate.certificate-lifespan': '证书有效期不超过 366 天',
  'mozilla-intermediate.certificate-lifespan.fix': '使用有效期不超过 366 天的证书（Mozilla 建议 90 天），并通过 ACME 自动续期。',
  'mozilla-intermediate.ocsp-stapling': '已启用 OCSP 装订',
  'mozilla-intermediate.ocsp-stapling.fix': `nginx：\`${STAPLING}\`，并将 \`ssl_trusted_certificate\` 指向签发链，同时配置 \`resolver\`。`,
  'mozilla-intermediate.hsts': '发送 HSTS，max-age 不少于两年',
  'mozilla-intermediate.hsts.fix': `在 nginx 中设置 \`${HSTS_2Y}\`，让每个 HTTPS 响应（包括错误页）都带上该头。`,
  'mozilla-intermediate.cipher-preference': '由客户端选择密码套件',
  'mozilla-intermediate.cipher-preference.fix':
    'nginx：`ssl_prefer_server_ciphers off;`（该配置中的套件都足够强，客户端可按自身硬件选最快的）。',

  'nist-800-52r2.protocols': '提供 TLS 1.2（或 1.3），不提供更旧的版本',
  'nist-800-52r2.protocols.fix': `nginx：\`${PROTOCOLS_12_13}\`；不得使用 SSL 2.0/3.0 和 TLS 1.0，不应使用 TLS 1.1。`,
  'nist-800-52r2.tls13': '提供 TLS 1.3（自 2024 年 1 月 1 日起为强制要求）',
  'nist-800-52r2.tls13.fix': `使用 OpenSSL ≥ 1.1.1，并在 nginx 中设置：\`${PROTOCOLS_12_13}\``,
  'nist-800-52r2.cipher-suites': 'TLS 1.3 以下只接受 SP 800-52r2 §3.3.1.1 列出的密码套件',
  'nist-800-52r2.cipher-suites.fix': `nginx：\`${NIST_CIPHERS}\`——ECDHE/DHE 配合 AES-GCM 或 AES-CCM；不用 RSA 密钥传输、3DES、RC4 或 ChaCha20-Poly1305。`,
  'nist-800-52r2.tls13-cipher-suites': '只接受经批准的 TLS 1.3 套件（AES-GCM、AES-CCM）',
  'nist-800-52r2.tls13-cipher-suites.fix': `nginx ≥ 1.19.4：\`${NIST_TLS13}\`（ChaCha20-Poly1305 不是 NIST 批准的算法）。`,
  'nist-800-52r2.cipher-preference': '服务器优先选用临时密钥交换和 AEAD',
  'nist-800-52r2.cipher-preference.fix':
    'nginx：`ssl_prefer_server_ciphers on;`，并把 ECDHE AES-GCM 套件放在 `ssl_ciphers` 最前面；或只接受此类套件。',
  'nist-800-52r2.groups': '密钥交换只使用 NIST 曲线（P-256、P-384、P-521）或 RFC 7919 的组',
  'nist-800-52r2.groups.fix': '在 nginx 中设置 `ssl_ecdh_curve secp384r1:secp256r1;`，去掉 X25519 等未列入的组。',
  'nist-800-52r2.key-exchange': '临时密钥提供 112 位安全强度（DH ≥ 2048 位，EC ≥ 224 位）',
  'nist-800-52r2.key-exchange.fix': `使用 P-256/P-384 上的 ECDHE；DHE 则：\`${FFDHE('ffdhe3072')}\`，并设置 \`ssl_dhparam dhparam.pem;\`。`,
  'nist-800-52r2.certificate-key': '证书密钥为不少于 2048 位的 RSA，或 P-256 / P-384 上的 ECDSA',
  'nist-800-52r2.certificate-key.fix':
    '用 `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072` 或 `openssl ecparam -genkey -name secp384r1` 生成的密钥重新签发证书。',
  'nist-800-52r2.certificate-signature': '证书链使用 SHA-224 或更强的摘要签名',
  'nist-800-52r2.certificate-signature.fix': '将 SHA-1/MD5 签名的证书换成 SHA-256 或更强摘要签名的证书。',
  'nist-800-52r2.certificate-validity': '证书受信任、在有效期内、包含服务器名称，且有效期不超过 3 年',
  'nist-800-52r2.certificate-validity.fix': '安装由发布 OCSP 的 CA 签发、subjectAltName 含服务器 DNS 名称的证书，并在过期前续期。',
  'nist-800-52r2.extensions': '强制扩展：renegotiation_info、extended_master_secret、status_request',
  'nist-800-52r2.extensions.fix': `使用 OpenSSL ≥ 1.1.0（默认启用安全重协商和扩展主密钥），并启用 OCSP 装订：\`${STAPLING}\``,
  'nist-800-52r2.compression': '已关闭 TLS 压缩',
  'nist-800-52r2.compression.fix':
    '只用空压缩方法：OpenSSL ≥ 1.1.0 默认不含压缩；否则设置 `SSL_OP_NO_COMPRESSION`（Apache：`SSLCompression off`）。',

  'bsi-tr-02102-2.protocols': '只提供 TLS 1.2 和 TLS 1.3',
  'bsi-tr-02102-2.protocols.fix': `在 nginx 中设置 \`${PROTOCOLS_12_13}\`，关闭 SSL、TLS 1.0 和 TLS 1.1。`,
  'bsi-tr-02102-2.cipher-suites': 'TLS 1.3 以下只接受表 1 中的套件（前向保密、AES）',
  'bsi-tr-02102-2.cipher-suites.fix': `nginx：\`${BSI_CIPHERS}\` 并设置 \`ssl_prefer_server_ciphers on;\`——不用 RSA 密钥传输、SHA-1 HMAC、3DES 或 ChaCha20-Poly1305。`,
  'bsi-tr-02102-2.tls13-cipher-suites': '只接受 TLS_AES_128_GCM_SHA256、TLS_AES_256_GCM_SHA384 和 TLS_AES_128_CCM_SHA256',
  'bsi-tr-02102-2.tls13-cipher-suites.fix': `在 nginx ≥ 1.19.4 中设置 \`${BSI_TLS13}\`（去掉 ChaCha20-Poly1305）。`,
  'bsi-tr-02102-2.groups': '密钥交换只使用 NIST 或 Brainpool 曲线，或 ffdhe3072/ffdhe4096',
  'bsi-tr-02102-2.groups.fix':
    'nginx：`ssl_ecdh_curve secp384r1:secp256r1:brainpoolP384r1:brainpoolP256r1;`（TLS 1.3 在 OpenSSL ≥ 3.2 中使用 brainpool…tls13 名称）。',
  'bsi-tr-02102-2.key-exchange': '临时密钥不少于 3000 位（DH）或 250 位（ECDH）',
  'bsi-tr-02102-2.key-exchange.fix': `优先使用 ECDHE；DHE 则：\`${FFDHE('ffdhe3072')}\`，并设置 \`ssl_dhparam dhparam.pem;\`。`,
  'bsi-tr-02102-2.certificate-key': '证书密钥为不少于 3000 位的 RSA，或不少于 250 位的 ECDSA',
  'bsi-tr-02102-2.certificate-key.fix':
    '用 `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072` 生成的密钥，或 P-256/P-384、brainpoolP256r1/P384r1 上的 ECDSA 密钥重新签发证书。',
  'bsi-tr-02102-2.certificate-signature': '证书链使用 SHA-256 或更强的摘要签名',
  'bsi-tr-02102-2.certificate-signature.fix': '将 SHA-1、SHA-224 或 MD5 签名的证书换成 SHA-256/384/512 签名的证书。',
  'bsi-tr-02102-2.extensions': '启用安全重协商和扩展主密钥，关闭心跳扩展',
  'bsi-tr-02102-2.extensions.fix': '使用 OpenSSL ≥ 1.1.0（默认启用 RFC 5746 和 RFC 7627，已移除心跳）；升级缺少这些功能的设备。',
  'bsi-tr-02102-2.compression': '已关闭 TLS 压缩',
  'bsi-tr-02102-2.compression.fix':
    '关闭 TLS 压缩：OpenSSL ≥ 1.1.0 默认不含压缩；否则设置 `SSL_OP_NO_COMPRESSION`（Apache：`SSLCompression off`）。',

  'pci-dss-4.protocols': '只提供 TLS 1.2 和 TLS 1.3（不提供 SSL 和早期 TLS）',
  'pci-dss-4.protocols.fix': `在 nginx 中设置 \`${PROTOCOLS_12_13}\`，关闭 SSL、TLS 1.0 和 TLS 1.1，且不允许回退到这些版本。`,
  'pci-dss-4.cipher-suites': '接受的套件都属于强密码（≥ 112 位；不含 RC4、3DES、DES、NULL、EXPORT 或匿名套件）',
  'pci-dss-4.cipher-suites.fix': `nginx：\`ssl_ciphers ${MOZ_INTERMEDIATE_CIPHERS};\`（Mozilla intermediate 列表）。`,
  'pci-dss-4.key-strength': '密钥提供至少 112 位安全强度（RSA/DH ≥ 2048 位，EC ≥ 224 位）',
  'pci-dss-4.key-strength.fix': `使用 2048 位以上的 RSA 密钥或 ECDSA P-256 密钥；DHE 则：\`${FFDHE('ffdhe2048')}\`，并设置 \`ssl_dhparam dhparam.pem;\`。`,
  'pci-dss-4.certificate-trust': '证书受信任且与主机名匹配',
  'pci-dss-4.certificate-trust.fix':
    '安装受信任 CA 为客户端所用名称签发的证书，并附上完整的中间证书链（`ssl_certificate` = 叶证书 + 中间证书）。',
  'pci-dss-4.certificate-validity': '证书在有效期内且未被吊销',
  'pci-dss-4.certificate-validity.fix': '续期证书，并用 ACME 自动续期、监控到期时间。',
};

export const ruleMessages: Record<Lang, Record<string, string>> = { en, 'zh-CN': zhCN };

export function ruleText(id: string, lang: Lang = 'en'): string {
  return ruleMessages[lang][id] ?? ruleMessages.en[id] ?? id;
}
