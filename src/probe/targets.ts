// Which targets the probe checks take: the reflector's, and the STUN servers a site marks as the
// media path. Pure functions of the site, apart from the probing code, so that planning loads no sockets.

import type { Endpoint, Site, Target } from '../plugin-api.js';

export function probeName(site: Site): string {
  return site.probe?.name ?? site.probe?.host ?? 'probe';
}

/** The single target of a probe check ("<probe>" or "<probe>/<suffix>"), or none without a probe. */
export function probeTargets(site: Site, suffixes: string[] = ['']): Target[] {
  if (!site.probe) return [];
  const location = site.locate('/probe');
  return suffixes.map((s) => ({ id: s ? `${probeName(site)}/${s}` : probeName(site), location, data: { suffix: s } }));
}

/** `mediaPath: true` on a `stun` endpoint: stream to it as the far end of the media path. */
export function isStunMediaPath(ep: Endpoint): boolean {
  return ep.protocol === 'stun' && ep.extra.mediaPath === true;
}

/** One target per media-path STUN server and suffix ("<endpoint>/<suffix>"). */
export function stunMediaTargets(site: Site, suffixes: string[]): Target[] {
  return site.platform.endpoints.filter(isStunMediaPath).flatMap((ep) =>
    suffixes.map((s) => ({
      id: `${ep.name}/${s}`,
      endpoint: ep,
      location: ep.location,
      ...(ep.severity ? { severity: ep.severity } : {}),
      data: { suffix: s, farEnd: 'stun' },
    })),
  );
}
