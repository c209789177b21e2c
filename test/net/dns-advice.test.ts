// Advice by whose move it is: a resolver that fails is not a missing record, and a vendor's name
// is not one the site can create.

import { describe, expect, it } from 'vitest';
import { pathFailureFinding, pathMessages } from '../../src/net/path-messages.js';
import type { Endpoint } from '../../src/site/types.js';

const endpoint = (extra: Record<string, unknown> = {}): Endpoint => ({
  name: 'relay',
  role: 'media',
  protocol: 'stun',
  host: 'turn.vendor.example',
  port: 3478,
  via: 'auto',
  expect: 'reachable',
  location: { file: 'site.yaml', line: 1, column: 1 },
  extra,
});

const fix = (kind: string, ep: Endpoint, resolver: unknown = ['10.0.0.53']) =>
  pathFailureFinding('dns', { classification: 'dns-failure', message: 'x', dns: { kind, resolver } }, ep, 'high', 1000).remediation!;

describe('DNS failure advice', () => {
  it('a resolver that times out, fails or refuses: check the resolver, whoever owns the name', () => {
    for (const kind of ['timeout', 'servfail', 'refused'])
      expect(fix(kind, endpoint({ catalog: { platform: 'zoom' } }))).toMatchObject({
        id: 'path.dns-failure.fix.resolver',
        params: { resolver: '10.0.0.53' },
      });
    expect(fix('timeout', endpoint(), 'system').params).toMatchObject({ resolver: 'system' });
  });

  it("a platform catalog's host that does not exist: the vendor's name, never 'create the record'", () => {
    expect(fix('nxdomain', endpoint({ catalog: { platform: 'zoom' } })).id).toBe('path.dns-failure.fix.vendor');
  });

  it("the site's own endpoint: create it if it is yours", () => {
    expect(fix('nxdomain', endpoint()).id).toBe('path.dns-failure.fix');
  });

  it('every advice has English and Chinese text', () => {
    for (const id of ['path.dns-failure.fix', 'path.dns-failure.fix.resolver', 'path.dns-failure.fix.vendor']) {
      expect(pathMessages.en[id]).toBeTruthy();
      expect(pathMessages['zh-CN'][id]).toBeTruthy();
    }
  });
});

describe('path failure advice for a vendor host', () => {
  const vendor = endpoint({ catalog: { platform: 'zoom' } });
  const fixOf = (classification: 'refused' | 'filtered', ep: Endpoint) =>
    pathFailureFinding('tcp', { classification, message: 'x' }, ep, 'high', 1000).remediation!;

  it("refused or filtered at a platform's host: allow it outbound, the vendor publishes it", () => {
    expect(fixOf('refused', vendor)).toMatchObject({ id: 'path.refused.fix.vendor', params: { platform: 'zoom' } });
    expect(fixOf('filtered', vendor)).toMatchObject({ id: 'path.filtered.fix.vendor', params: { platform: 'zoom' } });
  });

  it("the site's own service keeps the advice to check the service", () => {
    expect(fixOf('refused', endpoint()).id).toBe('path.refused.fix');
  });
});
