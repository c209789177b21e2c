// platform.preset and platforms: a catalog expanded into the site — a file with only the site, its
// links and a preset is a complete assessment plan; the site's own endpoints and thresholds win.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { EndpointOrigin } from '../../src/platforms/expand.js';
import { planAssessment } from '../../src/runner/plan.js';
import { allChecks } from '../../src/runner/registry.js';
import { parseSiteText } from '../../src/site/load.js';

const BASE = `version: 1
site: { name: Shenzhen branch, country: CN }
network:
  links: [{ name: internet, downMbps: 200, upMbps: 50 }]
`;

function load(text: string, opts: Parameters<typeof parseSiteText>[2] = {}) {
  return parseSiteText(text, 'site.yaml', { env: {}, ...opts }).site;
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}${d.hint ? ` | ${d.hint}` : ''}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('platform.preset', () => {
  it('a site, its links and a preset plan DNS, TCP, HTTPS, STUN and media-path tasks for the catalog', async () => {
    const site = load(`${BASE}platform: { preset: microsoft-teams }\n`);
    expect(site.platform.catalogs?.map((c) => c.id)).toEqual(['microsoft-teams']);
    const names = site.platform.endpoints.map((e) => e.name);
    expect(names).toContain('microsoft-teams/ms-12-teams-signalling');
    const relay = site.platform.endpoints.find((e) => e.protocol === 'stun' && e.extra.mediaPath === true)!;
    expect(relay).toMatchObject({ host: 'worldaz.tr.teams.microsoft.com', port: 3478, transports: ['udp'] });
    const origin = site.platform.endpoints[0]!.extra.catalog as EndpointOrigin;
    expect(origin).toMatchObject({ platform: 'microsoft-teams', version: site.platform.catalogs![0]!.version });

    const plan = planAssessment(site, await allChecks(site, process.cwd()));
    const checks = new Set(plan.tasks.map((t) => t.check.id));
    for (const id of ['dns', 'tcp', 'http', 'tls', 'stun', 'latency']) expect(checks, id).toContain(id);
    expect(plan.tasks.some((t) => t.check.id === 'latency' && t.target.endpoint?.name === relay.name)).toBe(true);
  });

  it("the vendor's targets become thresholds; the site's own win", () => {
    expect(load(`${BASE}platform: { preset: microsoft-teams }\n`).thresholds).toMatchObject({
      'latency.rttMs': 100,
      'latency.jitterMs': 30,
      'latency.lossPercent': 1,
    });
    const own = load(`${BASE}platform: { preset: microsoft-teams }\nthresholds: { latency.rttMs: 150 }\n`);
    expect(own.thresholds['latency.rttMs']).toBe(150);
    expect(own.platform.thresholdsBy?.['microsoft-teams']?.['latency.rttMs']).toBe(150);
  });

  it("the site's endpoints add to the catalog's and replace one of the same name", () => {
    const site = load(`${BASE}platform:
  preset: microsoft-teams
  endpoints:
    - { name: microsoft-teams/ms-17-aka-ms, url: "https://aka.example.net/", role: web }
    - { name: intranet, url: "https://intranet.corp.example/" }
`);
    const replaced = site.platform.endpoints.filter((e) => e.name === 'microsoft-teams/ms-17-aka-ms');
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.host).toBe('aka.example.net');
    expect(replaced[0]!.extra.catalog).toBeUndefined();
    expect(site.platform.endpoints.map((e) => e.name)).toContain('intranet');
  });

  it('an unknown preset is refused where it is written, with a suggestion', () => {
    expect(problems(`${BASE}platform: { preset: microsoft-team }\n`)).toEqual([
      expect.stringMatching(/^5:\d+ unknown platform "microsoft-team" \| did you mean "microsoft-teams"/),
    ]);
  });

  it('a self-hosted template needs its domain, and fills its hosts with it', () => {
    expect(problems(`${BASE}platform: { preset: matrix }\n`)[0]).toMatch(
      /needs parameters\.domain \| platform: \{ preset: matrix, parameters: \{ domain:/,
    );
    const site = load(`${BASE}platform: { preset: mattermost, parameters: { domain: chat.corp.example } }\n`);
    expect(site.platform.endpoints.every((e) => e.host === 'chat.corp.example')).toBe(true);
    expect(site.platform.endpoints.find((e) => e.protocol === 'wss')?.url).toBe('wss://chat.corp.example/api/v4/websocket');
  });

  it('a site with neither endpoints nor a preset says what to add', () => {
    expect(problems(BASE)).toEqual([expect.stringMatching(/no platform endpoints.* \| add `platform: \{ preset: microsoft-teams \}`/)]);
  });

  it('UDP ports no check can reach are listed, not silently dropped', () => {
    const site = load(`${BASE}platform: { preset: zoom }\n`);
    expect(site.platform.untested?.length).toBeGreaterThan(0);
    expect(site.platform.untested![0]).toMatchObject({ platform: 'zoom', what: expect.stringMatching(/^udp /) });
  });
});

describe('platforms: (comparison)', () => {
  it('expands every platform, keeps each one’s thresholds apart, and sets none site-wide', () => {
    const site = load(`${BASE}platforms: [microsoft-teams, zoom, feishu]\n`);
    expect(site.platforms).toEqual(['microsoft-teams', 'zoom', 'feishu']);
    expect(site.platform.catalogs?.map((c) => c.id)).toEqual(['microsoft-teams', 'zoom', 'feishu']);
    const owners = new Set(site.platform.endpoints.map((e) => (e.extra.catalog as EndpointOrigin).platform));
    expect(owners).toEqual(new Set(['microsoft-teams', 'zoom', 'feishu']));
    expect(site.thresholds['latency.rttMs']).toBeUndefined();
    expect(site.platform.thresholdsBy?.['microsoft-teams']?.['latency.rttMs']).toBe(100);
  });

  it('--platform replaces the file’s list', () => {
    const site = load(`${BASE}platforms: [microsoft-teams]\n`, { platforms: ['zoom', 'webex'] });
    expect(site.platform.catalogs?.map((c) => c.id)).toEqual(['zoom', 'webex']);
  });

  it('the demo maps catalog ports onto the lab’s', () => {
    const site = load(`${BASE}platform: { preset: microsoft-teams }\n`, {
      portMap: (port, service) => (service === 'stun' ? 40000 : port === 443 ? 40001 : 40002),
    });
    const https = site.platform.endpoints.find((e) => e.name === 'microsoft-teams/ms-12-teams-signalling')!;
    expect(https.port).toBe(40001);
    expect(https.ports).toEqual([40002]);
    expect(site.platform.endpoints.find((e) => e.protocol === 'stun')!.port).toBe(40000);
  });
});
