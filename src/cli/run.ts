// `siteready run <check> <target…>`: one check against ad-hoc targets. The targets become a
// generated site description, so they go through exactly the validation a site file does.

import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { planAssessment } from '../runner/plan.js';
import { builtinCheck, builtinCheckIds, unknownCheckError, type LoadedCheck } from '../runner/registry.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { parseAdHocTarget } from '../site/endpoints.js';
import { parseSiteText } from '../site/load.js';
import { DEFAULT_CLASSES } from '../qos/classes.js';
import { DSCP_NAMES, dscpFromName } from '../qos/dscp-names.js';
import { portItemProblem } from '../util/port-ranges.js';
import type { EndpointProtocol } from '../site/types.js';
import { measureAndEmit } from './assess.js';
import { outputTargets, runSettings, type OutputFlags, type RunFlags } from './output.js';

const URL_CHECKS: Record<string, EndpointProtocol> = {
  http: 'https',
  websocket: 'wss',
  idle: 'wss',
  interception: 'https',
  directory: 'ldaps',
  sso: 'https',
  api: 'https',
  storage: 'https',
  'org-sync': 'https',
};
/** Integration checks select endpoints by role: an ad-hoc target gets the role its check looks for. */
const ROLE_FOR_CHECK: Record<string, string> = {
  directory: 'directory',
  sso: 'sso',
  api: 'integration',
  storage: 'storage',
  'org-sync': 'directory-sync',
};
/** The service-account bind `siteready run directory` tries when both are set; never from the command line. */
const LDAP_ENV = ['SITEREADY_LDAP_BIND_DN', 'SITEREADY_LDAP_PASSWORD'] as const;
/** Checks whose targets are host:port or stun:/turn:/turns: URIs (RFC 7064/7065). */
const STUN_CHECKS: Record<string, EndpointProtocol> = { stun: 'stun', turn: 'turn' };
/** The TURN credentials `siteready run turn` reads; the password never comes from the command line. */
const TURN_ENV = ['SITEREADY_TURN_USERNAME', 'SITEREADY_TURN_PASSWORD'] as const;
/** Checks that measure against a reflector: their one target is the reflector's host:port. */
const PROBE_CHECKS = new Set(['throughput', 'latency', 'bufferbloat', 'call-quality', 'qos']);
/** Probe checks that can stream to a STUN server instead (`stun:HOST[:PORT]`): no reflector, no token. */
const STUN_FAR_END_CHECKS = new Set(['latency', 'call-quality']);

function keepAliveMs(text: string): number {
  const ms = parseDuration(text);
  if (!ms) throw new UsageError(`--keepalive "${text}" is not a duration`, 'e.g. --keepalive 30s');
  return ms;
}

export interface ProbeFlags {
  /** idle: comma-separated hold times, e.g. "2s,5s,10s". */
  ladder?: string;
  /** idle: the IM client's keep-alive interval. */
  keepalive?: string;
  tokenFile?: string;
  duration?: string;
  streams?: string;
  direction?: 'down' | 'up' | 'both';
  transport?: 'tcp' | 'ws' | 'both';
  profile?: 'audio' | 'video' | 'both';
  /** qos: comma-separated class names or DSCP numbers. */
  classes?: string;
  underLoad?: boolean;
  loadDuration?: string;
}

