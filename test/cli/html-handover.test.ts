// The HTML a consultant hands over, printed as a client would print it: the summary (verdict,
// score, categories, the first actions) is page one alone, the causes chapter starts page two;
// passing results are folded; the cover names who prepared it, for whom, under their logo.
// Chromium prints the demo's report; poppler's pdftotext reads the pages back. The screenshot and
// the PDF stay in test/artifacts for a person to look at.

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTool, runCli } from '../helpers/cli.js';
import { findChromium, runChromium } from '../helpers/chromium.js';

const chromium = findChromium();
const pdftotext = spawnSync('sh', ['-c', 'command -v pdftotext'], { encoding: 'utf8' }).status === 0;
const available = requireTool(Boolean(chromium) && pdftotext, 'chromium and pdftotext (poppler-utils)');
const ARTIFACTS = join(ROOT, 'test/artifacts');
// A 1×1 PNG: the smallest logo there is.
const LOGO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe.skipIf(!available)('the HTML handed over, printed', () => {
  let dir: string;
  let html: string;
  const pdf = join(ARTIFACTS, 'handover.pdf');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'siteready-handover-'));
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(join(dir, 'logo.png'), LOGO);
    const file = join(dir, 'report.html');
    const run = await runCli(
      [
        'demo',
        '--lang',
        'en',
        '--quiet',
        '-f',
        `html=${file}`,
        '--prepared-by',
        'Jane Doe, Example Consulting',
        '--client',
        'Example Bank',
        '--logo',
        join(dir, 'logo.png'),
      ],
      { timeoutMs: 150_000 },
    );
    expect(run.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    html = await readFile(file, 'utf8');
    await rm(pdf, { force: true });
    const printed = await runChromium(chromium!, [`--print-to-pdf=${pdf}`, '--no-pdf-header-footer'], pathToFileURL(file).href, 90_000);
    expect(printed.timedOut).toBe(false);
    await runChromium(
      chromium!,
      ['--window-size=1280,1600', `--screenshot=${join(ARTIFACTS, 'handover.png')}`],
      pathToFileURL(file).href,
      90_000,
    );
  }, 200_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const page = (n: number) => spawnSync('pdftotext', ['-layout', '-f', String(n), '-l', String(n), pdf, '-'], { encoding: 'utf8' }).stdout;

  it('page one is the summary alone; the causes start page two', () => {
    const first = page(1);
    expect(first).toMatch(/Executive summary/);
    expect(first).toMatch(/NOT READY|READY WITH RISKS|READY/);
    expect(first).toMatch(/First actions/);
    // The causes chapter's own text (its intro) is not on page one; the summary only points at it.
    expect(first).not.toMatch(/Each entry is one root cause/);
    expect(page(2)).toMatch(/^\s*Do these first/);
  });

  it('the cover names who prepared it, for whom, with the logo embedded', () => {
    expect(html).toMatch(/data-fact="prepared-by">Prepared by Jane Doe, Example Consulting</);
    expect(html).toMatch(/data-fact="client">Prepared for Example Bank</);
    expect(html).toMatch(/<img class="logo" src="data:image\/png;base64,/);
  });

  it('has the vantage-point and methodology sections, and folds passing results', () => {
    expect(html).toContain('id="vantage-point"');
    expect(html).toContain('id="methodology"');
    expect(html).toMatch(/<details class="passing"><summary>\d+ passing or not applicable result\(s\)<\/summary>/);
  });
});

describe('--logo is checked before anything is measured', () => {
  it('a missing or oversized logo is a usage error (exit 2)', async () => {
    const missing = await runCli(['demo', '--logo', '/nonexistent/logo.png', '-f', 'html=/dev/null']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--logo \/nonexistent\/logo\.png: no such file/);
    const wrong = await runCli(['demo', '--logo', 'README.md', '-f', 'html=/dev/null']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/not a PNG, JPEG or SVG/);
  });
});
