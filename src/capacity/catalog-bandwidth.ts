// A platform catalog's published per-stream bandwidth as the capacity model's table. Vendors
// publish one figure per stream (no direction) and rarely every stream kind: what a catalog
// lacks keeps Microsoft Teams' figure, and the table's source says which is which.

import type { PlatformCatalog, StreamKind as CatalogStream } from '../platforms/types.js';
import { BANDWIDTH_KBPS, MEDIA_QUALITIES, type BandwidthTable, type MediaQuality, type StreamKind } from './demand.js';

const KIND_OF: Record<CatalogStream, StreamKind> = {
  audio: 'audio',
  video: 'video1to1',
  'video-meeting': 'videoMeeting',
  'screen-share': 'screenShare1to1',
  'screen-share-meeting': 'screenShareMeeting',
};

const FIELD: Record<MediaQuality, 'minKbps' | 'recommendedKbps' | 'bestKbps'> = {
  minimum: 'minKbps',
  recommended: 'recommendedKbps',
  best: 'bestKbps',
};

/** The catalog's figures over Teams' defaults; undefined when the catalog publishes none. */
export function bandwidthFromCatalog(catalog: PlatformCatalog | undefined): BandwidthTable | undefined {
  const published = catalog?.bandwidth ?? [];
  if (!catalog || !published.length) return undefined;
  const kinds = structuredClone(BANDWIDTH_KBPS.kinds);
  const taken: string[] = [];
  for (const entry of published) {
    const kind = KIND_OF[entry.stream];
    let any = false;
    for (const q of MEDIA_QUALITIES) {
      const v = entry[FIELD[q]];
      if (v === undefined) continue;
      kinds[kind][q] = { up: v, down: v };
      any = true;
    }
    if (any) taken.push(`${entry.stream}${entry.unconfirmed ? ' (unconfirmed)' : ''}`);
  }
  const all = taken.length === Object.keys(KIND_OF).length;
  return {
    source: `${catalog.name} catalog ${catalog.version}: ${taken.join(', ')}${all ? '' : `; ${BANDWIDTH_KBPS.source} for the other streams`}`,
    kinds,
  };
}
