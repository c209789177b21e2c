// Which endpoints an integration check (api, directory, sso, storage, org-sync) takes. Its own
// module: planning decides this without loading the integration checks' measuring code.

import { endpointTargets, type Target } from '../plugin-api.js';
import type { Endpoint, Site } from '../site/types.js';

/** The check's targets: the reachable endpoints `keep` takes, one task each. */
export function integrationTargets(site: Site, keep: (ep: Endpoint) => boolean): Target[] {
  return endpointTargets(site, (ep) => ep.expect === 'reachable' && keep(ep));
}
