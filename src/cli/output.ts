// What assess, run and demo share after measuring: route the report to its formats, print the
// gate, and turn the result into an exit code.

import { ConfigError, UsageError, type Diagnostic } from '../errors.js';
import { outputPathProblem } from '../report/write-file.js';
import type { Catalog } from '../plugin-api.js';
import { detectLang, translator, type Lang } from '../i18n/index.js';
import type { Report } from '../report/model.js';
import { parseFormats, render, writeOutputs, type OutputTarget, type RenderContext } from '../report/render/index.js';
import { catalogsFor } from '../report/render/localize.js';
import { planningOf, type LoadedCheck } from '../runner/registry.js';
import type { GateOptions } from '../report/gate.js';
import type { Grade } from '../scoring/score.js';
import type { Redactor } from '../site/secrets.js';
import { appendStepSummary, stepSummaryPath } from './step-summary.js';
import { githubAnnotations } from '../report/render/github.js';
import { EXIT, writeStdout } from './lifecycle.js';
import { colorEnabled } from './terminal.js';
import { handoverOf, readLogo } from '../report/handover.js';

export interface OutputFlags {
  format?: string;
  out?: string;
  json?: boolean;
  lang?: Lang;
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  debug?: boolean;
  /** false with --no-step-summary: no Markdown appended to $GITHUB_STEP_SUMMARY. */
  stepSummary?: boolean;
  /** false with --no-annotations: no GitHub workflow commands on stdout under Actions. */
  annotations?: boolean;
  preparedBy?: string;
  client?: string;
  logo?: string;
}

export interface RunFlags {
  concurrency?: string;
  timeout?: string;
  taskTimeout?: string;
  failUnder?: string;
  minGrade?: string;
  failOn?: string;
  allowIncomplete?: boolean;
}

export function outputTargets(flags: OutputFlags): OutputTarget[] {
  // The logo is checked with the outputs, before anything is measured.
  if (flags.logo) readLogo(flags.logo);
  if (flags.json) {
    if (flags.format && flags.format !== 'terminal' && flags.format !== 'json')
      throw new UsageError('--json cannot be combined with --format');
    return parseFormats('json', flags.out);
  }
  return parseFormats(flags.format ?? 'terminal', flags.out);
}

export function langOf(flags: OutputFlags): Lang {
  return flags.lang ?? detectLang();
}

function positiveNumber(name: string, v: string | undefined, { integer = false, max = Infinity } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `${name} must be a ${integer ? 'whole ' : ''}number above 0${max < Infinity ? ` and at most ${max}` : ''}, got "${v}"`,
    );
  }
  return n;
}

export function runSettings(flags: RunFlags): { concurrency: number; timeoutMs: number; taskTimeoutMs?: number; gate: GateOptions } {
  const failUnder = flags.failUnder === undefined ? undefined : Number(flags.failUnder);
  if (failUnder !== undefined && (!Number.isFinite(failUnder) || failUnder < 0 || failUnder > 100)) {
    throw new UsageError(`--fail-under must be a score from 0 to 100, got "${flags.failUnder}"`);
  }
  const taskTimeout = positiveNumber('--task-timeout', flags.taskTimeout, { max: 3600 });
  return {
    concurrency: positiveNumber('--concurrency', flags.concurrency, { integer: true, max: 1024 }) ?? 8,
    timeoutMs: (positiveNumber('--timeout', flags.timeout, { max: 86400 }) ?? 300) * 1000,
    ...(taskTimeout ? { taskTimeoutMs: taskTimeout * 1000 } : {}),
    gate: {
      ...(failUnder !== undefined ? { failUnder } : {}),
      ...(flags.minGrade ? { minGrade: flags.minGrade as Grade } : {}),
      ...(flags.failOn ? { failOn: flags.failOn as GateOptions['failOn'] } : {}),
      ...(flags.allowIncomplete ? { allowIncomplete: true } : {}),
    },
  };
}

export function catalogsOf(checks: LoadedCheck[]): Map<string, Record<string, Catalog>> {
  return new Map(checks.filter((c) => c.def).map((c) => [c.id, c.def!.messages as Record<string, Catalog>]));
}

export function descriptionsOf(checks: LoadedCheck[]): Map<string, string> {
  return new Map(
    checks.flatMap((c) => {
      const d = planningOf(c)?.meta.description;
      return d ? [[c.id, d] as const] : [];
    }),
  );
}

