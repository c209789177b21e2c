// What every human format of the fleet report says, in the reader's language: core text, a cause's
// title and fix looked up in its check's catalog, site lists cut to the first few.

import type { Catalog } from '../../plugin-api.js';
import { translator, type Lang, type Translator } from '../../i18n/index.js';
import { messageText } from '../../report/render/localize.js';
import type { FleetCause, FleetReport } from '../model.js';

export interface FleetText {
  lang: Lang;
  tr: Translator;
  t: Translator['t'];
  /** A cause's title in the reader's language. */
  title(c: FleetCause): string;
  /** A cause's fix, or '' when no site's report had one. */
  fix(c: FleetCause): string;
  /** The cause a key names (the first cause a site or a platform points at). */
  cause(key: string | undefined): FleetCause | undefined;
  /** "Paris, Lyon, Nice (+12 more)". */
  list(names: readonly string[], shown?: number): string;
  date(iso: string): string;
  verdict(v: string): string;
}

/** At most this many site names are written out in a list; the rest are counted. */
export const NAMED_SITES = 5;

export function fleetText(fleet: FleetReport, lang: Lang, given?: Map<string, Record<string, Catalog>>): FleetText {
  const tr = translator(lang);
  // The checks at hand win over what the reports carried.
  const catalogs = new Map(Object.entries(fleet.catalogs ?? {}));
  for (const [id, c] of given ?? []) catalogs.set(id, c);
  const byKey = new Map(fleet.causes.map((c) => [c.key, c]));
  const t = tr.t;
  return {
    lang,
    tr,
    t,
    title(c) {
      const id = c.title.id;
      return id.startsWith('cause.') || id.startsWith('fleet.cause.')
        ? t(id, c.title.params)
        : messageText(tr, catalogs.get(c.check), c.title);
    },
    fix(c) {
      return c.fix ? messageText(tr, catalogs.get(c.check), c.fix) : '';
    },
    cause: (key) => (key === undefined ? undefined : byKey.get(key)),
    list(names, shown = NAMED_SITES) {
      if (names.length <= shown) return names.join(', ');
      return `${names.slice(0, shown).join(', ')} (${t('fleet.more', { count: names.length - shown })})`;
    },
    date(iso) {
      const d = new Date(iso);
      // UTC, so that the fleet report reads the same wherever it is opened.
      return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    },
    verdict: (v) => t(`verdict.${v}`),
  };
}

/** The first and last time any site's kept run finished. */
export function measuredSpan(fleet: FleetReport): { first: string; last: string } | undefined {
  if (!fleet.sites.length) return undefined;
  const times = fleet.sites.map((s) => s.measuredAt).sort();
  return { first: times[0]!, last: times[times.length - 1]! };
}