export async function runCommand(
  checkId: string,
  targets: string[],
  flags: OutputFlags & RunFlags & ProbeFlags & { ca?: string; dnsServer?: string[] | string },
): Promise<void> {
  const outputs = outputTargets(flags);
  const settings = runSettings(flags);
  // Only the check asked for is loaded: an ad-hoc run has no plugins and plans nothing else.
  const known = await builtinCheckIds();
  if (!known.includes(checkId)) throw unknownCheckError(checkId, known);
  const checks = [await builtinCheck(checkId)];

  if (PROBE_CHECKS.has(checkId)) return runProbeCheck(checkId, targets, flags, checks);
  if (checkId === 'sweep') return runSweepCheck(targets, flags, checks);
  const stunProtocol = STUN_CHECKS[checkId];
  // TURN credentials come from the environment only (never argv: process lists, shell history).
  const turnEnv = checkId === 'turn' ? Object.fromEntries(TURN_ENV.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))) : {};
  const withCredentials = checkId === 'turn' && Object.keys(turnEnv).length > 0;
  const ldapEnv =
    checkId === 'directory' && LDAP_ENV.every((k) => process.env[k]) ? Object.fromEntries(LDAP_ENV.map((k) => [k, process.env[k]!])) : {};
  const withBind = Object.keys(ldapEnv).length > 0;
  const used = new Set<string>();
  const endpoints = targets.map((text, i) => {
    // A directory on 389 / 3268 is plain LDAP (then StartTLS); any other port is taken as LDAPS.
    const urlScheme = checkId === 'directory' && /:(389|3268)$/.test(text) ? 'ldap' : URL_CHECKS[checkId];
    // A file server's SMB port is host:port, not a URL.
    const smbTarget = checkId === 'storage' && /:(445|139)$/.test(text);
    const given =
      /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || smbTarget
        ? text
        : urlScheme && /:\d+$/.test(text)
          ? `${urlScheme}://${text}${urlScheme === 'ldaps' || urlScheme === 'ldap' ? '' : '/'}`
          : text;
    const parsed = parseAdHocTarget(given, smbTarget ? 'smb' : (urlScheme ?? stunProtocol ?? (checkId === 'tls' ? 'tls' : 'tcp')));
    if (!parsed) {
      throw new UsageError(
        `target "${text}" is not host:port, [ipv6]:port or a URL`,
        stunProtocol
          ? 'examples: turn.example.com:3478, stun:stun.example.com, turn:turn.example.com:3478?transport=udp, turns:turn.example.com:443'
          : 'examples: db.corp.example:5432, [2001:db8::1]:443, https://chat.example.com/',
      );
    }
    let name = targetName(text, i);
    if (used.has(name)) name = `${name}-${i + 1}`;
    used.add(name);
    // `siteready run turn` with SITEREADY_TURN_USERNAME / SITEREADY_TURN_PASSWORD set: the endpoint
    // references them, so the password is interpolated and registered as a secret like any other.
    return {
      name,
      ...parsed,
      ...(ROLE_FOR_CHECK[checkId] ? { role: ROLE_FOR_CHECK[checkId] } : {}),
      ...(withCredentials ? { credentials: { username: '${SITEREADY_TURN_USERNAME}', password: '${SITEREADY_TURN_PASSWORD}' } } : {}),
      ...(withBind ? { credentials: { bindDn: '${SITEREADY_LDAP_BIND_DN}', password: '${SITEREADY_LDAP_PASSWORD}' } } : {}),
    };
  });
  const site = {
    version: 1,
    site: { name: `siteready run ${checkId}` },
    ...(dnsServers(flags).length ? { network: { dns: { servers: dnsServers(flags) } } } : {}),
    platform: { endpoints },
    ...(flags.ca ? { security: { trust: { caFile: flags.ca } } } : {}),
    ...(checkId === 'idle' && (flags.ladder || flags.keepalive)
      ? {
          checks: {
            idle: {
              ...(flags.ladder ? { ladder: flags.ladder.split(',').map((x) => x.trim()) } : {}),
              ...(flags.keepalive ? { clientKeepAliveMs: keepAliveMs(flags.keepalive) } : {}),
            },
          },
        }
      : {}),
  };
  const { site: loaded, redactor } = parseSiteText(stringify(site), '<command line>', { env: { ...turnEnv, ...ldapEnv } });
  const plan = planAssessment(loaded, checks, {
    only: [checkId],
    ...(settings.taskTimeoutMs ? { taskTimeoutMs: settings.taskTimeoutMs } : {}),
  });
  if (plan.tasks.length === 0) {
    throw new UsageError(
      `check "${checkId}" does not apply to ${targets.join(', ')}`,
      `see \`siteready checks ${checkId}\` for the endpoints it takes`,
    );
  }
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
}

/**
 * `HOST:PORTS`, PORTS a comma-separated list of ports and low-high ranges ("80,443,8000-8100"),
 * HOST a name, an IPv4 address or a [bracketed] IPv6 one: one sweep; undefined when it is not.
 */
export function parseSweepTarget(text: string): { host: string; ports: Array<number | string> } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]/]+)):([0-9][0-9,\s-]*)$/.exec(text.trim());
  if (!m) return undefined;
  const items = m[3]!.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) return undefined;
  return { host: (m[1] ?? m[2])!, ports: items.map((x) => (/^\d+$/.test(x) ? Number(x) : x)) };
}

