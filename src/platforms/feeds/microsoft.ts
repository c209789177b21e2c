// The Microsoft 365 IP address and URL web service: the version method (is there something new?)
// and the endpoints method (the lists). Teams lives in serviceArea "Skype"; "Common" holds what
// every Microsoft 365 client needs (sign-in, the portal, telemetry), so both are kept.

import { randomUUID } from 'node:crypto';
import type { CatalogRole, VendorCategory } from '../types.js';
import { FeedCollector } from './collect.js';
import { FeedError } from './errors.js';
import { parseFeedJson } from './json.js';
import { parsePortList, portsOverlap } from './ports.js';
import { MAX_ENTRIES, printable, type ParsedFeed } from './snapshot.js';
import { feedText } from './text.js';

export const MICROSOFT_INSTANCES = ['Worldwide', 'USGovDoD', 'USGovGCCHigh', 'China'] as const;
export type MicrosoftInstance = (typeof MICROSOFT_INSTANCES)[number];

/** The service areas kept from the feed. */
export const MICROSOFT_SERVICE_AREAS: ReadonlySet<string> = new Set(['Skype', 'Common']);

/** Microsoft asks that the version method be called at most once an hour. */
export const MICROSOFT_VERSION_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The instance a catalog or a feed URL names: a known instance name at the end of the URL's path
 * ("/endpoints/China"), else the catalog's instance ("China (operated by 21Vianet)"), else Worldwide.
 */
export function microsoftInstance(feedUrl: string | undefined, catalogInstance: string | undefined): MicrosoftInstance {
  const fromUrl = feedUrl ? /\/(?:endpoints|version)\/([A-Za-z]+)\/?$/.exec(safePath(feedUrl))?.[1] : undefined;
  for (const hint of [fromUrl, catalogInstance?.split(/[\s(]/)[0]]) {
    const found = MICROSOFT_INSTANCES.find((i) => i.toLowerCase() === hint?.toLowerCase());
    if (found) return found;
  }
  return 'Worldwide';
}

export interface MicrosoftUrls {
  instance: MicrosoftInstance;
  versionUrl: string;
  endpointsUrl: string;
}

/**
 * Where to read the version and the endpoints. With a base (a mirror, or a feed URL that is just the
 * service's root) they are `{base}/version/{instance}` and `{base}/endpoints/{instance}`; otherwise
 * the catalog's own URLs, with a version URL derived from the endpoints URL when none is given.
 */
export function microsoftUrls(opts: { feedUrl: string; versionUrl?: string; instance: MicrosoftInstance; base?: string }): MicrosoftUrls {
  const { instance } = opts;
  const join = (base: string, method: string) => {
    const u = parseUrl(base);
    u.pathname = `${u.pathname.replace(/\/+$/, '')}/${method}/${instance}`;
    return u.toString();
  };
  if (opts.base) return { instance, versionUrl: join(opts.base, 'version'), endpointsUrl: join(opts.base, 'endpoints') };
  const feed = parseUrl(opts.feedUrl);
  const m = /^(.*)\/endpoints\/[A-Za-z]+\/?$/.exec(feed.pathname);
  if (!m) return { instance, versionUrl: opts.versionUrl ?? join(opts.feedUrl, 'version'), endpointsUrl: join(opts.feedUrl, 'endpoints') };
  const root = new URL(feed);
  root.pathname = m[1]!;
  root.search = '';
  return { instance, versionUrl: opts.versionUrl ?? join(root.toString(), 'version'), endpointsUrl: feed.toString() };
}

/** The URL with a fresh clientrequestid, as the service requires of every call. */
export function withClientRequestId(url: string, id: string = randomUUID()): string {
  const u = parseUrl(url);
  for (const key of [...u.searchParams.keys()]) if (key.toLowerCase() === 'clientrequestid') u.searchParams.delete(key);
  u.searchParams.set('clientrequestid', id);
  return u.toString();
}

/** The URL without its clientrequestid: a per-request id is not part of what was read. */
export function withoutClientRequestId(url: string): string {
  const u = parseUrl(url);
  for (const key of [...u.searchParams.keys()]) if (key.toLowerCase() === 'clientrequestid') u.searchParams.delete(key);
  return u.toString();
}

/** "2025110300" from `{"instance":"Worldwide","latest":"2025110300"}` or from the array `/version` answers. */
export function parseMicrosoftVersion(body: string | Uint8Array, instance: string): string {
  const doc = parseFeedJson(feedText(body));
  const items = Array.isArray(doc) ? doc : [doc];
  if (items.length > 100) throw new FeedError('shape', 'the version answer lists more than 100 instances');
  const mine = items.find(
    (v): v is { instance: unknown; latest: unknown } =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { instance?: unknown }).instance === 'string' &&
      (v as { instance: string }).instance.toLowerCase() === instance.toLowerCase(),
  );
  if (!mine) throw new FeedError('shape', `the version answer has no entry for instance ${instance}`);
  if (typeof mine.latest !== 'string' || !/^\d{10}$/.test(mine.latest))
    throw new FeedError('shape', 'the version answer\'s "latest" is not a YYYYMMDDNN version');
  return mine.latest;
}

