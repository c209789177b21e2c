// GitHub Actions workflow commands for a report's blockers: `::error file=…,line=…::message`
// lines that GitHub reads from a step's standard output and shows as annotations on the run, on
// the pull request's changed files and next to the site-file line a finding traces to. They need
// no code scanning (no GitHub Advanced Security), unlike SARIF. Pure: report → lines.

import { isAbsolute, relative, sep } from 'node:path';
import type { Catalog, Severity, SourceLocation } from '../../plugin-api.js';
import type { Lang } from '../../i18n/index.js';
import type { Report } from '../model.js';
import { displayTarget, reportText, resultOfBlocker } from './localize.js';

/**
 * GitHub keeps 10 error, 10 warning and 10 notice annotations per step and 50 per job; more are
 * dropped without a word. 50 keeps every one a job can show and says how many were left out.
 */
export const MAX_ANNOTATIONS = 50;

/** critical and high fail a rollout, medium is a risk, low is worth knowing (info is never a blocker). */
const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'notice',
  info: 'notice',
};

export interface AnnotationOptions {
  lang: Lang;
  catalogs?: Map<string, Record<string, Catalog>>;
  /** The repository checkout ($GITHUB_WORKSPACE): annotation paths are relative to it. */
  root: string;
  max?: number;
  /** Masks secrets; applied before escaping, so a secret is found in the form it was given in. */
  mask?: (text: string) => string;
}

/**
 * A command's message: GitHub ends a command at a line break and decodes only these escapes
 * (toolkit `escapeData`), so a multi-line message survives and no text can start a command.
 */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value (file, title): `:` and `,` also separate properties (toolkit `escapeProperty`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * The path GitHub matches against the repository's files: relative to the checkout, with forward
 * slashes. A file outside it (a site file in /etc) gets no location rather than a wrong one.
 */
function repoPath(file: string, root: string): string | undefined {
  const rel = isAbsolute(file) ? relative(root, file) : file;
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function properties(where: SourceLocation | undefined, title: string, root: string, mask: (t: string) => string): string {
  const file = where && repoPath(where.file, root);
  const props = [
    ...(file && where ? [`file=${escapeProperty(mask(file))}`, `line=${Math.max(1, where.line)}`, `col=${Math.max(1, where.column)}`] : []),
    `title=${escapeProperty(mask(title))}`,
  ];
  return props.join(',');
}

/** One workflow command per blocker, most severe first (the report's order), then a note of any left out. */
export function githubAnnotations(report: Report, opts: AnnotationOptions): string[] {
  const text = reportText(opts.lang, opts.catalogs);
  const max = opts.max ?? MAX_ANNOTATIONS;
  const mask = opts.mask ?? ((t: string) => t);
  const lines: string[] = [];
  for (const b of report.blockers.slice(0, max)) {
    const result = resultOfBlocker(report, b);
    const finding = result?.findings.find((f) => f.id === b.finding);
    const where = b.location ?? finding?.location ?? result?.location;
    const title = `${b.check} · ${result ? displayTarget(result) : b.target}`;
    const message = finding ? text.finding(b.check, finding, 'message') : b.finding;
    const fix = finding?.remediation ? text.finding(b.check, finding, 'remediation') : '';
    const body = fix ? `${message}\n${text.t('report.fixLabel')} ${fix}` : message;
    lines.push(`::${COMMAND[b.severity]} ${properties(where, title, opts.root, mask)}::${escapeData(mask(`${body} [${b.finding}]`))}`);
  }
  const leftOut = report.blockers.length - Math.min(report.blockers.length, max);
  if (leftOut > 0) {
    lines.push(`::notice title=siteready::${escapeData(text.t('annotations.leftOut', { count: leftOut, max }))}`);
  }
  return lines;
}
