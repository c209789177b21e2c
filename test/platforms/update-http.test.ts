// updatePlatform and fetchFeed against a real HTTP server on loopback: a Microsoft-format version
// and endpoints pair, then a newer version; and servers that stall, never stop sending or redirect
// in a loop. Nothing leaves 127.0.0.1.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchFeed } from '../../src/platforms/feed-fetch.js';
import { FeedError } from '../../src/platforms/feeds/errors.js';
import { applySnapshot, loadCachedSnapshot, updatePlatform } from '../../src/platforms/update.js';
import type { PlatformCatalog } from '../../src/platforms/types.js';
import { toolVersion } from '../../src/version.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url));

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
let routes: Map<string, Handler>;
let seen: Array<{ path: string; query: URLSearchParams; headers: IncomingMessage['headers'] }>;
const sockets = new Set<Socket>();
let cacheDir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    const handler = routes.get(url.pathname);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  routes = new Map();
  seen = [];
  cacheDir = await mkdtemp(join(tmpdir(), 'sr-feeds-'));
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await rm(cacheDir, { recursive: true, force: true });
});

const json = (body: Buffer | string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
};

function teams(): PlatformCatalog {
  return {
    id: 'teams',
    name: 'Microsoft Teams',
    vendor: 'Microsoft',
    kind: 'saas',
    version: '2025-10-01',
    instance: 'Worldwide',
    description: 'Teams',
    sources: [
      {
        id: 'm365-ws',
        title: 'Microsoft 365 IP address and URL web service',
        url: 'https://learn.microsoft.com/microsoft-365/enterprise/microsoft-365-ip-web-service',
        read: '2025-10-01',
        feed: { format: 'microsoft-endpoints', url: 'https://endpoints.office.com/endpoints/Worldwide' },
      },
    ],
    endpoints: [
      {
        id: 'signalling',
        hosts: ['*.teams.microsoft.com', 'teams.microsoft.com'],
        probeHost: 'teams.microsoft.com',
        tcp: [443],
        category: 'allow',
        role: 'signalling',
        required: true,
        source: 'm365-ws',
      },
    ],
    ranges: [
      {
        id: 'media',
        category: 'optimize',
        role: 'media',
        ipv4: ['13.107.64.0/18', '52.112.0.0/14'],
        ipv6: ['2603:1063::/38'],
        source: 'm365-ws',
      },
    ],
  };
}

function zoom(url: string): PlatformCatalog {
  return {
    id: 'zoom',
    name: 'Zoom',
    vendor: 'Zoom',
    kind: 'saas',
    version: '2025-10-01',
    description: 'Zoom',
    sources: [{ id: 'zoom-ranges', title: 'Zoom IP ranges', url, read: '2025-10-01', feed: { format: 'zoom-ranges', url } }],
    endpoints: [],
    ranges: [{ id: 'media', category: 'allow', role: 'media', ipv4: ['3.7.35.0/25', '198.51.100.0/24'], source: 'zoom-ranges' }],
  };
}

async function failure(p: Promise<unknown>): Promise<FeedError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FeedError);
    return err as FeedError;
  }
  throw new Error('resolved');
}

