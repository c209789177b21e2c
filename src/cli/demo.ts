// `siteready demo`: the embedded default. Starts the loopback lab, assesses the demo site against
// it, prints the report and writes the JSON next to where it was run.

import { join } from 'node:path';
import { planSite } from '../assess.js';
import { LAB_ZONE, startDemoLab, type DemoLab } from '../lab/demo-lab.js';
import { fillParameters, probeHostOf } from '../platforms/expand.js';
import type { PlatformCatalog } from '../platforms/types.js';
import { readShippedCatalog } from '../site/catalogs.js';
import type { PortMap } from '../site/presets.js';
import { parseFormats } from '../report/render/index.js';
import { loadSiteFile } from '../site/load.js';
import { packageRoot } from '../version.js';
import { measureAndEmit } from './assess.js';
import { outputTargets, runSettings, type OutputFlags } from './output.js';

export async function demoCommand(flags: OutputFlags & { reportFile?: string; platform?: string }): Promise<void> {
  const outputs = outputTargets(flags);
  if (flags.reportFile && !outputs.some((o) => o.format === 'json' && o.path !== '-')) {
    outputs.push(...parseFormats(`json=${flags.reportFile}`));
  }
  const platforms = (flags.platform ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  // Self-hosted templates are filled with the lab's own zone.
  const parameters = { domain: LAB_ZONE };
  const lab = await startDemoLab('127.0.0.1', { extraHosts: platforms.flatMap((id) => catalogHosts(readShippedCatalog(id), parameters)) });
  try {
    const file = join(packageRoot(), 'examples', 'demo-site.yaml');
    const { site, redactor } = await loadSiteFile(file, {
      env: { ...process.env, ...lab.env },
      displayName: 'examples/demo-site.yaml',
      ...(platforms.length ? { platforms, presetParameters: parameters, portMap: labPortMap(lab) } : {}),
    });
    const plan = await planSite(site, join(packageRoot(), 'examples'));
    const settings = runSettings({ timeout: '60' });
    process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
    if (!flags.quiet && flags.reportFile) process.stderr.write(`JSON report written to ${flags.reportFile}\n`);
  } finally {
    await lab.close();
  }
}

/** The concrete names a platform's checks will resolve: the lab answers for them. */
function catalogHosts(shipped: PlatformCatalog, parameters: Record<string, string>): string[] {
  const { catalog } = fillParameters(shipped, parameters);
  return [
    ...catalog.endpoints.flatMap((e) => [probeHostOf(e), ...(e.websocket ? [new URL(e.websocket).hostname] : [])]),
    ...(catalog.relays ?? []).map((r) => r.host),
  ];
}

/** HTTPS ports to the lab's HTTPS server, STUN to its relay, any other TCP port to its echo service. */
function labPortMap(lab: DemoLab): PortMap {
  return (port, service) => (service === 'stun' ? lab.ports.turn : port === 443 ? lab.ports.https : lab.ports.tcp);
}
