// The HTML report: content and translation from the fixture report, escaping of hostile data,
// no external resources, and a real render in headless Chromium (DOM, screenshot, PDF).

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogsOf } from '../../src/cli/output.js';
import { loadProfileRef } from '../../src/compliance/registry.js';
import { complianceCheck } from '../../src/compliance/stage.js';
import type { Catalog } from '../../src/plugin-api.js';
import { en } from '../../src/i18n/en.js';
import { zhCN } from '../../src/i18n/zh-CN.js';
import type { Report } from '../../src/report/model.js';
import { renderHtml } from '../../src/report/render/html.js';
import { changeKind, effortOf } from '../../src/report/render/html-effort.js';
import { builtinChecks } from '../../src/runner/registry.js';
import { ROOT, requireTool } from '../helpers/cli.js';
import { findChromium, runChromium } from '../helpers/chromium.js';

const FIXTURE = join(ROOT, 'test/fixtures/report-every-status.json');
const ARTIFACTS = join(ROOT, 'test/artifacts');

function fixture(): Report {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
}

let catalogs: Map<string, Record<string, Catalog>>;
beforeAll(async () => {
  const checks = [...(await builtinChecks()), complianceCheck([loadProfileRef('baseline', ROOT)])];
  catalogs = catalogsOf(checks);
});

/** A copy of the fixture whose site name and server-supplied strings try to break out of the markup. */
function hostile(): Report {
  const r = fixture();
  const attack = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
  r.site.name = `Evil ${attack}`;
  r.site.organisation = `Org '${attack}`;
  const idle = r.results.find((x) => x.check === 'idle' && x.findings.length)!;
  idle.findings[0]!.params = { ...idle.findings[0]!.params, endpoint: attack };
  idle.target = attack;
  r.blockers.find((b) => b.check === 'idle')!.target = attack;
  const tls = r.results.find((x) => x.check === 'tls' && Array.isArray(x.facts.accepted))!;
  (tls.facts as Record<string, any>).certificate.chain[0].subject = `CN=${attack}`;
  r.waivers[0]!.justification = attack;
  r.siteDescription = { site: { name: attack } };
  return r;
}

const FETCHING_TAGS = /^(script|iframe|frame|object|embed|link|img|image|video|audio|source|track|base|use)$/i;
const FETCHING_ATTRIBUTES = /^(src|href|xlink:href|action|formaction|poster|data|srcset|background|ping|manifest)$/i;

/**
 * What would make a browser fetch something: fetching elements, URL attributes that are not
 * in-page anchors, CSS imports and url() that do not point into the page. Only real markup counts:
 * report data is escaped text, so "<img src=x>" in a site name is not an element.
 */
