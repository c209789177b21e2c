// The terminal's TLS section: per audited endpoint the grade, versions, suites by strength class
// with the server's preference, the certificate, handshake facts and the rule sets' verdicts —
// what an auditor reads first; the findings above carry the offending suites and the fixes.

import type { ChalkInstance } from 'chalk';
import { pad, truncate } from '../../util/text.js';
import { format, type Lang } from '../../i18n/index.js';
import type { Report, ReportResult } from '../model.js';

interface Options {
  lang: Lang;
  color: ChalkInstance;
  verbose: boolean;
  width: number;
}

const TEXT: Record<Lang, Record<string, string>> = {
  en: {
    section: 'TLS audit',
    grade: 'grade {grade} (score {score})',
    probes: '{probes} hellos in {ms} ms',
    versions: 'versions',
    suites: 'suites',
    certificate: 'certificate',
    facts: 'handshake',
    rules: 'rule sets',
    preference: 'preference {who}',
    'pref.server': 'server',
    'pref.client': 'client',
    'pref.indeterminate': 'unclear',
    recommended: 'recommended',
    secure: 'secure',
    weak: 'weak',
    insecure: 'insecure',
    expires: 'expires {date} ({days} days)',
    trusted: 'trusted',
    untrusted: 'not trusted ({why})',
    nameOk: 'name matches',
    nameBad: 'name does not match {name}',
    ruleSummary: '{set}: {failed} of {total} failed',
    allPassed: '{set}: all {total} passed',
    weakList: 'weak or insecure',
  },
  'zh-CN': {
    section: 'TLS 审计',
    grade: '评级 {grade}（得分 {score}）',
    probes: '{probes} 次握手探测，用时 {ms} 毫秒',
    versions: '协议版本',
    suites: '密码套件',
    certificate: '证书',
    facts: '握手特性',
    rules: '规则集',
    preference: '{who}优先',
    'pref.server': '服务器',
    'pref.client': '客户端',
    'pref.indeterminate': '不确定',
    recommended: '推荐',
    secure: '安全',
    weak: '弱',
    insecure: '不安全',
    expires: '{date} 到期（剩 {days} 天）',
    trusted: '受信任',
    untrusted: '不受信任（{why}）',
    nameOk: '名称匹配',
    nameBad: '名称与 {name} 不匹配',
    ruleSummary: '{set}：{total} 条中 {failed} 条未通过',
    allPassed: '{set}：{total} 条全部通过',
    weakList: '弱或不安全',
  },
};

const VERSIONS = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2'] as const;
/** Versions a server should not offer: shown in red when it does. */
const OBSOLETE = new Set(['TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2']);

interface Accepted {
  version: string;
  code: string;
  name: string;
  strength: 'insecure' | 'weak' | 'secure' | 'recommended';
}

export function hasTlsAudit(report: Report): boolean {
  return report.results.some((r) => r.check === 'tls' && Array.isArray(r.facts.accepted));
}

export function renderTlsAudit(report: Report, o: Options): string[] {
  const c = o.color;
  const t = (id: string, params?: Record<string, string | number>) => format(TEXT[o.lang][id] ?? TEXT.en[id] ?? id, params);
  const lines = [c.bold(t('section'))];
  for (const r of report.results.filter((x) => x.check === 'tls' && Array.isArray(x.facts.accepted))) lines.push(...endpointLines(r, o, t));
  return lines;
}