/**
 * `siteready run sweep HOST:PORTS…`: one `network.sweeps` entry per argument, so each is swept
 * and judged like a sweep of a site file (the endpoint form would leave the endpoint's own port to
 * the tcp check).
 */
async function runSweepCheck(
  targets: string[],
  flags: OutputFlags & RunFlags & { dnsServer?: string[] | string },
  checks: LoadedCheck[],
): Promise<void> {
  const outputs = outputTargets(flags);
  const settings = runSettings(flags);
  const used = new Set<string>();
  const sweeps = targets.map((text, i) => {
    const parsed = parseSweepTarget(text);
    const problem = parsed?.ports.map(portItemProblem).find((p) => p !== undefined);
    if (!parsed || problem) {
      throw new UsageError(
        `target "${text}" is not HOST:PORTS${problem ? ` (${problem})` : ''}`,
        'examples: 10.0.0.1:20000-20249, chat.example.com:80,443,8000-8100, [2001:db8::1]:443',
      );
    }
    let name = targetName(text, i);
    if (used.has(name)) name = `${name}-${i + 1}`;
    used.add(name);
    return { name, hosts: [parsed.host], ports: parsed.ports };
  });
  const site = {
    version: 1,
    site: { name: 'siteready run sweep' },
    network: { sweeps, ...(dnsServers(flags).length ? { dns: { servers: dnsServers(flags) } } : {}) },
    // A site names at least one endpoint; this one has no extra ports, so the sweep check takes
    // nothing from it, and `checks: [sweep]` keeps every other check off it.
    platform: {
      endpoints: [{ name: 'swept-host', host: sweeps[0]!.hosts[0], port: firstPort(sweeps[0]!.ports), protocol: 'tcp', checks: ['sweep'] }],
    },
  };
  const { site: loaded, redactor } = parseSiteText(stringify(site), '<command line>');
  const plan = planAssessment(loaded, checks, {
    only: ['sweep'],
    ...(settings.taskTimeoutMs ? { taskTimeoutMs: settings.taskTimeoutMs } : {}),
  });
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
}

function firstPort(ports: Array<number | string>): number {
  const first = ports[0]!;
  return typeof first === 'number' ? first : Number(/\d+/.exec(first)![0]);
}

/** `--dns-server` as a list, whether the option parser gave one value or several. */
function dnsServers(flags: { dnsServer?: string[] | string }): string[] {
  return flags.dnsServer === undefined ? [] : [flags.dnsServer].flat();
}

