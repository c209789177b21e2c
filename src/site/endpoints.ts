// Endpoint forms a user may write — a URL, or host + port (+ protocol) — normalised to one shape.

import { isIP } from 'node:net';
import type { Endpoint, EndpointProtocol, EndpointRole, SourceLocation } from './types.js';

export interface EndpointProblem {
  field: string;
  message: string;
  hint?: string;
}

const URL_SCHEMES: Record<string, EndpointProtocol> = {
  'https:': 'https',
  'http:': 'http',
  'wss:': 'wss',
  'ws:': 'ws',
  'ldap:': 'ldap',
  'ldaps:': 'ldaps',
  'smb:': 'smb',
};
const DEFAULT_PORTS: Record<string, number> = {
  https: 443,
  http: 80,
  wss: 443,
  ws: 80,
  stun: 3478,
  turn: 3478,
  turns: 5349,
  ldap: 389,
  ldaps: 636,
  smb: 445,
};
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function isValidHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  // A name whose last label is all digits (300.1.1.1, 10.0.0) is a malformed IPv4 address, not a host name.
  return HOSTNAME.test(host) && !/(^|\.)\d+\.?$/.test(host);
}

export function parseEndpoint(
  rawIn: Record<string, unknown>,
  location: SourceLocation,
): { endpoint?: Endpoint; problems: EndpointProblem[] } {
  let raw = rawIn;
  const problems: EndpointProblem[] = [];
  const name = String(raw.name);
  let protocol = raw.protocol as EndpointProtocol | undefined;
  let host = typeof raw.host === 'string' ? raw.host : undefined;
  let port = typeof raw.port === 'number' ? raw.port : undefined;
  let url: string | undefined;

  const stunUri =
    typeof raw.url === 'string'
      ? /^(stuns?|turns?):(?!\/\/)(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(raw.url)
      : null;
  if (stunUri) {
    // RFC 7064 / 7065 URIs: stun:host[:port], turn:host[:port][?transport=udp|tcp], turns:...
    const scheme = stunUri[1]!.toLowerCase();
    protocol = (scheme === 'stuns' ? 'turns' : scheme) as EndpointProtocol;
    host = stunUri[2]!.replace(/^\[(.*)\]$/, '$1');
    port = stunUri[3] ? Number(stunUri[3]) : DEFAULT_PORTS[protocol];
    if (port === 0 || (port !== undefined && port > 65535))
      problems.push({ field: 'url', message: `port ${port} in the URL is out of range` });
    url = String(raw.url);
    if (stunUri[4] && !Array.isArray(raw.transports)) raw = { ...raw, transports: [stunUri[4].toLowerCase()] };
  } else if (typeof raw.url === 'string') {
    if (host !== undefined || port !== undefined) {
      problems.push({
        field: 'url',
        message: 'give either url, or host and port, not both',
        hint: 'remove host/port; the URL carries them',
      });
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(raw.url);
    } catch {
      problems.push({
        field: 'url',
        message: `"${raw.url}" is not a valid URL`,
        hint: 'write it as https://host[:port]/path or wss://host[:port]/path',
      });
    }
    if (parsed) {
      const scheme = URL_SCHEMES[parsed.protocol];
      if (!scheme) {
        problems.push({
          field: 'url',
          message: `unsupported URL scheme "${parsed.protocol.replace(/:$/, '')}"`,
          hint: 'use http, https, ws, wss, ldap, ldaps, smb, stun:, turn: or turns:; for other services give host, port and protocol',
        });
      } else {
        if (protocol && protocol !== scheme) {
          problems.push({ field: 'protocol', message: `protocol "${protocol}" contradicts the URL scheme "${scheme}"` });
        }
        protocol = scheme;
        host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
        port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[scheme];
        url = parsed.toString();
        if (port === 0)
          problems.push({
            field: 'url',
            message: 'port 0 in the URL is not a port a service can listen on',
            hint: 'give a port from 1 to 65535, or leave it out for the default',
          });
        if (parsed.username || parsed.password) {
          problems.push({
            field: 'url',
            message: 'credentials in the URL would end up in reports',
            hint: 'use credentials.username and credentials.password: ${ENV}',
          });
        }
      }
    }
  } else {
    if (host === undefined)
      problems.push({ field: 'host', message: 'needs either url, or host and port', hint: 'e.g. host: chat.example.com and port: 443' });
    protocol ??= 'tcp';
    if (port === undefined) port = DEFAULT_PORTS[protocol];
    if (port === undefined && host !== undefined) problems.push({ field: 'port', message: `needs a port for protocol "${protocol}"` });
  }

  if (host !== undefined && !isValidHost(host)) {
    problems.push({ field: raw.url ? 'url' : 'host', message: `"${host}" is not a valid hostname or IP address` });
  }
  if (problems.length || host === undefined || port === undefined || protocol === undefined) return { problems };

  const known = new Set([
    'name',
    'role',
    'url',
    'host',
    'port',
    'protocol',
    'via',
    'expect',
    'severity',
    'checks',
    'subprotocols',
    'expectStatus',
    'transports',
    'ports',
  ]);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!known.has(k)) extra[k] = v;

  const endpoint: Endpoint = {
    name,
    role: (raw.role as EndpointRole | undefined) ?? defaultRole(protocol),
    protocol,
    host,
    port,
    ...(url ? { url } : {}),
    via: (raw.via as Endpoint['via'] | undefined) ?? 'auto',
    expect: (raw.expect as Endpoint['expect'] | undefined) ?? 'reachable',
    ...(raw.severity ? { severity: raw.severity as Endpoint['severity'] } : {}),
    ...(Array.isArray(raw.checks) ? { checks: raw.checks as string[] } : {}),
    ...(Array.isArray(raw.subprotocols) ? { subprotocols: raw.subprotocols as string[] } : {}),
    ...(Array.isArray(raw.expectStatus) ? { expectStatus: raw.expectStatus as number[] } : {}),
    ...(Array.isArray(raw.transports) ? { transports: raw.transports as Endpoint['transports'] } : {}),
    ...(Array.isArray(raw.ports) ? { ports: raw.ports as Endpoint['ports'] } : {}),
    location,
    extra,
  };
  return { endpoint, problems };
}

function defaultRole(protocol: EndpointProtocol): EndpointRole {
  switch (protocol) {
    case 'wss':
    case 'ws':
      return 'signalling';
    case 'https':
    case 'http':
      return 'api';
    case 'stun':
      return 'stun';
    case 'turn':
    case 'turns':
      return 'turn';
    case 'ldap':
    case 'ldaps':
      return 'directory';
    case 'smb':
      return 'storage';
    default:
      return 'other';
  }
}

/** Parses an ad-hoc target from the command line: a URL, host:port or [v6]:port. */
export function parseAdHocTarget(text: string, protocolHint?: EndpointProtocol): Record<string, unknown> | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^(stuns?|turns?):/i.test(text)) return { url: text };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:\s]+):(\d+)$/.exec(text);
  if (m) return { host: m[1], port: Number(m[2]), protocol: protocolHint ?? 'tcp' };
  if (isValidHost(text) && protocolHint && DEFAULT_PORTS[protocolHint]) return { host: text, protocol: protocolHint };
  return undefined;
}
