// SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, Azure DevOps, SonarQube): one
// rule per finding id, one result per finding, located on the site-file line that caused it, so
// the alert opens on the YAML line to change. Messages are English: SARIF viewers show them next
// to rule ids, and one language keeps alerts from flapping between runs with different LANG.

import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity, SourceLocation } from '../../plugin-api.js';
import type { Report, ReportCheck, ReportFinding, ReportResult } from '../model.js';
import type { MessageText } from './junit.js';
import { translator } from '../../i18n/index.js';

export interface SarifOptions {
  /** Checks' descriptions (from their definitions), for the rules' help text. */
  descriptions?: Map<string, string>;
  /** Where relative site-file paths start: the repository checkout. Default: the working directory. */
  root?: string;
  /** A check's message in English (SARIF results are English whatever the runner's language). */
  text?: MessageText;
  /** A message's English template ("{endpoint} accepts TLS 1.0"), for rule descriptions that name no target. */
  template?: (check: string, messageId: string) => string | undefined;
}

/**
 * GitHub code scanning reads a rule's `properties.security-severity` and bands it: over 9.0
 * critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 3.9 or less low ("SARIF support for code
 * scanning", reportingDescriptor object,
 * https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
 * One value well inside each band keeps our severity intact.
 */
export const SECURITY_SEVERITY: Record<Exclude<Severity, 'info'>, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

/** SARIF levels: error fails a code-scanning check run, warning and note do not. */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

const FINGERPRINT_KEY = 'siteready/v1';

/** Stable across runs: what was checked and what was found, never the message text or measurements. */
export function fingerprint(check: string, target: string, findingId: string): string {
  return createHash('sha256').update(`${check}\u0000${target}\u0000${findingId}`).digest('hex');
}

interface Located {
  result: ReportResult;
  finding: ReportFinding;
}

/** Every finding of a result that is not a pass; an error without findings gets one of its own. */
function findingsOf(report: Report): Located[] {
  const out: Located[] = [];
  for (const r of report.results) {
    if (r.status === 'pass' || r.status === 'skipped') continue;
    if (r.findings.length) {
      for (const f of r.findings) out.push({ result: r, finding: f });
    } else if (r.status === 'error') {
      const detail = r.error?.message ?? 'no result';
      out.push({
        result: r,
        finding: {
          id: `${r.check}.not-measured`,
          severity: 'medium',
          message: { id: 'sarif.not-measured', params: { check: r.check, target: r.target, detail } },
        },
      });
    }
  }
  return out;
}

function artifactUri(file: string, root: string): { uri: string; uriBaseId?: string } {
  if (!isAbsolute(file)) return { uri: file.split(sep).join('/'), uriBaseId: 'SRCROOT' };
  const rel = relative(root, file);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return { uri: rel.split(sep).join('/'), uriBaseId: 'SRCROOT' };
  return { uri: pathToFileURL(file).href };
}

function physicalLocation(loc: SourceLocation, root: string) {
  return {
    physicalLocation: {
      artifactLocation: artifactUri(loc.file, root),
      region: { startLine: Math.max(1, loc.line), startColumn: Math.max(1, loc.column) },
    },
  };
}

/**
 * A template with its placeholders as plain words ("{endpoint}: grade capped at {cap}" →
 * "endpoint: grade capped at cap"): a rule describes every result of its kind, so it names no
 * endpoint, host or measurement of one of them.
 */
export function neutralText(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) =>
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/[_-]+/g, ' ')
      .toLowerCase(),
  );
}

/** What a rule says in one line: its message template without the specifics, else the check's failure title and the id. */
function shortText(id: string, located: Located[], check: ReportCheck | undefined, opts: SarifOptions): string {
  const { result, finding } = located[0]!;
  if (finding.message.id === 'sarif.not-measured') return `${result.check} could not measure a target`;
  const template = opts.template?.(result.check, finding.message.id);
  if (template) return neutralText(template);
  return `${check?.failureTitle ?? result.check} (${id})`;
}

function rule(
  id: string,
  located: Located[],
  check: ReportCheck | undefined,
  description: string | undefined,
  text: MessageText,
  opts: SarifOptions,
) {
  const severity = located.reduce<Severity>(
    (w, l) => (SEVERITY_RANK[l.finding.severity] > SEVERITY_RANK[w] ? l.finding.severity : w),
    'info',
  );
  const first = located[0]!;
  const withFix = located.find((l) => l.finding.remediation);
  // The fix for every result of the rule: its template without one result's host or endpoint.
  const fixTemplate = withFix && opts.template?.(withFix.result.check, withFix.finding.remediation!.id);
  const remediation = withFix
    ? fixTemplate
      ? neutralText(fixTemplate)
      : text(withFix.result.check, withFix.finding.remediation!)
    : undefined;
  const about = description ?? check?.title ?? first.result.check;
  const url = check?.references.find((r) => r.url)?.url;
  const references = (check?.references ?? []).map((r) => `${r.title}${r.clause ? ` ${r.clause}` : ''}${r.url ? ` <${r.url}>` : ''}`);
  const helpText = [
    about,
    ...(remediation ? [`Remediation: ${remediation}`] : []),
    ...(references.length ? [`References: ${references.join('; ')}`] : []),
  ].join('\n\n');
  const helpMarkdown = [
    about,
    ...(remediation ? [`**Remediation:** ${remediation}`] : []),
    ...(check?.references.length
      ? [
          '**References:**',
          ...check.references.map((r) => `- ${r.url ? `[${r.title}](${r.url})` : r.title}${r.clause ? ` ${r.clause}` : ''}`),
        ]
      : []),
  ].join('\n\n');
  return {
    id,
    name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
    shortDescription: { text: shortText(id, located, check, opts) },
    fullDescription: { text: about },
    help: { text: helpText, markdown: helpMarkdown },
    ...(url ? { helpUri: url } : {}),
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      // GitHub shows security-severity only for rules tagged "security".
      tags: [...new Set(['siteready', first.result.category, ...(first.result.category === 'compliance' ? ['security'] : [])])],
      ...(severity !== 'info' ? { 'security-severity': SECURITY_SEVERITY[severity] } : {}),
      check: first.result.check,
      severity,
    },
  };
}

