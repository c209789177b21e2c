// The catalogs under platforms/ that name a feed, updated from a loopback mirror replaying the
// vendor's format: their feed sections are what updatePlatform expects.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applySnapshot, updatePlatform } from '../../src/platforms/update.js';
import type { PlatformCatalog } from '../../src/platforms/types.js';

const root = new URL('../../', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`test/fixtures/feeds/${name}`, root));
const catalog = (id: string) => parse(readFileSync(new URL(`platforms/${id}.yaml`, root), 'utf8')) as PlatformCatalog;
const shipped = (id: string) => existsSync(new URL(`platforms/${id}.yaml`, root));

let server: Server;
let base: string;
const paths: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    paths.push(path);
    if (path === '/m365/version/Worldwide') return void res.end('{"instance":"Worldwide","latest":"2025110300"}');
    if (path === '/m365/version/China') return void res.end(fixture('microsoft-version-all.json'));
    if (path.startsWith('/m365/endpoints/')) return void res.end(fixture('microsoft-endpoints-2025110300.json'));
    if (path === '/zoom/Zoom.txt') return void res.end(fixture('zoom-ranges.txt'));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe.each([
  ['microsoft-teams', '/m365', '/m365/endpoints/Worldwide'],
  ['microsoft-teams-china', '/m365', '/m365/endpoints/China'],
  ['zoom', '/zoom/Zoom.txt', '/zoom/Zoom.txt'],
])('%s', (id, mirror, endpoints) => {
  it.runIf(shipped(id))('updates from a mirror and applies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sr-shipped-'));
    try {
      const c = catalog(id);
      const r = await updatePlatform(c, { sourceUrl: `${base}${mirror}`, cacheDir: dir, timeoutMs: 5000 });
      expect(r.snapshot.sourceUrl).toBe(`${base}${endpoints}`);
      expect(r.snapshot.ranges.length).toBeGreaterThan(0);
      const applied = applySnapshot(c, r.snapshot);
      expect(applied.version).toBe(r.snapshot.version);
      expect(applied.endpoints.length).toBeGreaterThanOrEqual(c.endpoints.length);
      expect(applied.ranges!.every((x) => !x.unconfirmed && (x.ipv4?.length || x.ipv6?.length))).toBe(true);
      if (id === 'zoom') expect(applied.ranges!.every((x) => x.role === 'media')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
