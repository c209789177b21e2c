#!/usr/bin/env node
// The header of every built-in check's README — title, category, failure severity, weight,
// deadline, exclusive group, facts version, and the options with their defaults — is generated
// from the check's definition, so it cannot drift from the code. The rest of a README is prose.
//
// Usage: node scripts/check-readmes.mjs          rewrite the headers
//        node scripts/check-readmes.mjs --check  exit 1, naming them, when a header is out of date
// Needs the build (dist/).

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** "Proxy lets…" → "proxy lets…", but "TLS", "QoS" and "WebSocket" keep their capitals. */
const lowerFirst = (s) => (/^[A-Z][^\sA-Z]*(\s|$)/.test(s) ? `${s.charAt(0).toLowerCase()}${s.slice(1)}` : s);

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BEGIN = "<!-- header: generated from the check's definition by scripts/check-readmes.mjs; edit the code, then run it -->";
const END = '<!-- end of generated header -->';

function seconds(ms) {
  return `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
}

function cell(v) {
  return v === undefined ? '—' : `\`${JSON.stringify(v)}\``;
}

export function header(def) {
  const m = def.meta;
  const defaults = def.inputs?.defaults ?? {};
  const props = def.inputs?.schema?.properties ?? {};
  const facts = typeof def.measure === 'function' ? ` · **facts** version ${def.facts.version}` : '';
  const lines = [
    `# ${m.id} — ${lowerFirst(m.title)}`,
    '',
    BEGIN,
    `**Category** ${m.category} · **failure severity** ${m.severity} · **weight** ${m.weight} · **deadline** ${m.timeoutMs ? seconds(m.timeoutMs) : '15 s'}${def.deadlineMs ? ' (or as its options make it)' : ''}${m.exclusive ? ` · **exclusive** group \`${m.exclusive}\`` : ''}${m.optIn ? ' · **opt-in**' : ''}${facts}`,
  ];
  const names = Object.keys(props);
  if (names.length) {
    lines.push('', `Options (\`checks.${m.id}\` in the site file):`, '', '| option | default | meaning |', '|---|---|---|');
    for (const name of names)
      lines.push(`| \`${name}\` | ${cell(defaults[name])} | ${(props[name].description ?? '').replace(/\|/g, '\\|')} |`);
  }
  lines.push(END);
  return lines.join('\n');
}

function withHeader(readme, def) {
  const body = readme.includes(END)
    ? readme.slice(readme.indexOf(END) + END.length)
    : readme.replace(/^# [^\n]*\n(?:(?!## )[^\n]*\n)*/, '\n');
  return `${header(def)}\n${body.replace(/^\n*/, '\n')}`;
}

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const id of readdirSync(join(ROOT, 'checks')).sort()) {
    const mod = await import(pathToFileURL(join(ROOT, 'dist', 'checks', id, 'index.js')).href);
    const file = join(ROOT, 'checks', id, 'README.md');
    const before = readFileSync(file, 'utf8');
    const after = withHeader(before, mod.default);
    if (after === before) continue;
    stale.push(`checks/${id}/README.md`);
    if (!check) writeFileSync(file, after);
  }
  if (check && stale.length) {
    process.stderr.write(`check READMEs whose header does not match the code: ${stale.join(', ')}\nrun: node scripts/check-readmes.mjs\n`);
    process.exit(1);
  }
  if (!check) process.stdout.write(stale.length ? `rewrote ${stale.join(', ')}\n` : 'all check READMEs are up to date\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
