// The words around the data that grade caps and failed rules name (phrases.ts): lists, key sizes,
// versions not offered, certificate problems. Merged into the tls check's catalog.

import type { Catalog } from '../i18n/types.js';
import { MAX_LISTED } from './phrases.js';

/** `tls.list.N` and `tls.list.N.more` for every length a list spells out. */
function lists(joiner: string, more: (n: string) => string): Catalog {
  const out: Catalog = {};
  for (let n = 1; n <= MAX_LISTED; n++) {
    const items = Array.from({ length: n }, (_, i) => `{i${i}}`).join(joiner);
    out[`tls.list.${n}`] = items;
    out[`tls.list.${n}.more`] = `${items}${more('{more}')}`;
  }
  return out;
}

export const phraseMessages: { en: Catalog; 'zh-CN': Catalog } = {
  en: {
    ...lists('; ', (n) => `; … (${n} more)`),
    'tls.or': '{a} or {b}',
    'tls.item.not-offered': '{versions} (not offered)',
    'tls.item.lifetime': 'lifetime {days} days',
    'tls.item.preference.server': '{version} server preference',
    'tls.item.preference.client': '{version} client preference',
    'tls.item.preference.indeterminate': '{version} indeterminate preference',
    'tls.item.no-ephemeral-aead': '{version} no ephemeral AEAD suite',
    'tls.item.first-choice': '{version} first choice {suite}',
    'tls.item.no-ocsp-staple': 'no OCSP staple',
    'tls.item.no-hsts': 'no HSTS header',
    'tls.item.hsts-ignored': 'HSTS ignored: {reason}',
    'tls.item.hsts-max-age': 'HSTS max-age {maxAge}',
    'tls.item.not-trusted': 'not trusted ({error})',
    'tls.item.unknown-reason': 'unknown reason',
    'tls.item.expired': 'expired {date}',
    'tls.item.not-yet-valid': 'not valid before {date}',
    'tls.item.no-san-match': 'no SAN matches {name}',
    'tls.item.name-mismatch': 'does not match {name}',
    'tls.item.self-signed': 'self-signed',
    'tls.item.revoked': 'revoked (stapled OCSP response)',
    'tls.item.no-heartbeat': 'no heartbeat',
    'tls.item.status-request': 'status_request (OCSP stapling)',
    'tls.item.compression': 'compression',
    'tls.item.signed': '{algorithm} ({subject})',
    'tls.key.bits': '{type} {bits} bits',
    'tls.key.named': '{type} {name} ({bits} bits)',
    'tls.key.group': '{type} {name}',
    'tls.key.unknown-curve': 'unknown curve',
    'tls.key.unknown-group': 'unknown group',
  },
  'zh-CN': {
    ...lists('；', (n) => `；……（另有 ${n} 项）`),
    'tls.or': '{a} 或 {b}',
    'tls.item.not-offered': '{versions}（未提供）',
    'tls.item.lifetime': '有效期 {days} 天',
    'tls.item.preference.server': '{version} 服务器优先',
    'tls.item.preference.client': '{version} 客户端优先',
    'tls.item.preference.indeterminate': '{version} 优先方不确定',
    'tls.item.no-ephemeral-aead': '{version} 没有前向保密的 AEAD 套件',
    'tls.item.first-choice': '{version} 首选 {suite}',
    'tls.item.no-ocsp-staple': '没有 OCSP 装订',
    'tls.item.no-hsts': '没有 HSTS 头',
    'tls.item.hsts-ignored': 'HSTS 被忽略：{reason}',
    'tls.item.hsts-max-age': 'HSTS max-age 为 {maxAge}',
    'tls.item.not-trusted': '不受信任（{error}）',
    'tls.item.unknown-reason': '原因未知',
    'tls.item.expired': '已于 {date} 过期',
    'tls.item.not-yet-valid': '{date} 之前无效',
    'tls.item.no-san-match': '没有与 {name} 匹配的 SAN',
    'tls.item.name-mismatch': '与 {name} 不匹配',
    'tls.item.self-signed': '自签名',
    'tls.item.revoked': '已吊销（装订的 OCSP 响应）',
    'tls.item.no-heartbeat': '没有 heartbeat',
    'tls.item.status-request': 'status_request（OCSP 装订）',
    'tls.item.compression': '压缩',
    'tls.item.signed': '{algorithm}（{subject}）',
    'tls.key.bits': '{type} {bits} 位',
    'tls.key.named': '{type} {name}（{bits} 位）',
    'tls.key.group': '{type} {name}',
    'tls.key.unknown-curve': '未知曲线',
    'tls.key.unknown-group': '未知组',
  },
};
