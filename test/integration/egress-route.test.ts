// Route lookups against a real tun device: inside a network namespace, a tun interface with a
// route to TEST-NET-2 (198.51.100.0/24) and a default route over the namespace's veth. The lookups
// run inside the namespace (so `ip` and /sys/class/net are the namespace's own); `ip route get`
// sends nothing, so no traffic leaves the namespace. Then the whole egress check, planned and run
// through the library inside the namespace on a site whose endpoints carry catalog origins.

import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EgressRoute } from '../../src/net/egress-route.js';
import type { TaskResult } from '../../src/runner/run.js';
import { requireTool, ROOT } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import { createNetns, netnsSupported, run, type Netns } from '../helpers/netns.js';

const available =
  requireTool(netnsSupported(), 'root with ip netns and iptables') && requireTool(existsSync('/dev/net/tun'), 'the tun driver');

const dist = (path: string) => pathToFileURL(join(ROOT, 'dist', path)).href;

/** Runs an ES module inside the namespace and returns what it printed as JSON. */
async function inNamespace<T>(ns: Netns, script: string, args: string[] = []): Promise<T> {
  const r = await run('ip', ['netns', 'exec', ns.name, process.execPath, '--input-type=module', '-e', script, ...args], 30_000);
  if (r.code !== 0) throw new Error(`script in ${ns.name} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const LOOKUP = `
import { lookupRoute, defaultRouteDevs } from ${JSON.stringify(dist('src/net/egress-route.js'))};
const routes = {};
for (const a of process.argv.slice(1)) routes[a] = await lookupRoute(a, { timeoutMs: 5000 });
console.log(JSON.stringify({ routes, defaults: await defaultRouteDevs(4) }));
`;

describe.skipIf(!available)('egress routes in a namespace with a tun device', () => {
  let ns: Netns | undefined;
  const tun = `srtun${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    ns = await createNetns();
    await ns.exec(['ip', 'tuntap', 'add', 'dev', tun, 'mode', 'tun']);
    await ns.exec(['ip', 'link', 'set', tun, 'up']);
    await ns.exec(['ip', 'route', 'add', '198.51.100.0/24', 'dev', tun]);
    await ns.exec(['ip', 'route', 'add', 'default', 'via', ns.hostIp]);
    await ns.exec(['ip', 'route', 'add', 'blackhole', '203.0.113.128/25']);
  });

  afterAll(async () => {
    await ns?.destroy();
  });

  it('finds the tun, classifies it as a tunnel, and the veth and loopback as not', async () => {
    const { routes, defaults } = await inNamespace<{ routes: Record<string, EgressRoute>; defaults: string[] }>(ns!, LOOKUP, [
      '198.51.100.7',
      '203.0.113.5',
      ns!.nsIp,
      '127.0.0.1',
      '203.0.113.130',
    ]);
    expect(defaults).toEqual([ns!.nsIf]);
    // The tun has no address of its own: the kernel picks the veth's as the source.
    expect(routes['198.51.100.7']).toEqual({
      status: 'ok',
      dev: tun,
      source: ns!.nsIp,
      linkType: 65534,
      tunnel: true,
      tunnelKind: 'tun',
      tunnelBy: 'link-type',
    });
    expect(routes['203.0.113.5']).toEqual({
      status: 'ok',
      dev: ns!.nsIf,
      gateway: ns!.hostIp,
      source: ns!.nsIp,
      linkType: 1,
      tunnel: false,
    });
    expect(routes[ns!.nsIp]).toMatchObject({ status: 'local', type: 'local', dev: 'lo' });
    expect(routes['127.0.0.1']).toMatchObject({ status: 'local', dev: 'lo' });
    expect(routes['203.0.113.130']).toMatchObject({ status: 'no-route', type: 'blackhole' });
  });

  it('the egress check, run through the library: Optimize media through the tun is a high finding', async () => {
    const script = `
import { parseSiteText } from ${JSON.stringify(dist('src/site/load.js'))};
import { builtinCheck } from ${JSON.stringify(dist('src/runner/registry.js'))};
import { planAssessment } from ${JSON.stringify(dist('src/runner/plan.js'))};
import { runPlan } from ${JSON.stringify(dist('src/runner/run.js'))};
const [nsIp] = process.argv.slice(1);
const yaml = [
  'version: 1',
  'site: { name: Egress lab }',
  'platform:',
  '  endpoints:',
  '    - { name: lab-media, url: "https://198.51.100.7/", role: media }',
  '    - { name: lab-web, url: "https://203.0.113.5/", role: web }',
  '    - { name: lab-files, url: "https://' + nsIp + '/", role: files }',
  '    - { name: own-api, url: "https://203.0.113.6/", role: api }',
].join('\\n');
const { site } = parseSiteText(yaml, 'egress-lab.yaml', { env: {}, secrets: 'placeholder' });
// What the platform preset expansion adds: each endpoint's catalog origin, and the catalog itself.
const origin = { 'lab-media': ['media', 'optimize'], 'lab-web': ['web', 'allow'], 'lab-files': ['files', 'default'] };
for (const ep of site.platform.endpoints) {
  const o = origin[ep.name];
  if (o) ep.extra.catalog = { platform: 'lab', entry: o[0], category: o[1], role: ep.role, required: true };
}
site.platform.catalogs = [{
  id: 'lab', name: 'Lab Platform', vendor: 'Lab', kind: 'saas', version: '2025-01-01', description: 'test',
  sources: [{ id: 's', title: 't', url: 'https://example.test/', read: '2025-01-01' }],
  endpoints: [],
  ranges: [{ id: 'lab-media', category: 'optimize', role: 'media', ipv4: ['198.51.100.0/24', '203.0.113.0/24'], source: 's' }],
}];
const check = await builtinCheck('egress');
const plan = planAssessment(site, [check]);
const results = await runPlan(plan, { concurrency: 4 });
console.log(JSON.stringify(results));
`;
    const results = await inNamespace<TaskResult[]>(ns!, script, [ns!.nsIp]);
    const by = (t: string) => results.find((r) => r.target === t)!;
    expect(await factsSchemaProblems(results)).toEqual([]);
    expect(results.every((r) => r.factsVersion === 1)).toBe(true);
    expect(results.map((r) => r.target).sort()).toEqual(['lab-files', 'lab-media', 'lab-web']);

    const media = by('lab-media');
    expect(media.status).toBe('fail');
    expect(media.findings.map((f) => f.id)).toEqual(['egress.tunnelled']);
    expect(media.findings[0]!.severity).toBe('high');
    expect(media.findings[0]!.evidence).toMatchObject({ dev: tun, kind: 'tun', by: 'link-type', sameAsDefault: false });
    expect(media.measurements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'inRangePercent', value: 100 }),
        expect.objectContaining({ id: 'interface', value: tun }),
      ]),
    );

    const web = by('lab-web');
    expect(web.status).toBe('pass');
    expect(web.measurements).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'interface', value: ns!.nsIf })]));

    // The namespace's own (private) address, outside the published ranges: a rewritten answer, low for Default.
    const files = by('lab-files');
    expect(files.findings.map((f) => f.id)).toEqual(['egress.dns-rewritten']);
    expect(files.findings[0]!.severity).toBe('low');
    expect(files.facts).toMatchObject({ addresses: [{ address: ns!.nsIp, scope: 'private', route: { status: 'local', dev: 'lo' } }] });
  });
});
