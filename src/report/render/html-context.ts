// The two sections a reader needs to trust the numbers: where the test ran from (the vantage
// point) and how the score, grade, caps and verdict are computed (the methodology).

import type { Vantage } from '../vantage.js';
import { html, type SafeHtml } from './html-escape.js';
import { breakable } from './html-parts.js';
import type { HtmlText } from './html-text.js';

export function vantageSection(v: Vantage, x: HtmlText): SafeHtml {
  const none = html`<span class="muted">${x.t('html.vantage.none')}</span>`;
  const list = (items: string[]) =>
    items.length ? html`${items.map((i, n) => html`${n ? html`<br>` : ''}<span class="mono small">${breakable(i)}</span>`)}` : none;
  const row = (label: string, value: SafeHtml | string) => html`<tr><th>${label}</th><td>${value}</td></tr>`;
  return html`<section class="chapter" id="vantage-point"><h2>${x.t('html.vantage')}</h2>
<p class="small muted">${x.t('html.vantage.intro')}</p>
<table class="kv"><tbody>
  ${row(x.t('html.vantage.host'), html`<span class="mono">${v.host}</span> <span class="muted small">${v.os}</span>`)}
  ${row(x.t('html.vantage.addresses'), list(v.addresses))}
  ${row(x.t('html.vantage.reflexive'), v.reflexive.length ? list(v.reflexive) : html`<span class="muted">${x.t('html.vantage.noReflexive')}</span>`)}
  ${row(x.t(v.resolverSource === 'site' ? 'html.vantage.resolversSite' : 'html.vantage.resolversSystem'), list(v.resolvers))}
  ${row(x.t('html.vantage.proxy'), v.proxy ? html`<span class="mono small">${breakable(v.proxy)}</span>` : x.t('html.vantage.direct'))}
  ${row(x.t('html.vantage.window'), `${x.date(v.window.start)} – ${x.date(v.window.end)}`)}
</tbody></table>
</section>`;
}

export function methodologySection(x: HtmlText): SafeHtml {
  const items = ['checks', 'score', 'grade', 'caps', 'verdict', 'causes', 'waivers', 'sources'];
  return html`<section class="chapter" id="methodology"><h2>${x.t('html.methodology')}</h2>
<ul class="methodology">${items.map((i) => html`<li><strong>${x.t(`html.method.${i}.title`)}</strong> ${x.t(`html.method.${i}`)}</li>`)}</ul>
</section>`;
}
