// Which way traffic to an address leaves this machine: the kernel's own route decision, asked with
// `ip -j route get` (nothing is sent), the interface it names, and whether that interface is a
// tunnel (a VPN client's tun, WireGuard, PPP, IPsec VTI, GRE). Real-time media hair-pinned through
// a VPN concentrator is the classic cause of poor calls that Microsoft's connectivity test flags.
//
// Only Linux is asked, and only through iproute2: where either is missing the answer is "not
// determined", never a guess from interface names alone.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { defineArtifact, type MeasureContext } from '../plugin-api.js';

export type RouteStatus =
  /** A unicast route: dev (and gateway) known. */
  | 'ok'
  /** The address is this machine's own: traffic never leaves. */
  | 'local'
  /** The kernel refuses: no route, or an unreachable / prohibit / blackhole route. */
  | 'no-route'
  /** Could not be asked: not Linux, no iproute2, the lookup failed or timed out. */
  | 'not-determined';

export type NotDeterminedReason = 'not-linux' | 'no-ip' | 'failed' | 'timeout' | 'unparsed';

export type TunnelEvidence = 'link-type' | 'name';

export interface EgressRoute {
  status: RouteStatus;
  reason?: NotDeterminedReason;
  /** The kernel's route type when not plain unicast: local, broadcast, blackhole, unreachable, prohibit, none (no route at all). */
  type?: string;
  dev?: string;
  gateway?: string;
  /** The source address the kernel would pick. */
  source?: string;
  /** ARPHRD_* link type of `dev` (/sys/class/net/<dev>/type). */
  linkType?: number;
  tunnel?: boolean;
  /** tun, wireguard, ppp, ipip, sit, gre, ipsec, vti, tailscale, zerotier … */
  tunnelKind?: string;
  tunnelBy?: TunnelEvidence;
  /** The interfaces the main table's default route for this family leaves by (several with ECMP). */
  defaultDevs?: string[];
  /** `dev` is one of them: this traffic follows the default route. */
  sameAsDefault?: boolean;
  /** What the lookup said when it failed. */
  message?: string;
}

/** One route from `ip -j route get`, as far as it matters here. */
export interface ParsedRoute {
  type: string;
  dst?: string;
  dev?: string;
  gateway?: string;
  prefsrc?: string;
}