function externalReferences(markup: string): string[] {
  const found: string[] = [];
  for (const [tag] of markup.matchAll(/<[a-z][^>]*>/gi)) {
    const name = /^<([a-z0-9:-]+)/i.exec(tag)![1]!;
    if (FETCHING_TAGS.test(name)) found.push(tag);
    for (const m of tag.matchAll(/\s([a-z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      const attr = m[1]!;
      const value = (m[2] ?? m[3] ?? m[4] ?? '')
        .replace(/&amp;/g, '&')
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"');
      if (FETCHING_ATTRIBUTES.test(attr) && !value.startsWith('#')) found.push(`${attr}=${value}`);
      if (/url\(\s*["']?(?!#)/i.test(value) || /@import/i.test(value)) found.push(`${attr}=${value}`);
    }
  }
  for (const [, css] of markup.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) {
    for (const m of css!.matchAll(/@import[^;]*|url\(\s*["']?(?!#)[^)]*\)/gi)) found.push(m[0]);
  }
  return found;
}

describe('HTML report', () => {
  it('renders the key facts in English', () => {
    const report = fixture();
    const out = renderHtml(report, { lang: 'en', catalogs });
    expect(out.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(out).toContain('READY WITH RISKS');
    expect(out).toContain('86/100');
    expect(out).toMatch(/class="grade [^"]*">B</);
    expect(out).toContain('capped at B: an unwaived high-severity failure');
    for (const b of report.blockers) {
      expect(out).toContain(`data-blocker="${b.check}|${b.target}|${b.finding}"`);
    }
    expect(out).toContain('Serve every messaging, API, file and directory endpoint over TLS');
    for (const c of report.categories) expect(out).toContain(`id="cat-${c.id}"`);
    for (const label of ['Network', 'Security', 'Compliance', 'Integration', 'Capacity']) expect(out).toContain(label);
    // What the checks show of their facts — the RTT series and throughput bars as charts, the TLS
    // matrix and the QoS classes as tables — then compliance, waivers, appendix.
    expect((out.match(/<div class="block chart">(?:<div class="block-title">[^<]*<\/div>)?<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(out).toContain('Protocol versions × cipher suites accepted');
    expect(out).toContain('DSCP marks per class, each way');
    expect(out).toContain('data-rule="baseline.encryption-in-transit"');
    expect(out).toContain('CIS Controls v8 Safeguard 3.10');
    expect(out).toContain('2030-12-31');
    expect(out).toContain('it-infra@example.com');
    expect(out).toContain('${SITEREADY_LAB_PROXY_PASSWORD}');
    expect(out).toContain('5f1d8e02c42bd5ca3251fc743a3c689c66457cead7b599161c72944033a26cf2');
  });

  it('derives owners from waivers and states how effort is estimated', () => {
    const report = fixture();
    // A waiver naming an owner for the capacity check makes that person the blocker's owner.
    report.waivers.push({
      check: 'capacity',
      justification: 'x',
      owner: 'net-plan@example.com',
      status: 'unused',
      matches: [],
      location: { file: 'f', line: 1, column: 1 },
    });
    const out = renderHtml(report, { lang: 'en', catalogs });
    expect(out).toContain('net-plan@example.com (waiver owner)');
    expect(out).toContain('Security team (suggested)');
    expect(out).toContain('Effort is an estimate from the kind of change and its severity');
    expect(out).toMatch(/Weeks <span class="muted">\(infrastructure change\)/);
  });

  it('estimates effort from the kind of change and the severity', () => {
    const report = { checks: [{ id: 'capacity', fixKind: 'infrastructure' as const }, { id: 'tls' }, { id: 'compliance' }] };
    expect(effortOf(changeKind(report, { check: 'tls', category: 'security' }), 'low')).toBe('hours');
    expect(effortOf(changeKind(report, { check: 'tls', category: 'security' }), 'critical')).toBe('days');
    expect(effortOf(changeKind(report, { check: 'compliance', category: 'compliance' }), 'medium')).toBe('days');
    expect(effortOf(changeKind(report, { check: 'compliance', category: 'compliance' }), 'high')).toBe('weeks');
    expect(effortOf(changeKind(report, { check: 'capacity', category: 'capacity' }), 'low')).toBe('weeks');
  });

  it('renders a report where nothing could be measured, with every series and section missing', () => {
    const report = fixture();
    Object.assign(report, {
      score: null,
      grade: null,
      gradeNote: 'unreachable',
      verdict: 'NOT READY',
      complete: false,
      compliance: undefined,
      waivers: [],
      siteDescription: undefined,
    });
    delete report.gradeCap;
    delete report.uncappedGrade;
    report.results = report.results
      .filter((r) => r.check === 'dns')
      .map(
        (r) =>
          ({
            ...r,
            status: 'error',
            measurements: [],
            facts: {},
            findings: [],
            error: { kind: 'timeout', message: 'no answer' },
          }) as Report['results'][number],
      );
    report.categories = report.categories.map((c) => ({ ...c, score: null, status: c.id === 'network' ? 'incomplete' : 'not-applicable' }));
    for (const lang of ['en', 'zh-CN'] as const) {
      const out = renderHtml(report, { lang, catalogs });
      expect(out).toContain(lang === 'en' ? 'NOT READY' : '未就绪');
      expect(out).toContain(lang === 'en' ? 'no target could be reached' : '所有目标均不可达');
      expect(out).not.toContain('data-chart=');
      expect(out).not.toContain('NaN');
    }
  });

  it('renders the key facts in Chinese with no English catalog text left', () => {
    const out = renderHtml(fixture(), { lang: 'zh-CN', catalogs });
    expect(out).toContain('<html lang="zh-CN">');
    expect(out).toContain('就绪但有风险');
    expect(out).toContain('86/100');
    expect(out).toContain('执行摘要');
    expect(out).toContain('合规');
    // A single English word may be a data value (a profile named "audio", a reference's "Appendix");
    // a whole text node equal to a catalog text, or a phrase of several words inside one, is a leak.
    const nodes = textNodes(out);
    const leaks: string[] = [];
    for (const [id, value] of Object.entries(en)) {
      if (!/^(html|report)\./.test(id) || zhCN[id] === value) continue;
      for (const piece of value.split(/\{\w+\}/)) {
        const literal = piece
          .trim()
          .replace(/^[,.:;()·]+|[,.:;()·]+$/g, '')
          .trim();
        if (!/[A-Za-z]{3}/.test(literal)) continue;
        const phrase = literal.split(/\s+/).length >= 3;
        const hit = nodes.find((n) => n === literal || (phrase && n.includes(literal)));
        if (hit !== undefined) leaks.push(`${id}: "${literal}" in "${hit.slice(0, 80)}"`);
      }
    }
    expect(leaks, leaks.join('\n')).toEqual([]);
    // The blockers' findings come through the checks' Chinese catalogs.
    expect(out).toContain('评级被限制为');
  });

  it('escapes hostile site names and server-supplied strings', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const out = renderHtml(hostile(), { lang, catalogs });
      expect(out).not.toMatch(/<script/i);
      // The site name also reaches the stylesheet (the printed footer): it cannot close it.
      expect(out.match(/<\/style>/g)).toHaveLength(1);
      expect(out).not.toMatch(/<img/i);
      // The payload survives only as text or inside a quoted value: no tag carries an event handler.
      const handlers = [...out.matchAll(/<[a-z][^>]*>/gi)]
        .map((m) => m[0].replace(/"[^"]*"/g, '""'))
        .filter((tag) => /\son[a-z]+\s*=/i.test(tag));
      expect(handlers).toEqual([]);
      expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
      expect(externalReferences(out)).toEqual([]);
    }
  });

  it('references nothing outside the file', () => {
    // The detector itself finds what it is meant to find.
    expect(externalReferences('<img src="https://example.com/x.png"><a href="#summary">s</a>')).toHaveLength(2);
    expect(externalReferences('<style>@import "x.css"; b { background: url(http://example.com/x) }</style>')).toHaveLength(2);
    expect(externalReferences('<rect fill="url(#hatch)"/><p>&lt;img src=x&gt;</p>')).toEqual([]);
    for (const lang of ['en', 'zh-CN'] as const) {
      const out = renderHtml(fixture(), { lang, catalogs });
      expect(externalReferences(out)).toEqual([]);
      expect(out).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
      expect(out).not.toMatch(/@import|url\(\s*["']?http/i);
      expect(out).toContain('default-src &#39;none&#39;');
    }
  });
});

const chromium = findChromium();

describe.skipIf(!requireTool(chromium !== undefined, 'chromium'))('HTML report in headless Chromium', () => {
  let dir: string;
  let file: string;
  let zhFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'siteready-html-'));
    file = join(dir, 'report.html');
    zhFile = join(dir, 'report.zh-CN.html');
    await writeFile(file, renderHtml(fixture(), { lang: 'en', catalogs }), 'utf8');
    await writeFile(zhFile, renderHtml(fixture(), { lang: 'zh-CN', catalogs }), 'utf8');
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders the DOM with the key facts and no external resources', async () => {
    const report = fixture();
    const run = await runChromium(chromium!, ['--dump-dom'], pathToFileURL(file).href);
    expect(run.timedOut).toBe(false);
    const dom = run.stdout;
    expect(dom).toContain('<main>');
    expect(dom).toMatch(/data-fact="verdict"[^>]*>READY WITH RISKS</);
    expect(dom).toMatch(/data-fact="score"[^>]*>86\/100</);
    for (const b of report.blockers) {
      expect(dom).toContain(`${b.check} · ${b.target}`);
    }
    expect(dom).toMatch(/<dt>Grade<\/dt><dd>B \(score \d+\)<\/dd>/);
    expect(dom).toContain('data-rule="baseline.audit-logging"');
    expect(dom).toContain('<svg');
    expect(externalReferences(dom)).toEqual([]);
  }, 90_000);

  it('renders the Chinese report', async () => {
    const run = await runChromium(chromium!, ['--dump-dom'], pathToFileURL(zhFile).href);
    expect(run.timedOut).toBe(false);
    expect(run.stdout).toMatch(/data-fact="verdict"[^>]*>就绪但有风险</);
    expect(externalReferences(run.stdout)).toEqual([]);
  }, 90_000);

  it('takes a screenshot kept as an artifact', async () => {
    const png = join(ARTIFACTS, 'report-html.png');
    await rm(png, { force: true });
    const run = await runChromium(
      chromium!,
      [`--screenshot=${png}`, '--window-size=1280,4000', '--hide-scrollbars'],
      pathToFileURL(file).href,
    );
    expect(run.timedOut).toBe(false);
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(1280);
    expect(bytes.length).toBeGreaterThan(50_000);
  }, 90_000);

  it('prints to a PDF of several pages', async () => {
    const pdf = join(ARTIFACTS, 'report-html.pdf');
    await rm(pdf, { force: true });
    const run = await runChromium(chromium!, [`--print-to-pdf=${pdf}`, '--no-pdf-header-footer'], pathToFileURL(file).href);
    expect(run.timedOut).toBe(false);
    expect(existsSync(pdf)).toBe(true);
    expect((await stat(pdf)).size).toBeGreaterThan(20_000);
    const body = (await readFile(pdf)).toString('latin1');
    expect(body.startsWith('%PDF-')).toBe(true);
    const pages = body.match(/\/Type\s*\/Page(?!s)/g) ?? [];
    expect(pages.length).toBeGreaterThan(1);
  }, 90_000);
});

/**
 * The text nodes a reader sees, entities decoded and trimmed. Identifiers (set in monospace: check
 * ids, targets, measurement ids), code and the site description are data, not messages: left out.
 */
function textNodes(markup: string): string[] {
  return markup
    .replace(/<style>[\s\S]*?<\/style>/g, '<x>')
    .replace(/<(span|td|div)\b[^>]*class="[^"]*\bmono\b[^"]*"[^>]*>[\s\S]*?<\/\1>/g, '<x>')
    .replace(/<(code|pre)\b[^>]*>[\s\S]*?<\/\1>/g, '<x>')
    .split(/<[^>]+>/)
    .map((t) =>
      t
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&')
        .trim(),
    )
    .filter(Boolean);
}
