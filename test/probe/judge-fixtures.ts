// What the probe checks' judge tests share: a site with a reflector, and that reflector as the
// facts record it.

import type { Classification } from '../../src/plugin-api.js';
import type { ProbeFacts } from '../../src/probe/check-support.js';

export const probeSite = {
  version: 1,
  site: { name: 'probe judge' },
  probe: { name: 'dc', host: 'reflector.example.test', port: 7000, token: '${SITEREADY_TOKEN}' },
  platform: { endpoints: [{ name: 'r', host: 'reflector.example.test', port: 7000 }] },
};

export const reflector = { name: 'dc', host: 'reflector.example.test', port: 7000, udpPort: 7000 };

/** A reflector failure as measure records it. */
export function reflectorFailure(classification: Classification, code: string, protocol = false): ProbeFacts {
  return {
    reflector,
    classification,
    ...(protocol ? { kind: 'protocol-error' as const } : {}),
    failure: { classification, phase: 'connect', message: `reflector says ${code}`, code },
  };
}
