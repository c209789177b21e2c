// `siteready run <check> <target…>`: one check against ad-hoc targets. The targets become a
// generated site description, so they go through exactly the validation a site file does.

import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { planAssessment } from '../runner/plan.js';
import { allChecks, unknownCheckError } from '../runner/registry.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../net/idle.js';
import { parseAdHocTarget } from '../site/endpoints.js';
import { parseSiteText } from '../site/load.js';
import type { EndpointProtocol } from '../site/types.js';
import { measureAndEmit } from './assess.js';
import { outputTargets, runSettings, type OutputFlags, type RunFlags } from './output.js';

const URL_CHECKS: Record<string, EndpointProtocol> = { http: 'https', websocket: 'wss', idle: 'wss', interception: 'https' };
/** Checks whose targets are host:port or stun:/turn:/turns: URIs (RFC 7064/7065). */
const STUN_CHECKS: Record<string, EndpointProtocol> = { stun: 'stun', turn: 'turn' };
/** The TURN credentials `siteready run turn` reads; the password never comes from the command line. */
const TURN_ENV = ['SITEREADY_TURN_USERNAME', 'SITEREADY_TURN_PASSWORD'] as const;
/** Checks that measure against a reflector: their one target is the reflector's host:port. */
const PROBE_CHECKS = new Set(['throughput', 'latency', 'bufferbloat', 'call-quality']);

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
}

export async function runCommand(checkId: string, targets: string[], flags: OutputFlags & RunFlags & ProbeFlags & { ca?: string; dnsServer?: string[] }): Promise<void> {
  const outputs = outputTargets(flags);
  const settings = runSettings(flags);
  const checks = await allChecks();
  if (!checks.some((c) => c.id === checkId)) throw unknownCheckError(checkId, checks.map((c) => c.id));

  if (PROBE_CHECKS.has(checkId)) return runProbeCheck(checkId, targets, flags, checks);
  const stunProtocol = STUN_CHECKS[checkId];
  // TURN credentials come from the environment only (never argv: process lists, shell history).
  const turnEnv = checkId === 'turn' ? Object.fromEntries(TURN_ENV.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))) : {};
  const withCredentials = checkId === 'turn' && Object.keys(turnEnv).length > 0;
  const used = new Set<string>();
  const endpoints = targets.map((text, i) => {
    const urlScheme = URL_CHECKS[checkId];
    const given = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : urlScheme && /:\d+$/.test(text) ? `${urlScheme}://${text}/` : text;
    const parsed = parseAdHocTarget(given, urlScheme ?? stunProtocol ?? 'tcp');
    if (!parsed) {
      throw new UsageError(
        `target "${text}" is not host:port, [ipv6]:port or a URL`,
        stunProtocol ? 'examples: turn.example.com:3478, stun:stun.example.com, turn:turn.example.com:3478?transport=udp, turns:turn.example.com:443' : 'examples: db.corp.example:5432, [2001:db8::1]:443, https://chat.example.com/',
      );
    }
    let name = targetName(text, i);
    if (used.has(name)) name = `${name}-${i + 1}`;
    used.add(name);
    // `siteready run turn` with SITEREADY_TURN_USERNAME / SITEREADY_TURN_PASSWORD set: the endpoint
    // references them, so the password is interpolated and registered as a secret like any other.
    return { name, ...parsed, ...(withCredentials ? { credentials: { username: '${SITEREADY_TURN_USERNAME}', password: '${SITEREADY_TURN_PASSWORD}' } } : {}) };
  });
  const site = {
    version: 1,
    site: { name: `siteready run ${checkId}` },
    ...(flags.dnsServer?.length ? { network: { dns: { servers: flags.dnsServer } } } : {}),
    platform: { endpoints },
    ...(flags.ca ? { security: { trust: { caFile: flags.ca } } } : {}),
    ...(checkId === 'idle' && (flags.ladder || flags.keepalive)
      ? { checks: { idle: { ...(flags.ladder ? { ladder: flags.ladder.split(',').map((x) => x.trim()) } : {}), ...(flags.keepalive ? { clientKeepAliveMs: keepAliveMs(flags.keepalive) } : {}) } } }
      : {}),
  };
  const { site: loaded, redactor } = parseSiteText(stringify(site), '<command line>', { env: turnEnv });
  const plan = planAssessment(loaded, checks, { only: [checkId], ...(settings.taskTimeoutMs ? { taskTimeoutMs: settings.taskTimeoutMs } : {}) });
  if (plan.tasks.length === 0) {
    throw new UsageError(`check "${checkId}" does not apply to ${targets.join(', ')}`, `see \`siteready checks ${checkId}\` for the endpoints it takes`);
  }
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
}

