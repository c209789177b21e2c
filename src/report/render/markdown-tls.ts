// The Markdown report's TLS audit: one row per audited endpoint — grade, versions, suites by
// strength, certificate, rule sets — the terminal's TLS section as a table. The findings above
// carry the offending suites and the fixes.

import type { Report } from '../model.js';
import type { ReportText } from './localize.js';
import { mdCell, mdCode, mdTable, mdText } from './markdown-escape.js';

const VERSIONS = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const STRENGTHS = ['recommended', 'secure', 'weak', 'insecure'] as const;

interface TlsDetails {
  versions?: Record<string, boolean | 'unknown'>;
  accepted: Array<{ strength: (typeof STRENGTHS)[number] }>;
  grade?: { grade: string; score: number };
  certificate?: { notAfter?: string; daysLeft?: number; trusted?: boolean; trustError?: string };
  rules?: Array<{ ruleSet: string; passed: boolean; evaluated?: boolean }>;
}

export function hasTlsAuditMd(report: Report): boolean {
  return report.results.some((r) => r.check === 'tls' && Array.isArray(r.facts.accepted));
}

export function tlsSection(report: Report, x: ReportText): string[] {
  const { t } = x;
  const rows = report.results
    .filter((r) => r.check === 'tls' && Array.isArray(r.facts.accepted))
    .map((r) => {
      const d = r.facts as unknown as TlsDetails;
      const versions = VERSIONS.filter((v) => d.versions?.[v] === true).map((v) => v.replace('TLSv', 'TLS ')).join(', ');
      const suites = STRENGTHS.map((s) => [s, d.accepted.filter((a) => a.strength === s).length] as const)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${t(`md.strength.${s}`)} ${n}`)
        .join(', ');
      const cert = d.certificate;
      const certText = cert
        ? [
            cert.notAfter ? t('md.certExpires', { date: String(cert.notAfter).slice(0, 10), days: cert.daysLeft ?? '?' }) : '',
            cert.trusted ? t('md.certTrusted') : t('md.certUntrusted', { why: cert.trustError ?? '?' }),
          ]
            .filter(Boolean)
            .join(' · ')
        : '';
      const sets = [...new Set((d.rules ?? []).map((y) => y.ruleSet))].map((set) => {
        const mine = (d.rules ?? []).filter((y) => y.ruleSet === set && y.evaluated !== false);
        const failed = mine.filter((y) => !y.passed).length;
        return failed ? t('md.ruleSetFailed', { set, failed, total: mine.length }) : t('md.ruleSetPassed', { set, total: mine.length });
      });
      return [
        mdCode(r.target),
        d.grade ? `**${mdText(d.grade.grade)}** (${d.grade.score})` : ' ',
        mdCell(versions),
        mdCell(suites),
        mdCell(certText),
        mdCell(sets.join('; ')),
      ];
    });
  return [
    `## ${mdText(t('md.tls'))}`,
    '',
    ...mdTable([t('md.endpoint'), t('md.tlsGrade'), t('md.versions'), t('md.suites'), t('md.certificate'), t('md.ruleSets')].map(mdCell), rows),
    '',
  ];
}