const CATEGORIES: Record<string, VendorCategory> = { optimize: 'optimize', allow: 'allow', default: 'default' };

/** The Skype and Common entries' ranges and hosts. A bad entry or value is a counted problem; a bad document is a FeedError. */
export function parseMicrosoftEndpoints(body: string | Uint8Array): ParsedFeed {
  const doc = parseFeedJson(feedText(body));
  if (!Array.isArray(doc)) {
    const err =
      typeof doc === 'object' && doc !== null && 'error' in doc
        ? `: ${printable(String((doc as { error: unknown }).error)).slice(0, 200)}`
        : '';
    throw new FeedError('shape', `the endpoints answer is not a list of entries${err}`);
  }
  if (doc.length > MAX_ENTRIES) throw new FeedError('too-many', `the feed has more than ${MAX_ENTRIES} entries`, { limit: MAX_ENTRIES });
  const out = new FeedCollector();
  doc.forEach((raw: unknown, index) => {
    const entry = readEntry(raw, index);
    if (typeof entry === 'string') {
      out.problems.add(entryName(raw, index), entry);
      return;
    }
    if (!MICROSOFT_SERVICE_AREAS.has(entry.serviceArea)) return;
    const at = `entry id ${entry.id}`;
    // The feed says what a block is for only through its ports: the UDP 3478-3481 entries are
    // Teams media (STUN, audio, video, screen share); the rest of Skype is signalling.
    const role: CatalogRole = portsOverlap(entry.udp, 3478, 3481) ? 'media' : entry.serviceArea === 'Skype' ? 'signalling' : 'other';
    const labels = { category: entry.category, role, service: entry.serviceArea };
    for (const ip of entry.ips)
      if (typeof ip === 'string') out.addRange(ip, at, labels);
      else out.problems.add(at, 'an ips item is not a string');
    for (const url of entry.urls) {
      if (typeof url !== 'string') {
        out.problems.add(at, 'a urls item is not a string');
        continue;
      }
      out.addHost(url, at, {
        ...labels,
        ...(entry.tcp ? { tcp: entry.tcp } : {}),
        ...(entry.udp ? { udp: entry.udp } : {}),
        required: entry.required,
      });
    }
  });
  return out.finish('Teams (Skype) or Common entries');
}

interface Entry {
  id: number;
  serviceArea: string;
  category: VendorCategory;
  required: boolean;
  ips: unknown[];
  urls: unknown[];
  tcp?: Array<number | string>;
  udp?: Array<number | string>;
}

/** One entry checked field by field; a string says why it was skipped. */
function readEntry(raw: unknown, index: number): Entry | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `entry ${index} is not an object`;
  const e = raw as Record<string, unknown>;
  if (typeof e.id !== 'number' || !Number.isInteger(e.id)) return 'id is not an integer';
  if (typeof e.serviceArea !== 'string') return 'serviceArea is not a string';
  const category = typeof e.category === 'string' ? CATEGORIES[e.category.toLowerCase()] : undefined;
  if (!category) return 'category is not Optimize, Allow or Default';
  if (typeof e.required !== 'boolean') return 'required is not true or false';
  for (const key of ['ips', 'urls'] as const) {
    if (e[key] !== undefined && e[key] !== null && !Array.isArray(e[key])) return `${key} is not a list`;
  }
  const ports: Partial<Record<'tcp' | 'udp', Array<number | string>>> = {};
  for (const [key, proto] of [
    ['tcpPorts', 'tcp'],
    ['udpPorts', 'udp'],
  ] as const) {
    const v = e[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') return `${key} is not a string of ports`;
    const list = parsePortList(v);
    if (typeof list === 'string') return `${key}: ${list}`;
    ports[proto] = list;
  }
  return {
    id: e.id,
    serviceArea: e.serviceArea,
    category,
    required: e.required,
    ips: (e.ips as unknown[] | undefined) ?? [],
    urls: (e.urls as unknown[] | undefined) ?? [],
    ...ports,
  };
}

function entryName(raw: unknown, index: number): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'number' ? `entry id ${id}` : `entry ${index}`;
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new FeedError('invalid-url', `"${text.slice(0, 200)}" is not a URL`);
  }
}

function safePath(text: string): string {
  try {
    return new URL(text).pathname;
  } catch {
    return '';
  }
}
