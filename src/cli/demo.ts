// `siteready demo`: the embedded default. Starts the loopback lab, assesses the demo site against
// it, prints the report and writes the JSON next to where it was run.

import { join } from 'node:path';
import { planSite } from '../assess.js';
import { startDemoLab } from '../lab/demo-lab.js';
import { parseFormats } from '../report/render/index.js';
import { loadSiteFile } from '../site/load.js';
import { packageRoot } from '../version.js';
import { measureAndEmit } from './assess.js';
import { outputTargets, runSettings, type OutputFlags } from './output.js';

export async function demoCommand(flags: OutputFlags & { reportFile?: string }): Promise<void> {
  const outputs = outputTargets(flags);
  if (flags.reportFile && !outputs.some((o) => o.format === 'json' && o.path !== '-')) {
    outputs.push(...parseFormats(`json=${flags.reportFile}`));
  }
  const lab = await startDemoLab();
  try {
    const file = join(packageRoot(), 'examples', 'demo-site.yaml');
    const { site, redactor } = await loadSiteFile(file, { env: { ...process.env, ...lab.env }, displayName: 'examples/demo-site.yaml' });
    const plan = await planSite(site, join(packageRoot(), 'examples'));
    const settings = runSettings({ timeout: '60' });
    process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
    if (!flags.quiet && flags.reportFile) process.stderr.write(`JSON report written to ${flags.reportFile}\n`);
  } finally {
    await lab.close();
  }
}
