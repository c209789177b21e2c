// Rendering the fleet report: one format at a time, each renderer loaded when asked for; only the
// caller writes. The same `--format x=file` convention as a site report's outputs.

import type { Catalog } from '../../plugin-api.js';
import type { Lang } from '../../i18n/index.js';
import type { FleetReport } from '../model.js';
import { fleetText } from './text.js';

export const FLEET_FORMATS = ['terminal', 'json', 'md', 'html', 'csv'] as const;
export type FleetFormat = (typeof FLEET_FORMATS)[number];

export interface FleetRenderContext {
  lang: Lang;
  color: boolean;
  width?: number;
  /** Message catalogs of the checks at hand (the built-in ones), for causes' titles and fixes. */
  catalogs?: Map<string, Record<string, Catalog>>;
  preparedBy?: string;
}

export async function renderFleet(fleet: FleetReport, format: FleetFormat, ctx: FleetRenderContext): Promise<string> {
  if (format === 'json') return `${JSON.stringify(fleet, null, 2)}\n`;
  const x = fleetText(fleet, ctx.lang, ctx.catalogs);
  switch (format) {
    case 'csv':
      return (await import('./csv.js')).renderFleetCsv(fleet, x);
    case 'md':
      return (await import('./markdown.js')).renderFleetMarkdown(fleet, x);
    case 'html':
      return (await import('./html.js')).renderFleetHtml(fleet, x, ctx.preparedBy ? { preparedBy: ctx.preparedBy } : {});
    case 'terminal':
      return (await import('./terminal.js')).renderFleetTerminal(fleet, x, {
        color: ctx.color,
        ...(ctx.width ? { width: ctx.width } : {}),
      });
  }
}