/**
 * Whether the tool did its job, in SARIF's sense: a run stopped by a signal or hit by the tool's
 * own defect (a fault nothing caught) did not. A failing gate or a target that could not be
 * reached is an outcome of a successful run — code scanning treats an unsuccessful invocation as
 * a broken analysis — so the gate goes in the invocation's properties.
 */
function invocation(report: Report) {
  const defects = report.results.filter((r) => r.error?.kind === 'uncaught');
  const en = translator('en');
  return {
    executionSuccessful: !report.interruption && defects.length === 0,
    startTimeUtc: report.startedAt,
    endTimeUtc: report.finishedAt,
    ...(report.interruption?.signal ? { exitSignalName: report.interruption.signal } : {}),
    ...(report.interruption || defects.length
      ? {
          toolExecutionNotifications: [
            ...(report.interruption ? [{ level: 'error', message: { text: report.interruption.message } }] : []),
            ...defects.map((r) => ({
              level: 'error',
              message: { text: `internal error in ${r.check} on ${r.target}: ${r.error!.message}` },
            })),
          ],
        }
      : {}),
    properties: {
      complete: report.complete,
      ...(report.gate
        ? {
            gate: {
              passed: report.gate.passed,
              options: report.gate.options,
              reasons: report.gate.reasons.map((m) => ({
                id: m.id,
                ...(m.params ? { params: m.params } : {}),
                text: en.t(m.id, m.params),
              })),
            },
          }
        : {}),
    },
  };
}

export function renderSarif(report: Report, opts: SarifOptions = {}): string {
  const root = opts.root ?? process.cwd();
  // Findings the tool adds itself (an error without findings) are worded here, not in a check's catalog.
  const text: MessageText = (check, msg) =>
    msg.id === 'sarif.not-measured'
      ? `${msg.params?.check} could not measure ${msg.params?.target}: ${msg.params?.detail}`
      : (opts.text ?? ((_c, m) => m.id))(check, msg);
  const located = findingsOf(report);
  const byRule = new Map<string, Located[]>();
  for (const l of located) byRule.set(l.finding.id, [...(byRule.get(l.finding.id) ?? []), l]);
  const ruleIds = [...byRule.keys()].sort();
  const checks = new Map(report.checks.map((c) => [c.id, c]));
  const rules = ruleIds.map((id) => {
    const list = byRule.get(id)!;
    const check = list[0]!.result.check;
    return rule(id, list, checks.get(check), opts.descriptions?.get(check), text, opts);
  });
  // Kinds that share a message (every TLS grade cap says "grade capped at …") get their id too:
  // a code-scanning list of alerts titled alike would not tell them apart.
  const seen = new Map<string, number>();
  for (const r of rules) seen.set(r.shortDescription.text, (seen.get(r.shortDescription.text) ?? 0) + 1);
  for (const r of rules) if (seen.get(r.shortDescription.text)! > 1) r.shortDescription.text = `${r.shortDescription.text} (${r.id})`;
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results = located.map(({ result: r, finding: f }) => {
    const where = f.location ?? r.location;
    return {
      ruleId: f.id,
      ruleIndex: index.get(f.id)!,
      level: LEVEL[f.severity],
      message: { text: `${text(r.check, f.message)}${f.remediation ? ` Remediation: ${text(r.check, f.remediation)}` : ''}` },
      ...(where ? { locations: [physicalLocation(where, root)] } : {}),
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(r.check, r.target, f.id) },
      ...(r.waiver
        ? {
            suppressions: [
              {
                kind: 'external',
                status: 'accepted',
                justification: r.waiver.justification,
                ...(r.waiver.location ? { location: physicalLocation(r.waiver.location, root) } : {}),
              },
            ],
          }
        : {}),
      properties: {
        check: r.check,
        target: r.target,
        category: r.category,
        status: r.status,
        severity: f.severity,
        ...(f.evidence ? { evidence: f.evidence } : {}),
      },
    };
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'siteready',
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules,
          },
        },
        automationDetails: { id: `siteready/${report.site.name.replace(/[^A-Za-z0-9._-]+/g, '-')}/` },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root.endsWith(sep) ? root : `${root}${sep}`).href } },
        invocations: [invocation(report)],
        results,
        properties: { site: report.site.name, score: report.score, grade: report.grade, verdict: report.verdict },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
