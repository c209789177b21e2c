// The report's stylesheet, inline so the file stands alone. System fonts only (nothing to fetch);
// statuses carry a text label and a distinct border/fill pattern so they survive greyscale print.

export const HTML_STYLES = `
:root {
  --ink: #1d2433; --muted: #5b6477; --line: #d9dee8; --soft: #f4f6fa; --accent: #1f4e8c;
  --pass: #1e7b4a; --pass-bg: #e3f4ea; --warn: #8a5a00; --warn-bg: #fff1d1;
  --fail: #b3261e; --fail-bg: #fde5e3; --info: #44546a; --info-bg: #eef1f6; --error: #7a2e8e; --error-bg: #f4e6f8;
}
* { box-sizing: border-box; }
html { font-size: 10.5pt; }
body {
  margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
}
main { max-width: 1120px; margin: 0 auto; padding: 32px 40px 48px; }
h1, h2, h3, h4 { line-height: 1.2; margin: 0 0 .5em; }
h1 { font-size: 2rem; font-weight: 700; letter-spacing: -.01em; }
h2 { font-size: 1.5rem; font-weight: 650; color: var(--accent); border-bottom: 2px solid var(--accent); padding-bottom: .25em; margin-top: 0; }
h3 { font-size: 1.15rem; font-weight: 650; margin-top: 1.4em; }
h3.evidence-head { font-size: .85rem; text-transform: uppercase; letter-spacing: .1em; color: var(--muted); margin-top: 2em; }
h4 { font-size: 1rem; font-weight: 600; margin-top: 1em; color: var(--muted); }
p { margin: .4em 0 .8em; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: .88em; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.small { font-size: .88em; }
section.chapter { margin-top: 40px; }

/* Cover */
header.cover { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; border-bottom: 1px solid var(--line); padding-bottom: 20px; }
header.cover .kicker { text-transform: uppercase; letter-spacing: .12em; font-size: .8rem; color: var(--accent); font-weight: 700; margin-bottom: 6px; }
header.cover .meta { color: var(--muted); text-align: right; font-size: .92em; }
header.cover img.logo { max-height: 56px; max-width: 240px; display: block; margin-bottom: 10px; }
nav.toc { margin: 18px 0 28px; }
ol.first-actions { padding-left: 1.4em; margin: 6px 0; }
ol.first-actions > li { margin: 6px 0; }
details.passing { margin: 6px 0 12px; }
details.passing > summary { cursor: pointer; color: var(--muted); font-size: .9em; }
nav.toc ol { columns: 2; margin: .5em 0 0; padding-left: 1.4em; }
nav.toc a { color: var(--ink); text-decoration: none; }

/* Summary */
.summary-top { display: grid; grid-template-columns: 260px 1fr; gap: 28px; align-items: center; margin: 16px 0 8px; }
.verdict { display: inline-block; font-size: 1.35rem; font-weight: 800; letter-spacing: .04em; padding: .35em .8em; border-radius: 6px; border: 3px solid currentColor; }
.verdict-READY { color: var(--pass); background: var(--pass-bg); }
.verdict-READY-WITH-RISKS { color: var(--warn); background: var(--warn-bg); border-style: dashed; }
.verdict-NOT-READY { color: #fff; background: var(--fail); border-color: var(--fail); }
.facts { display: flex; gap: 28px; margin: 14px 0 6px; flex-wrap: wrap; }
.fact .label { font-size: .8rem; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
.fact .value { font-size: 1.6rem; font-weight: 700; }
.lead { font-size: 1.08rem; }
.note { font-size: .88em; color: var(--muted); border-left: 3px solid var(--line); padding-left: 10px; }

/* Tables */
table { width: 100%; border-collapse: collapse; margin: .6em 0 1em; table-layout: auto; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; word-break: normal; }
th { overflow-wrap: normal; hyphens: auto; font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); }
tr.has-detail td { border-bottom: none; }
tr.detail td { padding-top: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
table.kv th { width: 28%; text-transform: none; letter-spacing: 0; font-size: .92em; color: var(--muted); border-bottom: 1px solid var(--line); }
thead { display: table-header-group; }
tr { break-inside: avoid; }

/* Status and severity badges: text + colour + border style (greyscale-safe) */
.badge { display: inline-block; padding: .05em .55em; border-radius: 999px; font-size: .8rem; font-weight: 700; white-space: nowrap; border: 1.5px solid currentColor; }
.s-pass { color: var(--pass); background: var(--pass-bg); }
.s-warn { color: var(--warn); background: var(--warn-bg); border-style: dashed; }
.s-fail { color: #fff; background: var(--fail); border-color: var(--fail); }
.s-error { color: var(--error); background: var(--error-bg); border-style: dotted; }
.s-info, .s-skipped, .s-waived { color: var(--info); background: var(--info-bg); border-style: dotted; }
.sev-critical { color: #fff; background: #7f1d1d; border-color: #7f1d1d; }
.sev-high { color: #fff; background: var(--fail); border-color: var(--fail); }
.sev-medium { color: var(--warn); background: var(--warn-bg); border-style: dashed; }
.sev-low, .sev-info { color: var(--info); background: var(--info-bg); border-style: dotted; }
.grade { display: inline-block; min-width: 2.2em; text-align: center; font-weight: 800; padding: .1em .4em; border-radius: 6px; border: 2px solid currentColor; }
.grade-good { color: var(--pass); } .grade-mid { color: var(--warn); } .grade-bad { color: var(--fail); }

/* Blockers */
ol.blockers { list-style: none; padding: 0; margin: 0; }
ol.blockers > li { border: 1px solid var(--line); border-left: 5px solid var(--fail); border-radius: 6px; padding: 10px 14px; margin: 10px 0; break-inside: avoid; }
ol.blockers > li.sev-border-medium { border-left-color: #d4a017; border-left-style: dashed; }
ol.blockers > li.sev-border-low, ol.blockers > li.sev-border-info { border-left-color: #8795ab; border-left-style: dotted; }
.blocker-head { font-weight: 650; }
.blocker-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 24px; margin-top: 6px; }
.blocker-grid .label { font-size: .78rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.fix { background: var(--soft); border-radius: 4px; padding: 6px 10px; margin: 6px 0; }

/* Category score bars */
.bars { display: grid; grid-template-columns: 150px 1fr 60px; gap: 6px 12px; align-items: center; }
.bar { height: 14px; background: var(--soft); border: 1px solid var(--line); border-radius: 3px; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--accent); }

/* Check blocks */
.check { margin: 18px 0 26px; }
.check-head { display: flex; justify-content: space-between; gap: 12px; align-items: baseline; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.check-head h3 { margin: 0; }
.block { margin: 8px 0; break-inside: avoid; }
.block-title { font-weight: 650; font-size: .85rem; margin-bottom: 2px; }
.block-table { border-collapse: collapse; width: auto; }
.block-table th, .block-table td { padding: 2px 10px 2px 0; text-align: left; border-bottom: 1px solid var(--line); }
.block-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.block-kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
.block-kv dt { color: var(--muted); }
.block-kv dd { margin: 0; }
.block.chart svg { max-width: 560px; }
ul.measures { list-style: none; margin: 0; padding: 0; }
ul.measures li { padding: 1px 0; }
ul.findings { margin: 4px 0 0; padding-left: 1.1em; }
ul.findings li { margin: 2px 0 6px; }
.refs { font-size: .85em; color: var(--muted); }

/* Charts */
figure.chart { margin: 14px 0 20px; break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart figcaption { font-size: .88em; color: var(--muted); margin-top: 4px; }
.chart-row { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
svg text { font-family: inherit; }

/* TLS matrix */
.tls-endpoint { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; break-inside: avoid; }
table.matrix td, table.matrix th { text-align: center; }
table.matrix td:first-child, table.matrix th:first-child { text-align: left; }
.cell-recommended, .cell-secure { background: var(--pass-bg) !important; color: var(--pass); font-weight: 700; }
.cell-weak { background: var(--warn-bg) !important; color: var(--warn); font-weight: 700; outline: 1.5px dashed var(--warn); outline-offset: -3px; }
.cell-insecure { background: var(--fail) !important; color: #fff; font-weight: 700; }
.cell-empty { color: #b6bdca; }

pre.site { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; font-size: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
footer.doc { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: .85em; display: flex; justify-content: space-between; }

@media print {
  html { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  section.chapter { break-before: page; margin-top: 0; }
  /* Page one is the summary alone: the contents are for the screen, every chapter starts a page. */
  nav.toc { display: none; }
  section#summary { break-after: page; }
  details > summary { list-style: none; }
  h2, h3, h4 { break-after: avoid; }
  .check, figure.chart, .tls-endpoint, table.kv { break-inside: avoid-page; }
  .check { break-inside: auto; }
  a { color: inherit; text-decoration: none; }
}
`;

/**
 * Paper layout: A4 margins with the report's name at the bottom left and "page / pages" at the
 * bottom right (page-margin boxes; browsers without them print their own header and footer in
 * the same margins). The footer text is report data, so it goes in as a CSS string in which every
 * character but letters, digits and spaces is a hex escape: nothing can end the string or the
 * style element.
 */
export function pageStyles(footer: string): string {
  return `@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-left { content: ${cssString(footer)}; font-size: 8pt; color: #5b6477; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #5b6477; }
}`;
}

export function cssString(text: string): string {
  return `"${[...text].map((ch) => (/[A-Za-z0-9 ]/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16)} `)).join('')}"`;
}