/** Writes the report everywhere asked and returns the exit code (1 when a gate failed). */
export async function emitReport(
  report: Report,
  targets: OutputTarget[],
  flags: OutputFlags,
  checks: LoadedCheck[],
  redactor?: Redactor,
): Promise<number> {
  const ctx: RenderContext = {
    lang: langOf(flags),
    color: colorEnabled(process.stdout, flags.color === false ? false : undefined),
    ...(flags.verbose ? { verbose: true } : {}),
    catalogs: catalogsOf(checks),
    descriptions: descriptionsOf(checks),
    ...(handoverOf(flags) ? { handover: handoverOf(flags)! } : {}),
    ...(redactor ? { redactor } : {}),
    width: process.stdout.columns || 100,
  };
  const { stdout, failures } = await writeOutputs(report, targets, ctx);
  if (stdout !== undefined) await writeStdout(stdout);
  for (const f of failures) {
    const where = f.target.path === '-' ? 'standard output' : f.target.path;
    process.stderr.write(
      `siteready: the ${f.target.format} report ${f.stage === 'render' ? 'could not be rendered (internal error' : `could not be written to ${where} (`}${redactor ? redactor.redact(f.message) : f.message}); the other formats were written\n`,
    );
  }
  const summary = stepSummaryPath(flags.stepSummary);
  if (summary) await appendStepSummary(summary, await render(report, 'md', { ...ctx, color: false }));
  await annotate(report, targets, flags, ctx, redactor);
  // A CI log must say why the job failed, whatever went to stdout and even with --quiet (which
  // silences progress, not the verdict): stdout may be a file, and the exit code alone says nothing.
  if (report.gate && !report.gate.passed) {
    for (const line of gateFailureLines(report, ctx.lang)) process.stderr.write(`siteready: ${mask(line, redactor)}\n`);
  }
  if (failures.some((f) => f.stage === 'render')) return EXIT.INTERNAL;
  if (failures.length) return EXIT.USAGE;
  return report.gate && !report.gate.passed ? EXIT.GATE_FAILED : EXIT.OK;
}

function mask(text: string, redactor: Redactor | undefined): string {
  return redactor ? redactor.redact(text) : text;
}

/** The gate option a reason comes from, as it is spelled on the command line (the site file's `gate:` says the same). */
function gateOption(id: string, options: NonNullable<Report['gate']>['options']): string | undefined {
  switch (id) {
    case 'gate.failUnder':
      return options.failUnder !== undefined ? `--fail-under ${options.failUnder}` : undefined;
    case 'gate.minGrade':
    case 'gate.noGrade':
      return options.minGrade ? `--min-grade ${options.minGrade}` : undefined;
    case 'gate.failOn':
      return options.failOn ? `--fail-on ${options.failOn}` : undefined;
    default:
      return undefined;
  }
}

/** One line per reason a gate failed, in the reader's language: "gate failed: … (--fail-on high)". */
export function gateFailureLines(report: Report, lang: Lang): string[] {
  if (!report.gate || report.gate.passed) return [];
  const { t } = translator(lang);
  const options = report.gate.options;
  return report.gate.reasons.map((m) => {
    const reason = t(m.id, m.params);
    const option = gateOption(m.id, options);
    return option ? t('gate.stderr.failedWith', { reason, option }) : t('gate.stderr.failed', { reason });
  });
}

/** Under GitHub Actions (GITHUB_ACTIONS=true), unless --no-annotations. */
export function annotationsEnabled(enabled: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return enabled !== false && env.GITHUB_ACTIONS === 'true';
}

/**
 * GitHub reads workflow commands from a step's stdout only. When stdout carries a report other
 * than the terminal one (json, sarif, junit, md, html piped or redirected to a file), command
 * lines would corrupt it: none are printed, and stderr says so once.
 */
async function annotate(
  report: Report,
  targets: OutputTarget[],
  flags: OutputFlags,
  ctx: RenderContext,
  redactor?: Redactor,
): Promise<void> {
  if (!annotationsEnabled(flags.annotations)) return;
  const onStdout = targets.find((t) => t.path === '-' && t.format !== 'terminal');
  if (onStdout) {
    if (!flags.quiet) process.stderr.write(`siteready: ${translator(ctx.lang).t('annotations.skipped', { format: onStdout.format })}\n`);
    return;
  }
  const lines = githubAnnotations(report, {
    lang: ctx.lang,
    ...(ctx.catalogs ? { catalogs: catalogsFor(report, ctx.catalogs) } : {}),
    root: process.env.GITHUB_WORKSPACE || process.cwd(),
    ...(redactor ? { mask: (text: string) => redactor.redact(text) } : {}),
  });
  if (lines.length) await writeStdout(`${lines.join('\n')}\n`);
}

/**
 * Every file a command will write, checked before it measures anything: a directory, a read-only
 * place or a full disk is found in a second, not after twenty minutes of measuring (exit 2).
 */
export async function checkOutputTargets(targets: OutputTarget[]): Promise<void> {
  const problems: Diagnostic[] = [];
  for (const t of targets) {
    if (t.path === '-') continue;
    const problem = await outputPathProblem(t.path);
    if (problem)
      problems.push({
        file: t.path,
        message: `cannot write the ${t.format} report to ${t.path}: ${problem}`,
        hint: 'choose another path with --format FORMAT=FILE (or --out FILE)',
      });
  }
  if (problems.length)
    throw new ConfigError(problems.length === 1 ? problems[0]!.message : `${problems.length} output files cannot be written`, problems);
}
