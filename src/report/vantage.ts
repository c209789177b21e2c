// Where the test ran from: a report handed to a client must say from which host, which addresses,
// through which resolvers and proxy, and when — the same network looks different from the branch
// LAN, a VPN client or a data centre. Read from the local system only (nothing is sent), plus the
// reflexive addresses the STUN servers reported during the run.

import { getServers } from 'node:dns';
import { hostname, networkInterfaces, platform, release } from 'node:os';
import type { TaskResult } from '../runner/run.js';
import type { Site } from '../site/types.js';

export interface Vantage {
  host: string;
  os: string;
  /** Addresses of the up, non-internal interfaces, "address (interface)". */
  addresses: string[];
  /** The resolvers names were asked: the site's, else the system's. */
  resolvers: string[];
  resolverSource: 'site' | 'system';
  /** The proxy the site routes through (credentials are never part of it). */
  proxy?: string;
  /** This site as the internet sees it: STUN servers' reflexive addresses, "ip:port". */
  reflexive: string[];
  window: { start: string; end: string };
}

/** The local part, gathered before measuring. */
export function gatherVantage(site: Site): Omit<Vantage, 'reflexive' | 'window'> {
  const addresses = Object.entries(networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((a) => !a.internal).map((a) => `${a.address} (${name})`),
  );
  const servers = site.network.dns?.servers ?? [];
  const proxy = site.network.proxy?.url ?? site.network.proxy?.pac;
  return {
    host: hostname(),
    os: `${platform()} ${release()}`,
    addresses,
    resolvers: servers.length ? servers : safeServers(),
    resolverSource: servers.length ? 'site' : 'system',
    ...(proxy ? { proxy: withoutCredentials(proxy) } : {}),
  };
}

function safeServers(): string[] {
  try {
    return getServers();
  } catch {
    return [];
  }
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** Reflexive addresses anywhere in the STUN results' facts (each transport, NAT discovery). */
export function reflexiveAddresses(results: TaskResult[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 4) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'reflexive' && typeof x === 'string') found.add(x);
      else walk(x, depth + 1);
    }
  };
  for (const r of results) if (r.check === 'stun') walk(r.facts, 0);
  return [...found].sort();
}
