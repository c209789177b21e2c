// A platform catalog: what a messaging platform needs from a site's network, as its vendor (or,
// where the vendor publishes nothing, a community source) states it. One YAML file per platform
// under platforms/; every entry names the source it was read from, and an entry that could not be
// confirmed says why in `unconfirmed`. Reports show both.

export type PlatformKind = 'saas' | 'self-hosted';

/** The vendor's own classification of an endpoint or range (Microsoft's Optimize/Allow/Default). */
export type VendorCategory = 'optimize' | 'allow' | 'default';

export type CatalogRole = 'signalling' | 'media' | 'web' | 'api' | 'files' | 'push' | 'sso' | 'update' | 'other';

export type FeedFormat = 'microsoft-endpoints' | 'zoom-ranges' | 'webex-csv';

export interface CatalogSource {
  id: string;
  title: string;
  url: string;
  /** YYYY-MM-DD: when the page (or feed) was read for this catalog. */
  read: string;
  /** A machine-readable feed `siteready platforms update` can read in place of the shipped snapshot. */
  feed?: { format: FeedFormat; url: string; versionUrl?: string };
}

/** Fields every traced entry carries. */
export interface Traced {
  /** Source id(s) from `sources`. */
  source: string | string[];
  /** Present when the entry could not be confirmed in a public source: why. */
  unconfirmed?: string;
}

export interface CatalogEndpoint extends Traced {
  id: string;
  description?: string;
  /** Host names as the vendor writes them; wildcards (`*.teams.microsoft.com`) allowed. */
  hosts: string[];
  /** A concrete name to probe; required when any host is a wildcard. */
  probeHost?: string;
  /** TCP ports and "a-b" ranges. */
  tcp?: Array<number | string>;
  /** UDP ports and "a-b" ranges. */
  udp?: Array<number | string>;
  /** A WebSocket URL on this endpoint for the websocket check (wss://…). */
  websocket?: string;
  /** An HTTPS path to fetch for the http check (default "/"). */
  path?: string;
  category: VendorCategory;
  role: CatalogRole;
  required: boolean;
}

export interface CatalogRange extends Traced {
  id: string;
  description?: string;
  category: VendorCategory;
  role: CatalogRole;
  ipv4?: string[];
  ipv6?: string[];
}

export interface CatalogRelay extends Traced {
  id: string;
  description?: string;
  host: string;
  /** Transports on which the relay answers STUN Binding requests. */
  transports: Array<{ protocol: 'udp' | 'tcp' | 'tls'; port: number }>;
}

export interface CatalogTargets extends Traced {
  /** What the targets are measured between, e.g. "client → Microsoft network edge". */
  scope: string;
  rttMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  burstLossPercent?: number;
  reorderPercent?: number;
}

export type StreamKind = 'audio' | 'video' | 'screen-share' | 'video-meeting' | 'screen-share-meeting';

export interface CatalogBandwidth extends Traced {
  stream: StreamKind;
  /** Per user and stream, one direction, kbit/s. */
  minKbps?: number;
  recommendedKbps?: number;
  bestKbps?: number;
}

export interface CatalogQos extends Traced {
  media: 'audio' | 'video' | 'screen-share';
  dscp: number;
  /** The per-hop behaviour's name, e.g. EF, AF41. */
  phb?: string;
  /** Client source ports the vendor recommends for this media, "a-b". */
  udpPorts?: string;
}

export interface CatalogParameter {
  name: string;
  description: string;
}

export interface PlatformCatalog {
  id: string;
  name: string;
  vendor: string;
  kind: PlatformKind;
  /** YYYY-MM-DD[.N]: when this snapshot was compiled (or the vendor feed's version after an update). */
  version: string;
  /** Vendor instance, e.g. "Worldwide", "China (operated by 21Vianet)". */
  instance?: string;
  description: string;
  /** Self-hosted templates: values the site supplies (`{domain}` in host names). */
  parameters?: CatalogParameter[];
  sources: CatalogSource[];
  endpoints: CatalogEndpoint[];
  ranges?: CatalogRange[];
  relays?: CatalogRelay[];
  targets?: CatalogTargets;
  bandwidth?: CatalogBandwidth[];
  qos?: CatalogQos[];
}
