// What reading a vendor feed yields: the ranges and hosts it lists, normalised, with the problems
// met on the way; and the snapshot stored in the cache (that plus where and when it was read).

import type { FeedFormat, VendorCategory, CatalogRole } from '../types.js';
import type { FeedProblem } from './errors.js';

export interface FeedRange {
  /** Normalised: host bits zero, IPv6 in RFC 5952 form. */
  cidr: string;
  category?: VendorCategory;
  role?: CatalogRole;
  /** The vendor's grouping (Microsoft's serviceArea, a Zoom file's name, a Webex service). */
  service?: string;
}

export interface FeedHost {
  /** Lower case, no trailing dot; may be a wildcard (`*.teams.microsoft.com`). */
  host: string;
  category?: VendorCategory;
  role?: CatalogRole;
  tcp?: Array<number | string>;
  udp?: Array<number | string>;
  service?: string;
  required?: boolean;
}

export interface ParsedFeed {
  ranges: FeedRange[];
  hosts: FeedHost[];
  /** Every line or entry rejected or normalised. */
  problemCount: number;
  /** The first MAX_PROBLEM_SAMPLES of them. */
  problems: FeedProblem[];
}

/** Bump when a field changes meaning; a cache file of another schema is ignored, not misread. */
export const SNAPSHOT_SCHEMA = 1;

export interface FeedSnapshot extends ParsedFeed {
  schema: typeof SNAPSHOT_SCHEMA;
  /** Catalog id. */
  platform: string;
  format: FeedFormat;
  /** The vendor's version (Microsoft's "latest"), or "<YYYY-MM-DD>+sha256:<first 12 hex>" for unversioned files. */
  version: string;
  /** Microsoft instance read (Worldwide, China, ...). */
  instance?: string;
  /** When the body was read (ISO time). */
  fetchedAt: string;
  /** When the vendor was last asked whether there is something new (ISO time); drives the hourly poll limit. */
  checkedAt: string;
  /** The URL the body came from after redirects; no credentials, no per-request id. */
  sourceUrl: string;
  /** The URL asked for (before redirects), same redaction: a cached snapshot answers only the same request. */
  requestedUrl: string;
  /** Of the body as read. */
  sha256: string;
}

// Limits that no real feed comes near (Microsoft's Worldwide list is ~150 entries and ~100 kB;
// Zoom's files are hundreds of lines) but that bound the work a hostile body can cause.
export const MAX_FEED_BYTES = 16 * 1024 * 1024;
export const MAX_LINES = 1_000_000;
export const MAX_ENTRIES = 100_000;
export const MAX_RANGES = 500_000;
export const MAX_HOSTS = 200_000;
export const MAX_JSON_DEPTH = 32;
export const MAX_PROBLEM_SAMPLES = 50;

/** Counts problems and keeps the first few, so a feed of a million bad lines costs a number, not a list. */
export class ProblemLog {
  count = 0;
  readonly samples: FeedProblem[] = [];

  add(at: string, reason: string, action: FeedProblem['action'] = 'skipped'): void {
    this.count++;
    if (this.samples.length < MAX_PROBLEM_SAMPLES) this.samples.push({ at, reason: printable(reason).slice(0, 300), action });
  }
}

/** Feed text fit for a terminal or a report: control characters (escape sequences included) shown as "?". */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** "2025-11-03+sha256:0123456789ab": the version of a feed that has none of its own. */
export function contentVersion(fetchedAt: string, sha256: string): string {
  return `${fetchedAt.slice(0, 10)}+sha256:${sha256.slice(0, 12)}`;
}
