// What broke a TLS rule is written as data — versions, suite codes and names, key sizes — plus a
// few fixed English phrases (rulesets/*.ts, key-strength.ts). The phrases are translated here so a
// Chinese report says "TLSv1.3（未提供）", not "TLSv1.3 (not offered)"; data stays as it is.

import type { Lang } from '../i18n/index.js';

type Rewrite = [RegExp, string];

const ZH: Rewrite[] = [
  [/^(.+) or (.+) \(not offered\)$/, '$1 或 $2（未提供）'],
  [/^(.+) \(not offered\)$/, '$1（未提供）'],
  [/^DH (\S+) \((\d+) bits\)$/, 'DH $1（$2 位）'],
  [/^(\S+) (\d+) bits$/, '$1 $2 位'],
  [/^(.+) \((\d+) bits\)$/, '$1（$2 位）'],
  [/^ECDH (.+) \((\d+) bits\)$/, 'ECDH $1（$2 位）'],
  [/^ECDH unknown group$/, 'ECDH 未知曲线'],
  [/^lifetime (\d+) days$/, '有效期 $1 天'],
  [/^(\S+) server preference$/, '$1 服务器优先'],
  [/^(\S+) client preference$/, '$1 客户端优先'],
  [/^(\S+) indeterminate preference$/, '$1 优先方不确定'],
  [/^(\S+) no ephemeral AEAD suite$/, '$1 没有前向保密的 AEAD 套件'],
  [/^(\S+) first choice (.+)$/, '$1 首选 $2'],
  [/^no OCSP staple$/, '没有 OCSP 装订'],
  [/^no HSTS header$/, '没有 HSTS 头'],
  [/^HSTS ignored: (.+)$/, 'HSTS 被忽略：$1'],
  [/^HSTS max-age (.+)$/, 'HSTS max-age 为 $1'],
  [/^not trusted \(unknown reason\)$/, '不受信任（原因未知）'],
  [/^not trusted \((.+)\)$/, '不受信任（$1）'],
  [/^expired (.+)$/, '已于 $1 过期'],
  [/^not valid before (.+)$/, '$1 之前无效'],
  [/^no SAN matches (.+)$/, '没有与 $1 匹配的 SAN'],
  [/^does not match (.+)$/, '与 $1 不匹配'],
  [/^self-signed$/, '自签名'],
  [/^revoked \(stapled OCSP response\)$/, '已吊销（装订的 OCSP 响应）'],
  [/^no heartbeat$/, '没有 heartbeat'],
  [/^status_request \(OCSP stapling\)$/, 'status_request（OCSP 装订）'],
];

/** One offending item in `lang`. */
export function offendingIn(lang: Lang, item: string): string {
  if (lang !== 'zh-CN') return item;
  for (const [re, to] of ZH) if (re.test(item)) return item.replace(re, to);
  return item;
}