function endpointLines(r: ReportResult, o: Options, t: (id: string, p?: Record<string, string | number>) => string): string[] {
  const c = o.color;
  const d = r.facts as Record<string, any>;
  const grade = d.grade as { grade: string; score: number } | undefined;
  const gradeText = grade ? t('grade', { grade: grade.grade, score: grade.score }) : '';
  const paintGrade = !grade ? c.dim : /^A/.test(grade.grade) ? c.green.bold : /^[BC]$/.test(grade.grade) ? c.yellow.bold : c.red.bold;
  const out = [`  ${c.bold(r.target)}  ${paintGrade(gradeText)}  ${c.dim(t('probes', { probes: d.probes ?? 0, ms: d.durationMs ?? 0 }))}`];
  const label = (k: string) => `    ${c.dim(pad(t(k), 12))} `;

  const versions = d.versions as Record<string, boolean | 'unknown'>;
  out.push(
    label('versions') +
      VERSIONS.map((v) => {
        const on = versions?.[v];
        const name = v.replace('TLSv', 'TLS ');
        if (on === true) return OBSOLETE.has(v) ? c.red(`${name} ✓`) : c.green(`${name} ✓`);
        return c.dim(on === 'unknown' ? `${name} ?` : `${name} –`);
      }).join('  '),
  );

  const accepted = d.accepted as Accepted[];
  for (const v of VERSIONS) {
    const mine = accepted.filter((a) => a.version === v);
    if (!mine.length) continue;
    const counts = (['recommended', 'secure', 'weak', 'insecure'] as const)
      .map((k) => [k, mine.filter((a) => a.strength === k).length] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => (k === 'weak' ? c.yellow : k === 'insecure' ? c.red : c.green)(`${t(k)} ${n}`));
    const pref = d.preference?.[v] as string | undefined;
    out.push(`${label('suites')}${v.replace('TLSv', 'TLS ')}: ${mine.length} (${counts.join(', ')})${pref ? c.dim(` · ${t('preference', { who: t(`pref.${pref}`) })}`) : ''}`);
  }
  if (o.verbose) {
    const bad = accepted.filter((a) => a.strength === 'weak' || a.strength === 'insecure');
    for (const a of bad) out.push(`${' '.repeat(17)}${(a.strength === 'insecure' ? c.red : c.yellow)(`${a.version.replace('TLSv', 'TLS ')} ${a.code} ${a.name}`)}`);
  }

  const cert = d.certificate as Record<string, any> | undefined;
  if (cert) {
    const leaf = (cert.chain ?? [])[0] as Record<string, any> | undefined;
    const key = leaf ? `${leaf.keyType}${leaf.curve ? ` ${leaf.curve}` : ` ${leaf.keyBits}`}` : '';
    const parts = [
      leaf ? truncate(String(leaf.subject).replace(/\n/g, ', '), 40) : '',
      key,
      leaf?.signatureAlgorithm ?? '',
      t('expires', { date: String(cert.notAfter).slice(0, 10), days: cert.daysLeft }),
      cert.trusted ? c.green(t('trusted')) : c.red(t('untrusted', { why: cert.trustError ?? '?' })),
      cert.hostnameMatch ? c.green(t('nameOk')) : c.red(t('nameBad', { name: cert.checkedName ?? '?' })),
    ].filter(Boolean);
    out.push(label('certificate') + truncate(parts.join(' · '), o.width - 17));
  }

  const f = d.facts as Record<string, unknown> | undefined;
  if (f) {
    const mark = (k: string, good: boolean | undefined, v: unknown) => (v === 'unknown' || v === undefined ? c.dim(`${k} ?`) : v === good ? c.green(`${k} ✓`) : c.red(`${k} ✗`));
    const facts = [
      mark('renegotiation', true, f.secureRenegotiation),
      f.fallbackScsv === 'n/a' ? c.dim('fallback SCSV n/a') : mark('fallback SCSV', true, f.fallbackScsv),
      mark('no compression', false, f.compression),
      mark('EMS', true, f.extendedMasterSecret),
      mark('no heartbleed', false, f.heartbleed),
      mark('OCSP staple', true, f.ocspStapling),
      Array.isArray(f.alpn) && f.alpn.length ? `ALPN ${(f.alpn as string[]).join(',')}` : c.dim('ALPN –'),
    ];
    out.push(label('facts') + facts.join('  '));
  }

  const rules = (d.rules ?? []) as Array<{ ruleSet: string; id: string; passed: boolean; evaluated?: boolean }>;
  const sets = [...new Set(rules.map((x) => x.ruleSet))];
  for (const set of sets) {
    const mine = rules.filter((x) => x.ruleSet === set && x.evaluated !== false);
    const failed = mine.filter((x) => !x.passed);
    out.push(
      label('rules') +
        (failed.length
          ? `${c.yellow(t('ruleSummary', { set, failed: failed.length, total: mine.length }))} ${c.dim(truncate(failed.map((x) => x.id.slice(set.length + 1)).join(', '), o.width - 50))}`
          : c.green(t('allPassed', { set, total: mine.length }))),
    );
  }
  return out;
}