function targetName(text: string, i: number): string {
  const cleaned = text.replace(/^(https?|wss?):\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned.slice(0, 90) : `target-${i + 1}`;
}

async function runProbeCheck(checkId: string, targets: string[], flags: OutputFlags & RunFlags & ProbeFlags & { dnsServer?: string[] }, checks: Awaited<ReturnType<typeof allChecks>>): Promise<void> {
  const outputs = outputTargets(flags);
  const settings = runSettings(flags);
  if (targets.length !== 1) throw new UsageError(`${checkId} measures against one reflector: give its host:port`, `e.g. siteready run ${checkId} 127.0.0.1:7000`);
  const parsed = parseAdHocTarget(targets[0]!, 'tcp');
  if (!parsed || parsed.url) throw new UsageError(`target "${targets[0]}" is not host:port`, 'e.g. 127.0.0.1:7000 or [::1]:7000');
  // The token never comes from the command line: it would show in process lists and shell history.
  const token = flags.tokenFile
    ? (await readFile(flags.tokenFile, 'utf8').catch(() => {
        throw new UsageError(`cannot read the token file ${flags.tokenFile}`);
      })).trim()
    : process.env.SITEREADY_TOKEN;
  if (!token) throw new UsageError('no reflector token: set SITEREADY_TOKEN or pass --token-file FILE', 'use the token the reflector (`siteready serve`) was started with');
  const duration = flags.duration === undefined ? undefined : Number(flags.duration);
  if (duration !== undefined && !(duration >= 0.5 && duration <= 60)) throw new UsageError(`--duration must be 0.5–60 seconds (the reflector's limit per test), got "${flags.duration}"`);
  const streams = flags.streams === undefined ? undefined : Number(flags.streams);
  if (streams !== undefined && !(Number.isInteger(streams) && streams >= 1 && streams <= 64)) throw new UsageError(`--streams must be 1–64, got "${flags.streams}"`);
  const both = <T extends string>(v: T | 'both' | undefined, all: T[]): T[] | undefined => (v === undefined ? undefined : v === 'both' ? all : [v]);
  const options: Record<string, unknown> = {
    ...(duration !== undefined ? (checkId === 'bufferbloat' ? { loadMs: Math.round(duration * 1000) } : { durationMs: Math.round(duration * 1000) }) : {}),
    ...(streams !== undefined && (checkId === 'throughput' || checkId === 'bufferbloat') ? { streams } : {}),
    ...(checkId === 'throughput' || checkId === 'bufferbloat' ? { ...(both(flags.direction, ['down', 'up']) ? { directions: both(flags.direction, ['down', 'up']) } : {}) } : {}),
    ...(checkId === 'throughput' && both(flags.transport, ['tcp', 'ws']) ? { transports: both(flags.transport, ['tcp', 'ws']) } : {}),
    ...(checkId === 'latency' && both(flags.profile, ['audio', 'video']) ? { profiles: both(flags.profile, ['audio', 'video']) } : {}),
  };
  if (checkId === 'throughput' && duration !== undefined) options.omitMs = Math.min(1000, Math.round(duration * 100));
  const host = String(parsed.host);
  const site = {
    version: 1,
    site: { name: `siteready run ${checkId}` },
    ...(flags.dnsServer?.length ? { network: { dns: { servers: flags.dnsServer } } } : {}),
    probe: { name: 'reflector', host, port: parsed.port, token: '${SITEREADY_TOKEN}' },
    platform: { endpoints: [{ name: 'reflector', host, port: parsed.port, protocol: 'tcp' }] },
    ...(Object.keys(options).length ? { checks: { [checkId]: options } } : {}),
  };
  const { site: loaded, redactor } = parseSiteText(stringify(site), '<command line>', { env: { SITEREADY_TOKEN: token } });
  const plan = planAssessment(loaded, checks, { only: [checkId], ...(settings.taskTimeoutMs ? { taskTimeoutMs: settings.taskTimeoutMs } : {}) });
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, outputs);
}
