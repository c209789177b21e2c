// The start of every siteready HTML document — site report, fleet report, run history: one file
// that opens offline, runs no script and loads nothing (the Content-Security-Policy says so), with
// the shared styles and whatever a page adds to them.

import { html, trusted, type SafeHtml } from './html-escape.js';
import { HTML_STYLES } from './html-styles.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** `<!DOCTYPE html>` to `</head>`; `css` follows the shared styles (trusted: the page's own rules). */
export function documentHead(o: { lang: string; title: string | SafeHtml; version: string; css?: string }): SafeHtml {
  return html`<!DOCTYPE html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="siteready ${o.version}">
<title>${o.title}</title>
<style>${trusted(HTML_STYLES)}${o.css ? trusted(`\n${o.css}`) : ''}</style>
</head>`;
}
