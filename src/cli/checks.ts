import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckMeta } from '../plugin-api.js';
import { translator, detectLang, type Lang } from '../i18n/index.js';
import { builtinChecks, unknownCheckError } from '../runner/registry.js';
import { pad } from '../util/text.js';
import { packageRoot } from '../version.js';

export async function checksCommand(id: string | undefined, flags: { json?: boolean; lang?: Lang }): Promise<void> {
  const checks = (await builtinChecks()).filter((c) => c.def);
  const { t } = translator(flags.lang ?? detectLang());
  if (!id) {
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify(
          checks.map((c) => describe(c.def!.meta, c.def!.inputs)),
          null,
          2,
        )}\n`,
      );
      return;
    }
    for (const c of checks) {
      const m = c.def!.meta;
      process.stdout.write(`${pad(m.id, 12)} ${pad(t(`category.${m.category}`), 12)} ${pad(t(`severity.${m.severity}`), 9)} ${m.title}\n`);
    }
    process.stdout.write('\nsiteready checks <id> explains one.\n');
    return;
  }
  const check = checks.find((c) => c.id === id);
  if (!check)
    throw unknownCheckError(
      id,
      checks.map((c) => c.id),
    );
  const { meta, inputs } = check.def!;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(describe(meta, inputs), null, 2)}\n`);
    return;
  }
  const lines = [
    `${meta.id} — ${meta.title}`,
    `category ${meta.category} · failure severity ${meta.severity} · weight ${meta.weight}${meta.timeoutMs ? ` · deadline ${meta.timeoutMs} ms` : ''}`,
    '',
    meta.description,
    '',
  ];
  const props = (inputs?.schema.properties ?? {}) as Record<string, { type?: string; description?: string }>;
  if (Object.keys(props).length) {
    lines.push(`Options (checks.${meta.id} in the site file):`);
    for (const [name, p] of Object.entries(props)) {
      const def = (inputs?.defaults as Record<string, unknown> | undefined)?.[name];
      lines.push(
        `  ${pad(name, 18)} ${pad(p.type ?? '', 8)} ${def !== undefined ? `default ${JSON.stringify(def)}` : ''}${p.description ? `  ${p.description}` : ''}`,
      );
    }
    lines.push('');
  }
  const explained = check.def!.explain?.(flags.lang ?? detectLang());
  if (explained?.length) lines.push(...explained, '');
  lines.push('References:');
  for (const r of meta.references) lines.push(`  - ${r.title}${r.clause ? ` ${r.clause}` : ''}${r.url ? ` <${r.url}>` : ''}`);
  const readme = join(packageRoot(), 'checks', meta.id, 'README.md');
  if (existsSync(readme)) lines.push('', `Thresholds, facts and sources: ${readme}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function describe(meta: CheckMeta, inputs?: { schema: object; defaults: unknown }) {
  return { ...meta, inputs: inputs ? { schema: inputs.schema, defaults: inputs.defaults } : null };
}