describe('Microsoft web service', () => {
  it('reads version and endpoints, then a newer version: the diff, the cache and the hourly limit', async () => {
    routes.set('/m365/version/Worldwide', json(fixture('microsoft-version-worldwide.json')));
    routes.set('/m365/endpoints/Worldwide', json(fixture('microsoft-endpoints-2025110300.json')));
    let clock = new Date('2025-11-03T10:00:00Z');
    const opts = { sourceUrl: `${base}/m365`, cacheDir, timeoutMs: 5000, now: () => clock };

    const first = await updatePlatform(teams(), opts);
    expect(first.check).toBe('new');
    expect(first.snapshot.version).toBe('2025110300');
    expect(first.snapshot.instance).toBe('Worldwide');
    expect(first.snapshot.sourceUrl).toBe(`${base}/m365/endpoints/Worldwide`);
    // Against the catalog as shipped.
    expect(first.diff.version).toEqual({ from: '2025-10-01', to: '2025110300' });
    expect(first.diff.ranges.added).toContain('52.122.0.0/15');
    expect(first.diff.ranges.removed).toEqual([]);
    const ids = seen.map((s) => s.query.get('clientrequestid'));
    expect(seen.map((s) => s.path)).toEqual(['/m365/version/Worldwide', '/m365/endpoints/Worldwide']);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(seen[0]!.headers['user-agent']).toBe(`siteready/${toolVersion()}`);

    // Microsoft publishes a new version; within the hour nothing is asked.
    routes.set('/m365/version/Worldwide', json('{"instance":"Worldwide","latest":"2025120100"}'));
    routes.set('/m365/endpoints/Worldwide', json(fixture('microsoft-endpoints-2025120100.json')));
    clock = new Date('2025-11-03T10:30:00Z');
    seen = [];
    const soon = await updatePlatform(teams(), opts);
    expect(soon.check).toBe('skipped');
    expect(soon.unchanged).toBe(true);
    expect(soon.snapshot.version).toBe('2025110300');
    expect(seen).toEqual([]);

    // An hour later the version is asked and the new list read.
    clock = new Date('2025-11-03T11:00:01Z');
    const second = await updatePlatform(teams(), opts);
    expect(second.check).toBe('new');
    expect(second.unchanged).toBe(false);
    expect(second.diff.version).toEqual({ from: '2025110300', to: '2025120100' });
    expect(second.diff.ranges).toEqual({ added: ['52.123.0.0/16'], removed: ['13.107.64.0/18'] });
    expect(second.diff.hosts).toEqual({ added: ['statics.teams.cdn.office.net'], removed: [], notProbed: [] });
    const cached = await loadCachedSnapshot('teams', cacheDir);
    expect(cached.warning).toBeUndefined();
    expect(cached.snapshot?.version).toBe('2025120100');
    expect(cached.snapshot?.checkedAt).toBe('2025-11-03T11:00:01.000Z');

    // A second call within that hour skips the version call again.
    seen = [];
    clock = new Date('2025-11-03T11:20:00Z');
    const third = await updatePlatform(teams(), opts);
    expect(third.check).toBe('skipped');
    expect(seen).toEqual([]);

    // Forced: the version is asked (and the list read) regardless.
    const forced = await updatePlatform(teams(), { ...opts, force: true });
    expect(forced.check).toBe('new');
    expect(forced.unchanged).toBe(true);
    expect(seen.map((s) => s.path)).toEqual(['/m365/version/Worldwide', '/m365/endpoints/Worldwide']);

    // After the hour, the same version: only the version call, and the check time moves on.
    seen = [];
    clock = new Date('2025-11-03T13:00:00Z');
    const same = await updatePlatform(teams(), opts);
    expect(same.check).toBe('same');
    expect(same.unchanged).toBe(true);
    expect(seen.map((s) => s.path)).toEqual(['/m365/version/Worldwide']);
    expect((await loadCachedSnapshot('teams', cacheDir)).snapshot?.checkedAt).toBe('2025-11-03T13:00:00.000Z');

    // The catalog as assessments use it.
    const applied = applySnapshot(teams(), second.snapshot);
    expect(applied.version).toBe('2025120100');
    const media = applied.ranges!.find((r) => r.category === 'optimize' && r.role === 'media')!;
    expect(media.ipv4).toEqual(['52.112.0.0/14', '52.122.0.0/15', '52.123.0.0/16']);
    expect(media.ipv6).toEqual(['2603:1063::/38']);
    expect(media.source).toBe('m365-ws');
    expect(media.unconfirmed).toBeUndefined();
  });

  it('an HTML portal page served with 200 in place of the version', async () => {
    routes.set('/m365/version/Worldwide', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Log in</body></html>'),
    );
    const err = await failure(updatePlatform(teams(), { sourceUrl: `${base}/m365`, cacheDir, timeoutMs: 5000 }));
    expect(err.kind).toBe('html');
    expect((await loadCachedSnapshot('teams', cacheDir)).snapshot).toBeUndefined();
  });

  it('429 from the service', async () => {
    routes.set('/m365/version/Worldwide', (_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const err = await failure(updatePlatform(teams(), { sourceUrl: `${base}/m365`, cacheDir, timeoutMs: 5000 }));
    expect(err.kind).toBe('rate-limited');
    expect(err.detail.retryAfter).toBe(3600);
  });
});

describe('unversioned files', () => {
  it('a Zoom file: dated and hashed, unchanged when the body is the same', async () => {
    routes.set('/ipranges/Zoom.txt', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(fixture('zoom-ranges.txt')));
    const url = `${base}/ipranges/Zoom.txt`;
    const clock = new Date('2025-11-04T08:00:00Z');
    const first = await updatePlatform(zoom(url), { cacheDir, timeoutMs: 5000, now: () => clock });
    expect(first.snapshot.version).toMatch(/^2025-11-04\+sha256:[0-9a-f]{12}$/);
    expect(first.snapshot.ranges[0]).toEqual({ cidr: '3.7.35.0/25', service: 'Zoom' });
    expect(first.diff.ranges.removed).toEqual(['198.51.100.0/24']);
    const later = new Date('2025-11-05T08:00:00Z');
    const again = await updatePlatform(zoom(url), { cacheDir, timeoutMs: 5000, now: () => later });
    expect(again.check).toBe('same');
    expect(again.unchanged).toBe(true);
    expect(again.snapshot.version).toBe(first.snapshot.version);
    // Zoom says nothing of category or role: the catalog's own for that source is kept.
    const applied = applySnapshot(zoom(url), again.snapshot);
    expect(applied.ranges).toHaveLength(1);
    expect(applied.ranges![0]).toMatchObject({ id: 'zoom-ranges-allow-media', role: 'media', category: 'allow', source: 'zoom-ranges' });
    expect(applied.ranges![0]!.ipv6).toContain('2407:30c0::/32');
    expect(applied.sources[0]!.read).toBe('2025-11-04');
  });

  it('a mirror URL replaces the file URL; credentials in it are sent, never stored', async () => {
    routes.set('/mirror/zoom.txt', (req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('me:s3cret').toString('base64')}`) return void res.writeHead(401).end();
      res.writeHead(200).end('3.7.35.0/25\n');
    });
    const mirror = `${base.replace('http://', 'http://me:s3cret@')}/mirror/zoom.txt`;
    const r = await updatePlatform(zoom('https://assets.zoom.us/docs/ipranges/Zoom.txt'), { cacheDir, timeoutMs: 5000, sourceUrl: mirror });
    expect(r.snapshot.sourceUrl).toBe(`${base}/mirror/zoom.txt`);
    const file = await readFile(r.cachePath, 'utf8');
    expect(file).not.toContain('s3cret');
  });

  it('a catalog without a feed', async () => {
    const c = { ...zoom('https://x.example/z.txt'), sources: [{ id: 'doc', title: 'doc', url: 'https://x.example', read: '2025-01-01' }] };
    const err = await failure(updatePlatform(c, { cacheDir }));
    expect(err.kind).toBe('no-feed');
    expect(err.message).toMatch(/no machine-readable feed/);
  });
});

describe('servers that misbehave', () => {
  it('a server that accepts and never answers: timeout within the deadline', async () => {
    routes.set('/stall', () => {});
    const t0 = Date.now();
    const err = await failure(fetchFeed(`${base}/stall`, { timeoutMs: 400 }));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a body that trickles forever: timeout within the deadline', async () => {
    routes.set('/trickle', (_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('3.7.35.0/25\n'), 20);
      res.on('close', () => clearInterval(t));
    });
    const t0 = Date.now();
    const err = await failure(fetchFeed(`${base}/trickle`, { timeoutMs: 500 }));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('an endless body: too large, counted while streaming', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    routes.set('/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const t0 = Date.now();
    const err = await failure(fetchFeed(`${base}/endless`, { timeoutMs: 10_000 }));
    expect(err.kind).toBe('too-large');
    expect(err.detail.limit).toBe(16 * 1024 * 1024);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a Content-Length past the cap is refused before reading', async () => {
    routes.set('/big', (_req, res) => res.writeHead(200, { 'content-length': String(1 << 20) }).end(Buffer.alloc(1 << 20)));
    expect((await failure(fetchFeed(`${base}/big`, { timeoutMs: 5000, maxBytes: 1000 }))).kind).toBe('too-large');
  });

  it('a redirect loop: too many redirects', async () => {
    routes.set('/a', (_req, res) => res.writeHead(302, { location: '/b' }).end());
    routes.set('/b', (_req, res) => res.writeHead(301, { location: `${base}/a` }).end());
    const err = await failure(fetchFeed(`${base}/a`, { timeoutMs: 5000 }));
    expect(err.kind).toBe('too-many-redirects');
    expect(seen).toHaveLength(4);
  });

  it('redirects are followed (up to three), and never to another scheme', async () => {
    routes.set('/r1', (_req, res) => res.writeHead(307, { location: '/r2' }).end());
    routes.set('/r2', (_req, res) => res.writeHead(308, { location: '/feed.txt' }).end());
    routes.set('/feed.txt', (_req, res) => res.writeHead(200).end('3.7.35.0/25\n'));
    routes.set('/ftp', (_req, res) => res.writeHead(302, { location: 'ftp://127.0.0.1/x' }).end());
    const ok = await fetchFeed(`${base}/r1`, { timeoutMs: 5000 });
    expect(ok.url).toBe(`${base}/feed.txt`);
    expect(ok.body.toString()).toBe('3.7.35.0/25\n');
    expect(ok.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await failure(fetchFeed(`${base}/ftp`, { timeoutMs: 5000 }))).kind).toBe('unsupported-scheme');
    expect((await failure(fetchFeed('file:///etc/passwd'))).kind).toBe('unsupported-scheme');
    expect((await failure(fetchFeed('not a url'))).kind).toBe('invalid-url');
  });

  it('HTTP errors, a server that hangs up, a closed port', async () => {
    routes.set('/gone', (_req, res) => res.writeHead(503).end());
    routes.set('/hangup', (req) => req.socket.destroy());
    expect((await failure(fetchFeed(`${base}/gone`, { timeoutMs: 5000 }))).detail.status).toBe(503);
    expect((await failure(fetchFeed(`${base}/hangup`, { timeoutMs: 5000 }))).kind).toBe('network');
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    expect((await failure(fetchFeed(`http://127.0.0.1:${closed}/x`, { timeoutMs: 5000 }))).kind).toBe('network');
  });

  it('the caller cancels', async () => {
    routes.set('/stall', () => {});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await failure(fetchFeed(`${base}/stall`, { timeoutMs: 10_000, signal: ac.signal }));
    expect(err.kind).toBe('aborted');
  });

  it('through a proxy the caller names', async () => {
    routes.set('/feed.txt', (_req, res) => res.writeHead(200).end('3.7.35.0/25\n'));
    const tunnels: string[] = [];
    const proxy = createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      if (req.headers['proxy-authorization'] !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as AddressInfo).port;
    try {
      const ok = await fetchFeed(`${base}/feed.txt`, { timeoutMs: 5000, proxy: `http://u:p@127.0.0.1:${proxyPort}` });
      expect(ok.body.toString()).toBe('3.7.35.0/25\n');
      expect(tunnels).toEqual([base.replace('http://', '')]);
      const refused = await failure(fetchFeed(`${base}/feed.txt`, { timeoutMs: 5000, proxy: `http://127.0.0.1:${proxyPort}` }));
      expect(refused.kind).toBe('proxy');
      expect(refused.detail.status).toBe(407);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
