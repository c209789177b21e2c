// `siteready run <check> <target…>`: one check against ad-hoc targets. The targets become a
// generated site description, so they go through exactly the validation a site file does.

import { stringify } from 'yaml';
import { planAssessment } from '../runner/plan.js';
import { allChecks, unknownCheckError } from '../runner/registry.js';
import { UsageError } from '../errors.js';
import { parseAdHocTarget } from '../site/endpoints.js';
import { parseSiteText } from '../site/load.js';
import type { EndpointProtocol } from '../site/types.js';
import { measureAndEmit } from './assess.js';
import { outputTargets, runSettings, type OutputFlags, type RunFlags } from './output.js';

const URL_CHECKS: Record<string, EndpointProtocol> = { http: 'https', websocket: 'wss' };

export async function runCommand(checkId: string, targets: string[], flags: OutputFlags & RunFlags & { ca?: string; dnsServer?: string[] }): Promise<void> {
  const outputs = outputTargets(flags);
  const settings = runSettings(flags);
  const checks = await allChecks();
  if (!checks.some((c) => c.id === checkId)) throw unknownCheckError(checkId, checks.map((c) => c.id));

  const used = new Set<string>();
  const endpoints = targets.map((text, i) => {
    const urlScheme = URL_CHECKS[checkId];
    const given = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : urlScheme && /:\d+$/.test(text) ? `${urlScheme}://${text}/` : text;
    const parsed = parseAdHocTarget(given, urlScheme ?? 'tcp');
    if (!parsed) {
      throw new UsageError(`target "${text}" is not host:port, [ipv6]:port or a URL`, 'examples: db.corp.example:5432, [2001:db8::1]:443, https://chat.example.com/');
    }
    let name = targetName(text, i);
    if (used.has(name)) name = `${name}-${i + 1}`;
    used.add(name);
    return { name, ...parsed };
  });
  const site = {
    version: 1,
    site: { name: `siteready run ${checkId}` },
    ...(flags.dnsServer?.length ? { network: { dns: { servers: flags.dnsServer } } } : {}),
    platform: { endpoints },
    ...(flags.ca ? { security: { trust: { caFile: flags.ca } } } : {}),
  };
  const { site: loaded, redactor } = parseSiteText(stringify(site), '<command line>', { env: {} });
  const plan = planAssessment(loaded, checks, { only: [checkId], ...(settings.taskTimeoutMs ? { taskTimeoutMs: settings.taskTimeoutMs } : {}) });
  if (plan.tasks.length === 0) {
    throw new UsageError(`check "${checkId}" does not apply to ${targets.join(', ')}`, `see \`siteready checks ${checkId}\` for the endpoints it takes`);
  }
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
}

function targetName(text: string, i: number): string {
  const cleaned = text.replace(/^(https?|wss?):\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned.slice(0, 90) : `target-${i + 1}`;
}
