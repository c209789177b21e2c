import { dirname, resolve } from 'node:path';
import { planSite } from '../plan-site.js';
import { ConfigError } from '../errors.js';
import { loadSiteFile } from '../site/load.js';
import { coverageOf, formatEndpointPlan } from './coverage.js';
import { diagnosticsJson } from './diagnostics.js';
import { warnUnsetSecrets } from './unset-secrets.js';

export async function validateCommand(file: string, flags: { json?: boolean; loadPlugins?: boolean }): Promise<void> {
  try {
    // Validating never uses secrets: a draft is checked before they exist; assess still needs them.
    const { site, unsetSecrets } = await loadSiteFile(file, { secrets: 'placeholder' });
    warnUnsetSecrets(unsetSecrets);
    // A site file may come from a pull request: its plugins are code, run only when asked.
    const loadPlugins = Boolean(flags.loadPlugins);
    const plan = await planSite(site, dirname(resolve(file)), { executePlugins: loadPlugins, complianceStage: false, loadChecks: false });
    // In an assessment a plugin that throws at load only fails its own tasks; validating, it is a finding.
    const broken = plan.unplanned.filter((u) => u.reason === 'load-error' || u.reason === 'targets-error');
    if (broken.length) {
      throw new ConfigError(
        `${broken.length} check(s) cannot run`,
        broken.map((u) => ({
          ...(u.check.location ?? {}),
          message: `${u.check.origin}: ${u.message ?? u.reason}`,
          hint: 'fix the plugin, or remove it from plugins:',
        })),
      );
    }
    const summary = {
      valid: true,
      file: site.file,
      sha256: site.sha256,
      site: site.site.name,
      endpoints: site.platform.endpoints.length,
      checks: [...new Set(plan.tasks.map((t) => t.check.id))],
      tasks: plan.tasks.length,
      notApplicable: plan.unplanned.filter((u) => u.reason === 'not-applicable').map((u) => u.check.id),
      profiles: (plan.profiles ?? []).map((p) => ({ id: p.id, version: p.version, rules: p.rules.length, file: p.file })),
      plugins: { named: site.plugins.length, loaded: loadPlugins && site.plugins.length > 0 },
      platforms: (site.platform.catalogs ?? []).map((c) => ({
        id: c.id,
        version: c.version,
        endpoints: site.platform.endpoints.filter((e) => (e.extra.catalog as { platform?: string } | undefined)?.platform === c.id).length,
        untested: (site.platform.untested ?? []).filter((u) => u.platform === c.id).map((u) => `${u.entry}: ${u.what}`),
      })),
      ...coverageOf(site, plan.tasks),
      unsetSecrets: unsetSecrets ?? [],
    };
    for (const w of site.platform.catalogWarnings ?? []) process.stderr.write(`warning: ${w}\n`);
    const unloaded =
      site.plugins.length && !loadPlugins
        ? `; ${site.plugins.length} plugin(s) found but not loaded (--load-plugins runs their code to check them)`
        : '';
    if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      process.stdout.write(
        `${site.file}: valid — ${summary.endpoints} endpoint(s), ${summary.tasks} task(s) planned across ${summary.checks.length} check(s)` +
          `${summary.notApplicable.length ? `; not applicable: ${summary.notApplicable.join(', ')}` : ''}` +
          `${summary.profiles.length ? `; compliance: ${summary.profiles.map((p) => `${p.id} (${p.rules} rules)`).join(', ')}` : ''}${unloaded}\n`,
      );
      for (const p of summary.platforms) process.stdout.write(`  platform ${p.id} ${p.version}: ${p.endpoints} endpoint(s)\n`);
      process.stdout.write(formatEndpointPlan(summary.plan));
      // Part of what validate reports (stdout): a file is valid even when it declares more than is tested.
      for (const u of summary.untested) process.stdout.write(`warning: ${u.message}\n`);
    }
  } catch (err) {
    if (flags.json && err instanceof ConfigError) {
      process.stdout.write(`${JSON.stringify(diagnosticsJson(err), null, 2)}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}
