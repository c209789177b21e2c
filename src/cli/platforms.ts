// `siteready platforms [id]`: the shipped platform catalogs, or one in full, with every entry's
// source and what could not be confirmed.

import { detectLang, type Lang } from '../i18n/index.js';
import { pm } from '../platforms/messages.js';
import { summarizeCatalog } from '../platforms/summary.js';
import type { PlatformCatalog } from '../platforms/types.js';
import { catalogInUse, shippedCatalogIds } from '../site/catalogs.js';
import { UsageError } from '../errors.js';
import type { UpdateFlags } from './platforms-update.js';
import { pad } from '../util/text.js';

export async function platformsCommand(args: string[], flags: UpdateFlags & { lang?: Lang }): Promise<void> {
  const lang = flags.lang ?? detectLang();
  if (args[0] === 'update') {
    const { platformsUpdate } = await import('./platforms-update.js');
    process.exitCode = await platformsUpdate(args.slice(1), flags, lang);
    return;
  }
  if (args.length > 1)
    throw new UsageError(`one platform at a time: ${args.join(' ')}`, 'siteready platforms <id>, or siteready platforms update <id…>');
  const id = args[0];
  if (!id) {
    const list = shippedCatalogIds().map((p) => summarizeCatalog(catalogInUse(p).catalog));
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    const lines = [pm(lang, 'listHeader'), ''];
    for (const c of list) {
      const unconfirmed = c.unconfirmed.length ? `, ${pm(lang, 'unconfirmedCount', { count: c.unconfirmed.length })}` : '';
      lines.push(
        `  ${pad(c.id, 22)} ${pad(c.version, 11)} ${pad(pm(lang, `kind_${c.kind}`), 12)} ${c.name}${c.instance ? ` (${c.instance})` : ''}`,
        `  ${pad('', 22)} ${pm(lang, 'entries', { endpoints: c.endpoints, ranges: c.ranges, relays: c.relays })}${unconfirmed}`,
      );
    }
    lines.push('', pm(lang, 'listFooter'));
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const { catalog, updated, warning } = catalogInUse(id);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...catalog, unconfirmed: summarizeCatalog(catalog).unconfirmed }, null, 2)}\n`);
    return;
  }
  const lines = describeCatalog(catalog, lang);
  if (updated) lines.splice(2, 0, `${pm(lang, 'fromCache')}: ${updated.version} (${updated.fetchedAt})`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function describeCatalog(c: PlatformCatalog, lang: Lang): string[] {
  const flag = (e: { unconfirmed?: string }) => (e.unconfirmed ? `  — ${pm(lang, 'unconfirmed', { why: e.unconfirmed })}` : '');
  const src = (e: { source: string | string[] }) => ` [${[e.source].flat().join(', ')}]`;
  const lines = [
    `${c.name} (${c.id}) — ${c.vendor}, ${pm(lang, `kind_${c.kind}`)}`,
    `${pm(lang, 'version')}: ${c.version}${c.instance ? `   ${pm(lang, 'instance')}: ${c.instance}` : ''}`,
    c.description,
  ];
  if (c.parameters?.length) lines.push(`${pm(lang, 'parameters')}: ${c.parameters.map((p) => `${p.name} — ${p.description}`).join('; ')}`);
  lines.push('', `${pm(lang, 'sources')}:`);
  for (const s of c.sources) {
    lines.push(`  [${s.id}] ${s.title}, ${pm(lang, 'read', { date: s.read })}`, `      ${s.url}`);
    if (s.feed) lines.push(`      ${pm(lang, 'feed')} (${s.feed.format}): ${s.feed.url}`);
  }
  lines.push('', `${pm(lang, 'endpoints')}:`);
  for (const e of c.endpoints) {
    const ports = [...(e.tcp?.length ? [`tcp ${e.tcp.join(',')}`] : []), ...(e.udp?.length ? [`udp ${e.udp.join(',')}`] : [])].join('; ');
    lines.push(
      `  ${e.id}: ${e.hosts.join(', ')}${e.probeHost ? ` → ${e.probeHost}` : ''}${e.websocket ? ` · ${e.websocket}` : ''}`,
      `      ${ports} · ${e.category} · ${e.role} · ${pm(lang, e.required ? 'required' : 'optional')}${src(e)}${flag(e)}`,
    );
  }
  lines.push('', `${pm(lang, 'ranges')}:`);
  if (!c.ranges?.length) lines.push(`  ${pm(lang, 'none')}`);
  for (const r of c.ranges ?? [])
    lines.push(`  ${r.id} (${r.category}, ${r.role}): ${[...(r.ipv4 ?? []), ...(r.ipv6 ?? [])].join(' ')}${src(r)}${flag(r)}`);
  lines.push('', `${pm(lang, 'relays')}:`);
  if (!c.relays?.length) lines.push(`  ${pm(lang, 'none')}`);
  for (const r of c.relays ?? [])
    lines.push(`  ${r.id}: ${r.host} ${r.transports.map((t) => `${t.protocol}/${t.port}`).join(' ')}${src(r)}${flag(r)}`);
  lines.push('', `${pm(lang, 'targets')}:`);
  if (!c.targets) lines.push(`  ${pm(lang, 'none')}`);
  else {
    const t = c.targets;
    const parts = [
      t.rttMs !== undefined ? `RTT < ${t.rttMs} ms` : '',
      t.jitterMs !== undefined ? `jitter < ${t.jitterMs} ms` : '',
      t.lossPercent !== undefined ? `loss < ${t.lossPercent} %` : '',
      t.burstLossPercent !== undefined ? `burst loss < ${t.burstLossPercent} %` : '',
      t.reorderPercent !== undefined ? `reorder < ${t.reorderPercent} %` : '',
    ].filter(Boolean);
    lines.push(`  ${t.scope}: ${parts.join(', ')}${src(t)}${flag(t)}`);
  }
  if (c.bandwidth?.length) {
    lines.push('', `${pm(lang, 'bandwidth')}:`);
    for (const b of c.bandwidth)
      lines.push(`  ${b.stream}: ${b.minKbps ?? '—'} / ${b.recommendedKbps ?? '—'} / ${b.bestKbps ?? '—'}${src(b)}${flag(b)}`);
  }
  if (c.qos?.length) {
    lines.push('', `${pm(lang, 'qos')}:`);
    for (const q of c.qos)
      lines.push(`  ${q.media}: DSCP ${q.dscp}${q.phb ? ` (${q.phb})` : ''}${q.udpPorts ? `, udp ${q.udpPorts}` : ''}${src(q)}${flag(q)}`);
  }
  return lines;
}
