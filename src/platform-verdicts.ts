// Pre-purchase comparison: one run measured every platform's endpoints; each platform is then
// judged on its own — its endpoints plus everything site-wide (links, reflector, the site's own
// endpoints, compliance), never another platform's — with its own vendor targets as thresholds,
// and scored as a whole report would be. Facts are judged again, not measured again.

import { isMeasuredCheck, type CheckMeta } from './plugin-api.js';
import type { EndpointOrigin } from './platforms/expand.js';
import { summarizeCatalog } from './platforms/summary.js';
import { reportBlocker, type ReportPlatform } from './report/model.js';
import { judgeFacts, withVerdict } from './runner/judge.js';
import type { Task } from './runner/plan.js';
import type { TaskResult } from './runner/run.js';
import { planningOf, type LoadedCheck } from './runner/registry.js';
import { scoreResults } from './scoring/score.js';
import { applyWaivers } from './scoring/waivers.js';
import type { Site } from './site/types.js';

/** How many of a platform's blockers the report lists with it (all are counted). */
const BLOCKERS_SHOWN = 5;

function platformOf(task: Task | undefined): string | undefined {
  const origin = task?.target.endpoint?.extra.catalog as EndpointOrigin | undefined;
  return origin?.platform;
}

export function platformVerdicts(site: Site, checks: LoadedCheck[], tasks: Task[], results: TaskResult[], now: Date): ReportPlatform[] {
  const catalogs = site.platform.catalogs ?? [];
  if (!catalogs.length) return [];
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const metas = new Map(
    checks.flatMap((c) => {
      const p = planningOf(c);
      return p ? [[c.id, p.meta as CheckMeta] as const] : [];
    }),
  );
  return catalogs.map((catalog) => {
    const thresholds = site.platform.thresholdsBy?.[catalog.id] ?? site.thresholds;
    // As if this platform were the site's only preset: its targets, its bandwidth per stream.
    const judgedSite: Site = { ...site, thresholds, platform: { ...site.platform, preset: catalog.id } };
    const mine: TaskResult[] = [];
    for (const r of results) {
      const task = byKey.get(r.key);
      const owner = platformOf(task);
      if (owner !== undefined && owner !== catalog.id) continue;
      const def = task?.check.def;
      if (!task || !def || !isMeasuredCheck(def) || r.factsVersion === undefined || r.status === 'skipped') {
        mine.push(r);
        continue;
      }
      const verdict = judgeFacts(def, structuredClone(r.facts), { options: task.options, site: judgedSite, target: task.target });
      mine.push(withVerdict(r, verdict));
    }
    const { waived } = applyWaivers(mine, site.compliance.waivers, now);
    const scored = scoreResults(mine, metas, new Set(waived.keys()));
    const summary = summarizeCatalog(catalog);
    const resultOf = new Map(mine.map((r) => [r.key, r]));
    const own = scored.blockers.filter((b) => platformOf(byKey.get(b.resultKey)) === catalog.id);
    return {
      id: catalog.id,
      name: catalog.name,
      vendor: catalog.vendor,
      kind: catalog.kind,
      version: catalog.version,
      ...(catalog.instance ? { instance: catalog.instance } : {}),
      sources: catalog.sources.map((s) => ({ id: s.id, url: s.url, read: s.read })),
      unconfirmed: summary.unconfirmed,
      endpoints: site.platform.endpoints.filter((e) => (e.extra.catalog as EndpointOrigin | undefined)?.platform === catalog.id).length,
      untested: (site.platform.untested ?? []).filter((u) => u.platform === catalog.id).map((u) => `${u.entry}: ${u.what}`),
      score: scored.score,
      grade: scored.grade,
      verdict: scored.verdict,
      complete: scored.complete,
      blockerCount: scored.blockers.length,
      ownBlockerCount: own.length,
      // What tells platforms apart comes first: blockers on this platform's own endpoints.
      blockers: [...own, ...scored.blockers.filter((b) => !own.includes(b))].slice(0, BLOCKERS_SHOWN).map((b) => {
        const f = resultOf.get(b.resultKey)!.findings[b.findingIndex]!;
        const { location: _where, ...blocker } = reportBlocker(b, f);
        return { ...blocker, message: f.message, own: own.includes(b) };
      }),
    };
  });
}
