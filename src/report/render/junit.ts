// JUnit XML for CI test reports (GitLab artifacts:reports:junit, Jenkins, Azure DevOps): one
// testcase per (check, target), classname = category, name = "check · target". `fail` is a
// <failure>, `error` (could not measure) an <error>, not applicable and waived are <skipped>;
// warn and info pass and carry their findings in <system-out>. Messages are English: CI systems
// show them next to English test names, and ids stay searchable.

import type { Category, Message } from '../../plugin-api.js';
import type { Report, ReportResult } from '../model.js';
import { displayTarget } from './localize.js';
import { xmlAttr, xmlText } from './xml-escape.js';

interface Case {
  result: ReportResult;
  kind: 'pass' | 'failure' | 'error' | 'skipped';
}

function classify(r: ReportResult): Case['kind'] {
  if (r.waiver || r.status === 'skipped') return 'skipped';
  if (r.status === 'fail') return 'failure';
  if (r.status === 'error') return 'error';
  return 'pass';
}

/** A check's message in English, from the catalogs at hand. */
export type MessageText = (check: string, msg: Message) => string;

function findingsText(r: ReportResult, text: MessageText): string {
  return r.findings
    .map((f) => {
      const where = f.location ?? r.location;
      return [
        `[${f.severity}] ${f.id}: ${text(r.check, f.message)}`,
        ...(f.remediation ? [`Remediation: ${text(r.check, f.remediation)}`] : []),
        ...(where ? [`At: ${where.file}:${where.line}:${where.column}`] : []),
      ].join('\n');
    })
    .join('\n\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function testcase(c: Case, text: MessageText): string[] {
  const r = c.result;
  const open = `    <testcase classname="${xmlAttr(r.category)}" name="${xmlAttr(`${r.check} · ${displayTarget(r)}`)}" time="${seconds(r.durationMs)}"`;
  const worst = r.findings.reduce<ReportResult['findings'][number] | undefined>(
    (w, f) => (w && rank(w.severity) >= rank(f.severity) ? w : f),
    undefined,
  );
  switch (c.kind) {
    case 'skipped': {
      const why = r.waiver
        ? `waived: ${r.waiver.justification}${r.waiver.expires ? ` (until ${r.waiver.expires})` : ''}`
        : `not applicable${r.reason ? ` (${r.reason})` : ''}`;
      return [`${open}>`, `      <skipped message="${xmlAttr(why)}"/>`, '    </testcase>'];
    }
    case 'failure':
    case 'error': {
      const message = worst ? text(r.check, worst.message) : (r.error?.message ?? `${r.check} ${r.status}`);
      const type = worst ? `${worst.severity}:${worst.id}` : (r.error?.kind ?? r.status);
      const body = findingsText(r, text) || r.error?.message || '';
      return [
        `${open}>`,
        `      <${c.kind} message="${xmlAttr(message)}" type="${xmlAttr(type)}">${xmlText(body)}</${c.kind}>`,
        '    </testcase>',
      ];
    }
    case 'pass': {
      const body = findingsText(r, text);
      return body ? [`${open}>`, `      <system-out>${xmlText(body)}</system-out>`, '    </testcase>'] : [`${open}/>`];
    }
  }
}

const SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;
function rank(s: keyof typeof SEVERITY_RANK): number {
  return SEVERITY_RANK[s];
}

export function renderJunit(report: Report, text: MessageText): string {
  const byCategory = new Map<Category, Case[]>();
  for (const r of report.results) {
    const list = byCategory.get(r.category) ?? [];
    list.push({ result: r, kind: classify(r) });
    byCategory.set(r.category, list);
  }
  const count = (cases: Case[], kind: Case['kind']) => cases.filter((c) => c.kind === kind).length;
  const time = (cases: Case[]) => seconds(cases.reduce((a, c) => a + c.result.durationMs, 0));
  const all = [...byCategory.values()].flat();
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(`siteready: ${report.site.name}`)}" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" skipped="${count(all, 'skipped')}" time="${seconds(report.durationMs)}">`,
  ];
  for (const [category, cases] of byCategory) {
    lines.push(
      `  <testsuite name="${xmlAttr(category)}" tests="${cases.length}" failures="${count(cases, 'failure')}" errors="${count(cases, 'error')}" skipped="${count(cases, 'skipped')}" time="${time(cases)}" timestamp="${xmlAttr(report.startedAt.replace(/Z$|[+-]\d{2}:\d{2}$/, ''))}">`,
      '    <properties>',
      `      <property name="site" value="${xmlAttr(report.site.name)}"/>`,
      `      <property name="score" value="${report.score ?? ''}"/>`,
      `      <property name="grade" value="${report.grade ?? ''}"/>`,
      `      <property name="verdict" value="${xmlAttr(report.verdict)}"/>`,
      `      <property name="siteready.version" value="${xmlAttr(report.tool.version)}"/>`,
      '    </properties>',
    );
    for (const c of cases) lines.push(...testcase(c, text));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
