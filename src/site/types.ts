// The typed site description, after interpolation, validation and normalisation.

import type { PlatformCatalog } from '../platforms/types.js';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** JSON pointer of the node in the site file, e.g. /platform/endpoints/2/url. */
  path?: string;
}

export type EndpointProtocol =
  'https' | 'http' | 'wss' | 'ws' | 'tcp' | 'tls' | 'udp' | 'stun' | 'turn' | 'turns' | 'ldap' | 'ldaps' | 'smb';

export type EndpointRole =
  | 'signalling'
  | 'api'
  | 'web'
  | 'media'
  | 'stun'
  | 'turn'
  | 'files'
  | 'push'
  | 'directory'
  | 'sso'
  | 'update'
  | 'other'
  // Systems the IM platform integrates with.
  | 'hr'
  | 'oa'
  | 'crm'
  | 'ticketing'
  | 'integration'
  | 'storage'
  | 'directory-sync';

export interface Endpoint {
  name: string;
  role: EndpointRole;
  protocol: EndpointProtocol;
  /** Hostname or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
  /** Present for URL-shaped endpoints (http/https/ws/wss/ldap/ldaps). */
  url?: string;
  via: 'direct' | 'proxy' | 'auto';
  /** `blocked` declares a port that policy says must not be reachable from this site. */
  expect: 'reachable' | 'blocked';
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /** Restricts which checks run against this endpoint; absent means all that apply. */
  checks?: string[];
  subprotocols?: string[];
  /** STUN/TURN transports to test. */
  transports?: Array<'udp' | 'tcp' | 'tls'>;
  /** Extra ports (numbers, "a-b" ranges) to sweep on this host. */
  ports?: Array<number | string>;
  /** Expected HTTP status codes for the http check (default 2xx/3xx). */
  expectStatus?: number[];
  location: SourceLocation;
  /** Free-form fields later checks read (tls pins, stun credentials, ...). */
  extra: Record<string, unknown>;
}

/** How a link carries traffic: all primary and aggregate links at once, a backup only when they fail. */
export type LinkRole = 'primary' | 'backup' | 'aggregate';

export interface Link {
  name: string;
  kind?: string;
  /** Default primary. */
  role?: LinkRole;
  downMbps?: number;
  upMbps?: number;
  realtimeShare?: number;
}

export interface Proxy {
  url?: string;
  username?: string;
  password?: string;
  pac?: string;
  noProxy?: string[];
  fromEnv?: boolean;
}

export interface Sweep {
  name: string;
  hosts: string[];
  ports: Array<number | string>;
  expect?: 'reachable' | 'blocked';
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
}

export interface Waiver {
  check: string;
  target?: string;
  finding?: string;
  justification: string;
  expires?: string;
  owner?: string;
  location: SourceLocation;
}

export interface Gate {
  failUnder?: number;
  minGrade?: string;
  failOn?: 'info' | 'low' | 'medium' | 'high' | 'critical';
}

export interface Site {
  version: 1;
  file: string;
  /** sha256 of the file bytes, hex. */
  sha256: string;
  site: {
    name: string;
    organisation?: string;
    industry?: string;
    size?: string;
    users?: number;
    country?: string;
  };
  network: {
    links: Link[];
    proxy?: Proxy;
    dns?: { servers?: string[]; timeoutMs?: number };
    sweeps?: Sweep[];
  };
  platform: {
    name?: string;
    vendor?: string;
    /** A shipped catalog id (`platform.preset`). */
    preset?: string;
    parameters?: Record<string, string>;
    /** The site's own endpoints, then the catalogs' (`extra.catalog` says which entry). */
    endpoints: Endpoint[];
    /** The catalogs the site uses, parameters filled in. */
    catalogs?: PlatformCatalog[];
    /** Cached vendor feeds that could not be used (the shipped snapshot served instead). */
    catalogWarnings?: string[];
    /** Per catalog: the thresholds its platform is judged with (vendor targets, then the site's own). */
    thresholdsBy?: Record<string, Record<string, number>>;
    /** What the catalogs list that no check can test from the site (UDP ports without a STUN server there). */
    untested?: Array<{ platform: string; entry: string; what: string }>;
  };
  /** Platforms compared on this site in one run (`platforms:` or `--platform a,b`). */
  platforms?: string[];
  probe?: { name?: string; host: string; port?: number; udpPort?: number; token: string };
  demand?: Record<string, unknown>;
  qos?: Record<string, unknown>;
  security: { trust?: { caFile?: string; ca?: string }; [key: string]: unknown };
  compliance: { profiles: string[]; waivers: Waiver[] };
  /** Retention, storage location, backup, transfers (schema-posture.ts); read by compliance profiles. */
  data?: Record<string, unknown>;
  vendor?: Record<string, unknown>;
  policy?: Record<string, unknown>;
  thresholds: Record<string, number>;
  checks: Record<string, Record<string, unknown>>;
  plugins: string[];
  gate?: Gate;
  /** The parsed file with secrets replaced by their ${VAR} reference, for reports. */
  redacted: unknown;
  /** Where every node of the file is, by JSON pointer. */
  locate(pointer: string): SourceLocation;
}