/** The first route of `ip -j route get <address>` output, or undefined when it is not that. */
export function parseRouteGet(stdout: string): ParsedRoute | undefined {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const first = Array.isArray(data) ? (data[0] as unknown) : undefined;
  if (!first || typeof first !== 'object') return undefined;
  const r = first as Record<string, unknown>;
  const text = (k: string) => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : undefined);
  // Unicast routes carry no "type" in iproute2's JSON; every other kind names itself.
  const out: ParsedRoute = { type: text('type') ?? 'unicast' };
  for (const k of ['dst', 'dev', 'gateway', 'prefsrc'] as const) {
    const v = text(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The interfaces of the default routes in `ip -j route show default` output (multipath next hops included). */
export function parseDefaultRoutes(stdout: string): string[] | undefined {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(data)) return undefined;
  const devs = new Set<string>();
  for (const entry of data as unknown[]) {
    if (!entry || typeof entry !== 'object') continue;
    const r = entry as { dst?: unknown; dev?: unknown; nexthops?: unknown };
    if (r.dst !== undefined && r.dst !== 'default') continue;
    if (typeof r.dev === 'string') devs.add(r.dev);
    if (Array.isArray(r.nexthops)) for (const h of r.nexthops as Array<{ dev?: unknown }>) if (typeof h?.dev === 'string') devs.add(h.dev);
  }
  return [...devs];
}

/** What the kernel's refusal says, from the error `ip route get` prints. */
export function refusalType(stderr: string): string | undefined {
  if (/Network is unreachable/i.test(stderr)) return 'none';
  if (/No route to host/i.test(stderr)) return 'unreachable';
  if (/Permission denied/i.test(stderr)) return 'prohibit';
  // The kernel answers a lookup that hits a blackhole route with EINVAL.
  if (/Invalid argument/i.test(stderr)) return 'blackhole';
  return undefined;
}

/**
 * Link types (include/uapi/linux/if_arp.h) that only tunnels have. ARPHRD_NONE is what tun devices
 * (OpenVPN, AnyConnect, GlobalProtect, Tailscale), WireGuard and XFRM interfaces report.
 */
const TUNNEL_LINK_TYPES: Record<number, string> = {
  65534: 'tun',
  512: 'ppp',
  768: 'ipip',
  769: 'ip6tnl',
  776: 'sit',
  778: 'gre',
  823: 'ip6gre',
};

/**
 * Names VPN clients and tunnel drivers give their interfaces. They matter for the tunnels that
 * look like Ethernet to the kernel (OpenVPN's tap, ZeroTier, gretap) and name the kind of a tun.
 */
const TUNNEL_NAMES: Array<[RegExp, string]> = [
  [/^wg/, 'wireguard'],
  [/^nordlynx/, 'wireguard'],
  [/^tailscale/, 'tailscale'],
  [/^zt/, 'zerotier'],
  [/^utun/, 'utun'],
  [/^cscotun/, 'anyconnect'],
  [/^gpd\d/, 'globalprotect'],
  [/^ipsec/, 'ipsec'],
  [/^xfrm/, 'ipsec'],
  [/^vti/, 'vti'],
  [/^ip6tnl/, 'ip6tnl'],
  [/^tunl/, 'ipip'],
  [/^sit/, 'sit'],
  [/^(ip6)?gre/, 'gre'],
  [/^erspan/, 'gre'],
  [/^ppp/, 'ppp'],
  [/^tun/, 'tun'],
  [/^tap/, 'tap'],
];

/** Whether an interface is a tunnel, by its link type first and its name second. */
export function classifyInterface(dev: string, linkType?: number): { tunnel: boolean; kind?: string; by?: TunnelEvidence } {
  const named = TUNNEL_NAMES.find(([re]) => re.test(dev))?.[1];
  const byType = linkType === undefined ? undefined : TUNNEL_LINK_TYPES[linkType];
  if (byType) return { tunnel: true, kind: named ?? byType, by: 'link-type' };
  if (named) return { tunnel: true, kind: named, by: 'name' };
  return { tunnel: false };
}

/** An interface name as the kernel allows it (IFNAMSIZ, no slash): anything else is not read from sysfs. */
function safeDevName(dev: string): boolean {
  return /^[A-Za-z0-9_.:@+-]{1,15}$/.test(dev) && dev !== '.' && dev !== '..';
}

async function linkTypeOf(dev: string): Promise<number | undefined> {
  if (!safeDevName(dev)) return undefined;
  try {
    const n = Number.parseInt((await readFile(`/sys/class/net/${dev}/type`, 'utf8')).trim(), 10);
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

type IpResult = { kind: 'exit'; code: number | null; stdout: string; stderr: string } | { kind: 'missing' } | { kind: 'timeout' };

export interface RouteLookupOptions {
  signal?: AbortSignal;
  /** Deadline of each `ip` run, ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2000;

function runIp(args: string[], opts: RouteLookupOptions): Promise<IpResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      args,
      // The C locale keeps the kernel's error texts in English for refusalType().
      {
        timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 1 << 20,
        windowsHide: true,
        env: { ...process.env, LC_ALL: 'C' },
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ kind: 'exit', code: 0, stdout, stderr });
        if (opts.signal?.aborted) return reject(opts.signal.reason as Error);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number | null };
        if (e.code === 'ENOENT') return resolve({ kind: 'missing' });
        if (e.killed) return resolve({ kind: 'timeout' });
        resolve({ kind: 'exit', code: typeof e.code === 'number' ? e.code : null, stdout, stderr: stderr || e.message });
      },
    );
  });
}

/** The route to one address, as the kernel would choose it now. Sends nothing. */
export async function lookupRoute(address: string, opts: RouteLookupOptions = {}): Promise<EgressRoute> {
  if (process.platform !== 'linux') return { status: 'not-determined', reason: 'not-linux' };
  const family = isIP(address);
  if (!family) return { status: 'not-determined', reason: 'failed', message: `not an IP address: ${address}` };
  const r = await runIp(['-j', `-${family}`, 'route', 'get', address], opts);
  if (r.kind === 'missing') return { status: 'not-determined', reason: 'no-ip' };
  if (r.kind === 'timeout') return { status: 'not-determined', reason: 'timeout' };
  if (r.code !== 0) {
    const message = r.stderr.trim().slice(0, 300);
    const type = refusalType(r.stderr);
    return type ? { status: 'no-route', type, message } : { status: 'not-determined', reason: 'failed', message };
  }
  const route = parseRouteGet(r.stdout);
  if (!route) return { status: 'not-determined', reason: 'unparsed', message: r.stdout.slice(0, 300) };
  const base = {
    ...(route.dev ? { dev: route.dev } : {}),
    ...(route.gateway ? { gateway: route.gateway } : {}),
    ...(route.prefsrc ? { source: route.prefsrc } : {}),
  };
  if (route.type === 'local') return { status: 'local', type: 'local', ...base };
  if (['blackhole', 'unreachable', 'prohibit', 'throw'].includes(route.type)) return { status: 'no-route', type: route.type, ...base };
  if (!route.dev) return { status: 'not-determined', reason: 'unparsed', message: r.stdout.slice(0, 300) };
  const linkType = await linkTypeOf(route.dev);
  const kind = classifyInterface(route.dev, linkType);
  return {
    status: 'ok',
    ...(route.type !== 'unicast' ? { type: route.type } : {}),
    ...base,
    ...(linkType !== undefined ? { linkType } : {}),
    tunnel: kind.tunnel,
    ...(kind.kind ? { tunnelKind: kind.kind } : {}),
    ...(kind.by ? { tunnelBy: kind.by } : {}),
  };
}

/** The interfaces the main table's default routes of a family leave by; undefined when that cannot be asked. */
export async function defaultRouteDevs(family: 4 | 6, opts: RouteLookupOptions = {}): Promise<string[] | undefined> {
  if (process.platform !== 'linux') return undefined;
  const r = await runIp(['-j', `-${family}`, 'route', 'show', 'default'], opts);
  if (r.kind !== 'exit' || r.code !== 0) return undefined;
  return parseDefaultRoutes(r.stdout);
}

/** The default routes, asked once per run and family. */
const defaultRoutes = defineArtifact<4 | 6, string[] | null>({
  id: 'egress-default-routes',
  key: (family) => String(family),
  compute: async ({ signal }, family) => (await defaultRouteDevs(family, { signal })) ?? null,
});

/** The route to an address, with whether it is the default route's interface. */
export async function egressRoute(ctx: MeasureContext<unknown>, address: string, timeoutMs?: number): Promise<EgressRoute> {
  const route = await lookupRoute(address, { signal: ctx.signal, ...(timeoutMs ? { timeoutMs } : {}) });
  if (route.status !== 'ok' || !route.dev) return route;
  const devs = await ctx.use(defaultRoutes, isIP(address) === 6 ? 6 : 4);
  if (!devs) return route;
  return { ...route, defaultDevs: devs, sameAsDefault: devs.includes(route.dev) };
}
