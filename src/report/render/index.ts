// Output routing: `--format terminal,json=report.json` — several renderers at once, at most one
// writing to stdout. Renderers are pure (report → text); only this module writes.

import { UsageError, errorMessage } from '../../errors.js';
import { writeFileAtomic } from '../write-file.js';
import type { Catalog, Message } from '../../plugin-api.js';
import { translator } from '../../i18n/index.js';
import { catalogsFor, messageText } from './localize.js';
import type { Redactor } from '../../site/secrets.js';
import { didYouMean } from '../../util/suggest.js';
import type { Lang } from '../../i18n/index.js';
import type { Report } from '../model.js';
import type { Handover } from '../handover.js';

export const FORMATS = ['terminal', 'json', 'md', 'html', 'junit', 'sarif', 'prom'] as const;
export type Format = (typeof FORMATS)[number];

export interface OutputTarget {
  format: Format;
  /** A file path, or "-" for stdout. */
  path: string;
}

/** `allowed` narrows the formats a command offers (compare writes terminal, json and md only). */
export function parseFormats(spec: string, out?: string, allowed: readonly string[] = FORMATS): OutputTarget[] {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new UsageError('--format needs at least one format', `formats: ${FORMATS.join(', ')}`);
  const targets = entries.map((entry) => {
    const eq = entry.indexOf('=');
    const name = eq >= 0 ? entry.slice(0, eq) : entry;
    const path = eq >= 0 ? entry.slice(eq + 1) : undefined;
    if (!allowed.includes(name)) {
      throw new UsageError(`unknown format "${name}"`, didYouMean(name, allowed) ?? `formats: ${allowed.join(', ')}`);
    }
    if (path === '') throw new UsageError(`--format ${name}= needs a file name after "="`);
    return { format: name as Format, path };
  });
  if (out !== undefined) {
    const open = targets.filter((t) => t.path === undefined && t.format !== 'terminal');
    const candidates = open.length ? open : targets.filter((t) => t.path === undefined);
    if (candidates.length !== 1) {
      throw new UsageError('--out is ambiguous with several formats', 'give each format its own file: --format terminal,json=report.json');
    }
    candidates[0]!.path = out;
  }
  const resolved = targets.map((t) => ({ format: t.format, path: t.path ?? '-' }));
  if (resolved.filter((t) => t.path === '-').length > 1) {
    throw new UsageError('only one format can go to standard output', 'send the others to files: --format terminal,json=report.json');
  }
  return resolved;
}

export interface RenderContext {
  lang: Lang;
  color: boolean;
  verbose?: boolean;
  catalogs?: Map<string, Record<string, Catalog>>;
  redactor?: Redactor;
  width?: number;
  /** Checks' descriptions, for SARIF rule help. */
  descriptions?: Map<string, string>;
  /** Prepared by, for, and the logo: the HTML cover and the Markdown head. */
  handover?: Handover;
}

/** How redaction must treat a format's text so that masking never breaks the format. */
const TEXT_KIND: Record<Format, 'json' | 'xml' | 'text'> = {
  json: 'json',
  sarif: 'json',
  html: 'xml',
  junit: 'xml',
  md: 'text',
  terminal: 'text',
  prom: 'text',
};

/**
 * A report in one format, its secrets masked. Each renderer is loaded when its format is asked
 * for: together they are most of a report command's start-up, and a run writes one or two.
 */
export async function render(report: Report, format: Format, ctx: RenderContext): Promise<string> {
  const text = await renderText(report, format, ctx);
  return ctx.redactor ? ctx.redactor.redactRendered(text, TEXT_KIND[format]) : text;
}

async function renderText(report: Report, format: Format, given: RenderContext): Promise<string> {
  // Plugins' and profiles' text travels in the report; the checks at hand win over it.
  const ctx = { ...given, catalogs: catalogsFor(report, given.catalogs) };
  const catalogs = { catalogs: ctx.catalogs };
  const en = translator('en');
  const english = (check: string, msg: Message) => messageText(en, ctx.catalogs.get(check), msg);
  switch (format) {
    case 'json':
      return (await import('./json.js')).renderJson(report);
    case 'md':
      return (await import('./markdown.js')).renderMarkdown(report, {
        lang: ctx.lang,
        ...catalogs,
        ...(ctx.verbose ? { verbose: true } : {}),
        ...(ctx.handover ? { handover: ctx.handover } : {}),
      });
    case 'html':
      return (await import('./html.js')).renderHtml(report, {
        lang: ctx.lang,
        ...catalogs,
        ...(ctx.handover ? { handover: ctx.handover } : {}),
      });
    case 'junit':
      return (await import('./junit.js')).renderJunit(report, english);
    case 'sarif':
      return (await import('./sarif.js')).renderSarif(report, {
        text: english,
        template: (check, id) => ctx.catalogs.get(check)?.en?.[id],
        ...(ctx.descriptions ? { descriptions: ctx.descriptions } : {}),
      });
    case 'prom':
      return (await import('./prometheus.js')).renderPrometheus(report);
    case 'terminal':
      return (await import('./terminal.js')).renderTerminal(report, {
        lang: ctx.lang,
        color: ctx.color,
        ...(ctx.verbose ? { verbose: true } : {}),
        ...catalogs,
        ...(ctx.width ? { width: ctx.width } : {}),
      });
  }
}

export interface OutputFailure {
  target: OutputTarget;
  /** render: a renderer threw (the tool's defect); write: the file could not be written. */
  stage: 'render' | 'write';
  message: string;
}

/**
 * Renders every target and writes each file on its own, atomically: one format that cannot be
 * rendered or written does not cost the others. Text for stdout is returned for the caller to print.
 */
export async function writeOutputs(
  report: Report,
  targets: OutputTarget[],
  ctx: RenderContext,
): Promise<{ stdout?: string; failures: OutputFailure[] }> {
  let stdout: string | undefined;
  const failures: OutputFailure[] = [];
  for (const target of targets) {
    let text: string;
    try {
      text = await render(report, target.format, target.path === '-' ? ctx : { ...ctx, color: false });
    } catch (err) {
      failures.push({ target, stage: 'render', message: errorMessage(err) });
      continue;
    }
    if (target.path === '-') {
      stdout = text;
      continue;
    }
    try {
      await writeFileAtomic(target.path, text);
    } catch (err) {
      failures.push({ target, stage: 'write', message: errorMessage(err) });
    }
  }
  return { ...(stdout !== undefined ? { stdout } : {}), failures };
}
