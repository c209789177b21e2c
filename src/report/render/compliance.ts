// The terminal's compliance section: per profile, every rule with its outcome, the clause it
// cites and what decided it (a YAML line, or a check's result on a target).

import type { ChalkInstance } from 'chalk';
import type { ReportedFactUse, RuleReference } from '../../compliance/types.js';
import { clauseIn, cm } from '../../compliance/messages.js';
import { whyCatalogs } from '../../compliance/why.js';
import { messageText } from './localize.js';
import { factValue } from './fact-value.js';
import type { Catalog, Message } from '../../plugin-api.js';
import { displayWidth, pad, truncate } from '../../util/text.js';
import { format, translator, type Lang } from '../../i18n/index.js';
import type { Report, ReportResult } from '../model.js';

interface Options {
  lang: Lang;
  color: ChalkInstance;
  verbose: boolean;
  width: number;
  catalogs?: Record<string, Catalog>;
}

type Reference = Pick<RuleReference, 'standard' | 'clause' | 'clauseZh'> & { verified?: boolean };
type DecidedBy = ReportedFactUse;

export function renderCompliance(report: Report, o: Options): string[] {
  const c = o.color;
  const lines: string[] = [c.bold(cm(o.lang, 'section'))];
  if (report.declared?.passed)
    lines.push(c.cyan(`  ${cm(o.lang, 'declaredSummary', { passed: report.declared.passed, points: report.declared.points })}`));
  const text = (id: string, params?: Record<string, string | number>) => {
    const t = o.catalogs?.[o.lang]?.[id] ?? o.catalogs?.en?.[id];
    return t === undefined ? undefined : format(t, params);
  };
  for (const p of report.compliance ?? []) {
    lines.push(
      `  ${c.bold(p.id)} ${c.dim(`v${p.version}`)} — ${text(`profile:${p.id}`) ?? p.title}: ${cm(o.lang, 'summary', { passed: p.passed, failed: p.failed, notEvaluated: p.notEvaluated, notApplicable: p.notApplicable })}`,
    );
    const mine = report.results.filter((r) => r.check === 'compliance' && r.target === p.id);
    const order = ['fail', 'not-evaluated', 'pass', 'not-applicable'];
    mine.sort((a, b) => order.indexOf(String(a.facts.outcome)) - order.indexOf(String(b.facts.outcome)));
    for (const r of mine) {
      if (!o.verbose && r.facts.outcome === 'not-applicable') continue;
      lines.push(...ruleLines(r, o, text));
    }
  }
  const unverified = (report.results ?? []).some(
    (r) => r.check === 'compliance' && (r.facts.references as Reference[] | undefined)?.some((x) => x.verified === false),
  );
  if (unverified) lines.push(c.dim(`  * ${cm(o.lang, 'unverified')}`));
  return lines;
}

function ruleLines(r: ReportResult, o: Options, text: (id: string, p?: Record<string, string | number>) => string | undefined): string[] {
  const c = o.color;
  const d = r.facts as {
    profile: string;
    rule: string;
    title: string;
    outcome: string;
    severity: string;
    references: Reference[];
    decidedBy: DecidedBy[];
    why?: Message;
  };
  const id = `${d.profile}.${d.rule}`;
  const declared = (r.facts as { basis?: string }).basis === 'declared' && d.outcome === 'pass';
  const outcome = r.waiver
    ? c.dim(translator(o.lang).t('report.waived'))
    : declared
      ? c.cyan(cm(o.lang, 'outcome_declared'))
      : paint(c, d.outcome, cm(o.lang, `outcome_${d.outcome}` as 'outcome_pass'));
  const title = text(`${id}.title`) ?? d.title;
  const clause = d.references.map((x) => `${x.standard} ${clauseIn(o.lang, x)}${x.verified === false ? '*' : ''}`).join('; ');
  const out = [`    ${pad(outcome, 13)} ${c.bold(d.rule)} ${title} ${c.dim(`[${translator(o.lang).t(`severity.${d.severity}`)}]`)}`];
  out.push(c.dim(`                  ${truncate(clause, o.width - 20)}`));
  if (d.outcome === 'fail' || d.outcome === 'not-evaluated') {
    if (d.why)
      out.push(
        `                  ${truncate(messageText(translator(o.lang), o.catalogs ?? { en: whyCatalogs.en, 'zh-CN': whyCatalogs['zh-CN'] }, d.why), o.width - 20)}`,
      );
    const fix = d.outcome === 'fail' ? text(`${id}.fix`) : undefined;
    if (fix) out.push(`                  ${c.cyan(`${cm(o.lang, 'fix')}:`)} ${truncate(fix, o.width - 26)}`);
  }
  // One fact per line: a YAML path with its file:line, or check · target · field.
  const by = d.decidedBy.slice(0, o.verbose ? 12 : 3).map(describe);
  by.forEach((line, i) =>
    out.push(
      c.dim(
        `                  ${i === 0 ? `${cm(o.lang, 'decidedBy')}:` : ' '.repeat(displayWidth(cm(o.lang, 'decidedBy')) + 1)} ${truncate(line, o.width - 32)}`,
      ),
    ),
  );
  if (d.decidedBy.length > by.length) out.push(c.dim(`                  … +${d.decidedBy.length - by.length}`));
  return out;
}

function describe(u: DecidedBy): string {
  const value = u.missing ? 'missing' : factValue(u.value, 40);
  // The line first: it is what a reader jumps to, and a long path must not truncate it away.
  if (u.source === 'site' && u.location) return `${u.location.file}:${u.location.line} · ${u.fact} = ${truncate(value ?? '', 40)}`;
  if (u.source === 'check') return `${u.check} · ${u.target} · ${u.field} = ${truncate(value ?? '', 40)}`;
  return `${u.fact} = ${truncate(value ?? '', 40)}`;
}

function paint(c: ChalkInstance, outcome: string, label: string): string {
  if (outcome === 'pass') return c.green(label);
  if (outcome === 'fail') return c.red(label);
  if (outcome === 'not-evaluated') return c.magenta(label);
  return c.dim(label);
}
