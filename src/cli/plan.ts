import { bandwidthFromCatalog } from '../capacity/catalog-bandwidth.js';
import { assessCapacity, formatPlan, toDemandSpec } from '../capacity/demand.js';
import { ConfigError } from '../errors.js';
import { detectLang, type Lang } from '../i18n/index.js';
import { loadSiteFile } from '../site/load.js';
import { warnUnsetSecrets } from './unset-secrets.js';

export async function planCommand(file: string, flags: { json?: boolean; lang?: Lang }): Promise<void> {
  // Planning capacity never uses secrets: unset ones are only named, for the assess to come.
  const { site, unsetSecrets } = await loadSiteFile(file, { secrets: 'placeholder' });
  warnUnsetSecrets(unsetSecrets);
  if (!toDemandSpec(site.demand)?.personas.length) {
    const loc = site.locate('/demand');
    throw new ConfigError('nothing to plan: the site describes no demand', [
      {
        file: loc.file,
        line: loc.line,
        column: loc.column,
        message: 'the site has no demand.personas',
        hint: 'add demand: { personas: [{ name: staff, users: 200, audio: 0.1, video: 0.05 }] }',
      },
    ]);
  }
  const quality = (site.demand?.quality as 'minimum' | 'recommended' | 'best' | undefined) ?? 'recommended';
  const bandwidth = bandwidthFromCatalog(site.platform.catalogs?.find((c) => c.id === site.platform.preset));
  const result = assessCapacity({ demand: site.demand, links: site.network.links, quality, ...(bandwidth ? { bandwidth } : {}) });
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatPlan(result, flags.lang ?? detectLang()));
  // 1 when demand exceeds the allowance of the links in use (as a failed gate), else 0: a shortfall
  // on the backup links alone is shown but does not change it.
  if (result.shortfall) process.exitCode = 1;
}
