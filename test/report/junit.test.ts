// JUnit XML from the fixture: well-formed (xmllint when installed, and a small checker of our own
// either way), one testcase per result, the counts right, findings in failures, escaping.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/render/junit.js';
import { stripIllegalXml, xmlAttr, xmlText } from '../../src/report/render/xml-escape.js';
import { requireTool } from '../helpers/cli.js';
import { hasTool } from '../helpers/peers.js';
import { englishMessages } from '../helpers/report-text.js';
import { fixtureCatalogs, fixtureReport } from './report-fixture.js';

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    if (e in ENTITIES) return ENTITIES[e]!;
    throw new Error(`unknown entity ${m}`);
  });
}

/** A strict little XML parser: enough to prove well-formedness of what the renderer writes. */
function parseXml(xml: string): XmlNode {
  if (/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml)) throw new Error('character not allowed in XML 1.0');
  let i = 0;
  const decl = /^<\?xml[^?]*\?>\s*/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  while (i < xml.length) {
    if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(xml.slice(i));
      if (!m) throw new Error(`bad end tag at ${i}`);
      const open = stack.pop();
      if (!open || open.name !== m[1]) throw new Error(`</${m[1]}> closes <${open?.name}> at ${i}`);
      i += m[0].length;
    } else if (xml[i] === '<') {
      const m = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/.exec(xml.slice(i));
      if (!m) throw new Error(`bad start tag at ${i}: ${xml.slice(i, i + 60)}`);
      const attrs: Record<string, string> = {};
      for (const a of m[2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*"([^"]*)"/g)) {
        if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`);
        attrs[a[1]!] = decode(a[2]!);
      }
      const node: XmlNode = { name: m[1]!, attrs, children: [], text: '' };
      if (stack.length) stack[stack.length - 1]!.children.push(node);
      else if (root) throw new Error('two root elements');
      else root = node;
      if (!m[3]) stack.push(node);
      i += m[0].length;
    } else {
      const end = xml.indexOf('<', i);
      const raw = xml.slice(i, end < 0 ? undefined : end);
      if (raw.includes('>') && /]]>/.test(raw)) throw new Error(']]> in text');
      if (/&(?!(#x[0-9a-f]+|#\d+|\w+);)/i.test(raw)) throw new Error(`bare & in text at ${i}`);
      if (stack.length) stack[stack.length - 1]!.text += decode(raw);
      else if (raw.trim()) throw new Error('text outside the root element');
      i = end < 0 ? xml.length : end;
    }
  }
  if (stack.length || !root) throw new Error('unclosed elements');
  return root;
}

function all(node: XmlNode, name: string): XmlNode[] {
  return [...(node.name === name ? [node] : []), ...node.children.flatMap((c) => all(c, name))];
}

describe('xml escaping', () => {
  it('escapes markup and drops characters XML 1.0 cannot carry', () => {
    expect(xmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(xmlAttr('"x"\n\'y\'')).toBe('&quot;x&quot;&#10;&apos;y&apos;');
    expect(stripIllegalXml('a\u0000b\u0007c\u001bd\uFFFEe\uD800f\tg')).toBe('abcdef\tg');
    expect(stripIllegalXml('😀 中文')).toBe('😀 中文');
  });
});

describe('junit from the fixture', async () => {
  const report = fixtureReport();
  // A 2.0.0 report carries the compliance profiles' catalogs; the fixture predates that.
  report.catalogs = { compliance: (await fixtureCatalogs(report)).get('compliance')! };
  // Hostile data: markup, quotes, control characters and a CDATA terminator in a message. Reports
  // carry ids and parameters, so it comes in as a parameter rendered into the English text.
  const hostile = report.results.find((r) => r.status === 'fail' && !r.waiver)!;
  const hostileMessage = hostile.findings[0]!.message;
  hostileMessage.params = { ...hostileMessage.params, why: `<script>"x" & 'y' ]]> \u0000\u0007\u001b end` };
  const english = await englishMessages(report);
  const xml = renderJunit(report, english);

  it('is well-formed XML', () => {
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    if (requireTool(hasTool('xmllint'), 'xmllint')) {
      const dir = mkdtempSync(join(tmpdir(), 'sr-junit-'));
      try {
        writeFileSync(join(dir, 'r.xml'), xml);
        const lint = spawnSync('xmllint', ['--noout', join(dir, 'r.xml')], { encoding: 'utf8' });
        expect(lint.status, lint.stderr).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('one testcase per (check, target): classname = category, name = check · target, time in seconds', () => {
    const root = parseXml(xml);
    const cases = all(root, 'testcase');
    expect(cases).toHaveLength(report.results.length);
    const names = new Set(cases.map((c) => c.attrs.name));
    expect(names.size).toBe(cases.length);
    const bufferbloat = cases.find((c) => c.attrs.name === 'bufferbloat · lab-reflector')!;
    expect(bufferbloat.attrs.classname).toBe('network');
    expect(bufferbloat.attrs.time).toBe((report.results.find((r) => r.check === 'bufferbloat')!.durationMs / 1000).toFixed(3));
    for (const c of cases) expect(c.attrs.time).toMatch(/^\d+\.\d{3}$/);
  });

  it('counts: failures, errors, skipped per suite and in total', () => {
    const root = parseXml(xml);
    const suites = all(root, 'testsuite');
    let tests = 0;
    for (const s of suites) {
      const cases = all(s, 'testcase');
      expect(Number(s.attrs.tests)).toBe(cases.length);
      expect(Number(s.attrs.failures)).toBe(cases.filter((c) => c.children.some((x) => x.name === 'failure')).length);
      expect(Number(s.attrs.errors)).toBe(cases.filter((c) => c.children.some((x) => x.name === 'error')).length);
      expect(Number(s.attrs.skipped)).toBe(cases.filter((c) => c.children.some((x) => x.name === 'skipped')).length);
      tests += cases.length;
    }
    expect(Number(root.attrs.tests)).toBe(tests);
    const unwaivedFails = report.results.filter((r) => r.status === 'fail' && !r.waiver).length;
    const skipped = report.results.filter((r) => r.status === 'skipped' || r.waiver).length;
    expect(Number(root.attrs.failures)).toBe(unwaivedFails);
    expect(Number(root.attrs.skipped)).toBe(skipped);
  });

  it('failures carry the finding: message, severity, remediation; waivers and n/a are skipped with the reason', () => {
    const root = parseXml(xml);
    const cases = all(root, 'testcase');
    const failure = cases.flatMap((c) => c.children).find((x) => x.name === 'failure' && x.attrs.message!.includes('<script>'))!;
    expect(failure.attrs.message).toBe(english(hostile.check, hostileMessage).replace(/[\u0000\u0007\u001b]/g, ''));
    expect(failure.attrs.message).toMatch(/: <script>"x" & 'y' \]\]> {2}end$/);
    expect(failure.attrs.type).toMatch(/^(critical|high|medium|low|info):/);
    const withFix = cases.flatMap((c) => c.children).find((x) => x.name === 'failure' && x.text.includes('Remediation: '));
    expect(withFix).toBeDefined();
    const waived = cases.find((c) => c.attrs.name === 'tcp · recording-archive')!;
    expect(waived.children[0]!.name).toBe('skipped');
    expect(waived.children[0]!.attrs.message).toMatch(/^waived: Recording archive/);
    const na = cases.find((c) => c.attrs.name === 'sso · -')!;
    expect(na.children[0]!.attrs.message).toMatch(/^not applicable/);
  });

  it('an unwaived error result is an <error>', async () => {
    const r = fixtureReport();
    r.catalogs = report.catalogs;
    const e = r.results.find((x) => x.status === 'error')!;
    delete e.waiver;
    const cases = all(parseXml(renderJunit(r, await englishMessages(r))), 'testcase');
    const c = cases.find((x) => x.attrs.name === `${e.check} · ${e.target}.${String(e.facts.rule)}`)!;
    expect(c.children[0]!.name).toBe('error');
  });
});
