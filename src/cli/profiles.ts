// `siteready profiles [id|path]`: list the shipped compliance profiles, or explain one rule by rule.

import { clauseIn, cm } from '../compliance/messages.js';
import { profileJson } from '../compliance/describe.js';
import { loadProfileRef, shippedProfileIds } from '../compliance/registry.js';
import { detectLang, translator, type Lang } from '../i18n/index.js';
import { pad } from '../util/text.js';

export async function profilesCommand(id: string | undefined, flags: { json?: boolean; lang?: Lang }): Promise<void> {
  const lang = flags.lang ?? detectLang();
  const { t } = translator(lang);
  const local = (t: { en: string; 'zh-CN'?: string }) => (lang === 'zh-CN' ? (t['zh-CN'] ?? t.en) : t.en);
  if (!id) {
    const profiles = shippedProfileIds().map((p) => loadProfileRef(p, process.cwd()));
    if (flags.json) {
      const list = profiles.map((p) => ({ id: p.id, title: p.title, version: p.version, rules: p.rules.length }));
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${cm(lang, 'listHeader')}\n\n`);
    for (const p of profiles) {
      process.stdout.write(
        `  ${pad(p.id, 26)} ${pad(`v${p.version}`, 8)} ${pad(cm(lang, 'rules', { count: p.rules.length }), 12)} ${local(p.title)}\n`,
      );
    }
    process.stdout.write(`\n${cm(lang, 'listFooter')}\n`);
    return;
  }
  const profile = loadProfileRef(id, process.cwd());
  const json = profileJson(profile);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const lines: string[] = [`${profile.id} v${profile.version} — ${local(profile.title)}`];
  if (profile.description) lines.push(local(profile.description));
  lines.push('', `${cm(lang, 'sources')}:`);
  for (const s of profile.sources) lines.push(`  [${s.id}] ${s.title}${s.edition ? `, ${s.edition}` : ''}${s.url ? ` <${s.url}>` : ''}`);
  for (const r of json.rules) {
    lines.push('', `${r.key} — ${local(r.title)}`);
    const bySize = r.severityBySize
      ? ` (${cm(lang, 'bySize')}: ${Object.entries(r.severityBySize)
          .map(([k, v]) => `${k} ${t(`severity.${v}`)}`)
          .join(', ')})`
      : '';
    lines.push(`  ${cm(lang, 'severity')}: ${t(`severity.${r.severity}`)}${bySize}`);
    for (const ref of r.references) {
      lines.push(
        `  ${cm(lang, 'references')}: ${ref.standard} ${clauseIn(lang, ref)}${ref.verified ? '' : ` — ${cm(lang, 'unverified')}`}${ref.note ? ` (${ref.note})` : ''}`,
      );
    }
    if (r.applies) lines.push(`  ${cm(lang, 'applies')}: ${r.applies}`);
    lines.push(`  ${cm(lang, 'checks')}: ${r.assert}`);
    lines.push(`  ${cm(lang, 'fix')}: ${local(r.remediation)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