function targetName(text: string, i: number): string {
  const cleaned = text
    .replace(/^(https?|wss?):\/\//i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned.slice(0, 90) : `target-${i + 1}`;
}

async function runProbeCheck(
  checkId: string,
  targets: string[],
  flags: OutputFlags & RunFlags & ProbeFlags & { dnsServer?: string[] | string },
  checks: LoadedCheck[],
): Promise<void> {
  const outputs = outputTargets(flags);
  const settings = runSettings(flags);
  if (targets.length !== 1)
    throw new UsageError(`${checkId} measures against one reflector: give its host:port`, `e.g. siteready run ${checkId} 127.0.0.1:7000`);
  const stunFarEnd = STUN_FAR_END_CHECKS.has(checkId) && /^stun:/i.test(targets[0]!);
  const parsed = parseAdHocTarget(targets[0]!, 'tcp');
  if (!parsed || (parsed.url && !stunFarEnd))
    throw new UsageError(
      `target "${targets[0]}" is not host:port`,
      STUN_FAR_END_CHECKS.has(checkId)
        ? 'e.g. 127.0.0.1:7000, [::1]:7000, or stun:stun.example.com:3478 (a STUN server as the far end)'
        : 'e.g. 127.0.0.1:7000 or [::1]:7000',
    );
  // A STUN server as the far end needs no reflector and so no token.
  // The token never comes from the command line: it would show in process lists and shell history.
  const token = stunFarEnd
    ? undefined
    : flags.tokenFile
      ? (
          await readFile(flags.tokenFile, 'utf8').catch(() => {
            throw new UsageError(`cannot read the token file ${flags.tokenFile}`);
          })
        ).trim()
      : process.env.SITEREADY_TOKEN;
  if (!token && !stunFarEnd)
    throw new UsageError(
      'no reflector token: set SITEREADY_TOKEN or pass --token-file FILE',
      'use the token the reflector (`siteready serve`) was started with',
    );
  const duration = flags.duration === undefined ? undefined : Number(flags.duration);
  if (duration !== undefined && !(duration >= 0.5 && duration <= 60))
    throw new UsageError(`--duration must be 0.5–60 seconds (the reflector's limit per test), got "${flags.duration}"`);
  const streams = flags.streams === undefined ? undefined : Number(flags.streams);
  if (streams !== undefined && !(Number.isInteger(streams) && streams >= 1 && streams <= 32))
    throw new UsageError(`--streams must be 1–32 (the reflector allows 32 per session), got "${flags.streams}"`);
  const both = <T extends string>(v: T | 'both' | undefined, all: T[]): T[] | undefined =>
    v === undefined ? undefined : v === 'both' ? all : [v];
  const options: Record<string, unknown> = {
    ...(duration !== undefined
      ? checkId === 'bufferbloat'
        ? { loadMs: Math.round(duration * 1000) }
        : { durationMs: Math.round(duration * 1000) }
      : {}),
    ...(streams !== undefined && (checkId === 'throughput' || checkId === 'bufferbloat' || checkId === 'qos') ? { streams } : {}),
    ...(checkId === 'throughput' || checkId === 'bufferbloat' || checkId === 'qos'
      ? { ...(both(flags.direction, ['down', 'up']) ? { directions: both(flags.direction, ['down', 'up']) } : {}) }
      : {}),
    ...(checkId === 'throughput' && both(flags.transport, ['tcp', 'ws']) ? { transports: both(flags.transport, ['tcp', 'ws']) } : {}),
    ...(checkId === 'latency' && both(flags.profile, ['audio', 'video']) ? { profiles: both(flags.profile, ['audio', 'video']) } : {}),
  };
  if (checkId === 'throughput' && duration !== undefined) options.omitMs = Math.min(1000, Math.round(duration * 100));
  if (checkId === 'qos' && flags.loadDuration !== undefined) {
    const load = Number(flags.loadDuration);
    if (!(load >= 3 && load <= 60)) throw new UsageError(`--load-duration must be 3–60 seconds, got "${flags.loadDuration}"`);
    options.loadMs = Math.round(load * 1000);
  }
  const host = String(parsed.host);
  // The STUN server is an ad-hoc endpoint marked as the media path; the URI goes through the site
  // file's own validation (RFC 7064 syntax, default port 3478).
  const farEnd = stunFarEnd
    ? { platform: { endpoints: [{ name: targetName(targets[0]!, 0), url: targets[0]!, mediaPath: true }] } }
    : {
        probe: { name: 'reflector', host, port: parsed.port, token: '${SITEREADY_TOKEN}' },
        platform: { endpoints: [{ name: 'reflector', host, port: parsed.port, protocol: 'tcp' }] },
      };
  const site = {
    version: 1,
    site: { name: `siteready run ${checkId}` },
    ...(dnsServers(flags).length ? { network: { dns: { servers: dnsServers(flags) } } } : {}),
    ...farEnd,
    ...(checkId === 'qos' ? { qos: adHocQos(flags) } : {}),
    ...(Object.keys(options).length ? { checks: { [checkId]: options } } : {}),
  };
  const { site: loaded, redactor } = parseSiteText(stringify(site), '<command line>', {
    env: token ? { SITEREADY_TOKEN: token } : {},
  });
  const plan = planAssessment(loaded, checks, {
    only: [checkId],
    ...(settings.taskTimeoutMs ? { taskTimeoutMs: settings.taskTimeoutMs } : {}),
  });
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
}

/** The site's `qos:` section for `run qos`: the classes named on the command line, or the defaults. */
function adHocQos(flags: ProbeFlags): Record<string, unknown> {
  const classes = flags.classes
    ? flags.classes.split(',').map((text) => {
        const name = text.trim();
        const dscp = dscpFromName(name);
        if (dscp === undefined) {
          throw new UsageError(`--classes: "${name}" is neither a DSCP name nor a number 0–63`, `names: ${DSCP_NAMES.join(', ')}`);
        }
        return { name: /^\d+$/.test(name) ? `dscp${dscp}` : name.toLowerCase(), dscp };
      })
    : DEFAULT_CLASSES.map((c) => ({ ...c }));
  return { classes, ...(flags.underLoad ? { underLoad: true } : {}) };
}
