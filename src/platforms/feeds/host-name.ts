// Host names as vendors list them: concrete names to probe, and wildcards that describe a family
// of names (allow-list material) but name nothing that can be resolved.

import { domainToASCII } from 'node:url';

export interface FeedHostName {
  /** Lower case, ASCII (IDNs as punycode), no trailing dot. */
  host: string;
  wildcard: boolean;
}

const LABEL = /^[a-z0-9_*]([a-z0-9_*-]*[a-z0-9_*])?$/;

/** The normalised name, or a reason it is not one. */
export function normalizeHostName(raw: string): FeedHostName | string {
  let host = raw.trim().toLowerCase().replace(/\.$/, '');
  if (host === '') return 'empty host name';
  if (host.length > 253) return 'host name longer than 253 characters';
  if (/[^\x00-\x7f]/.test(host)) {
    const ascii = domainToASCII(host);
    if (!ascii) return `"${raw.slice(0, 80)}" is not a valid international domain name`;
    host = ascii;
  }
  const labels = host.split('.');
  if (labels.length < 2) return `"${raw.slice(0, 80)}" is not a fully qualified host name`;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || !LABEL.test(label)) return `"${raw.slice(0, 80)}" is not a host name`;
  }
  // A name whose last label is all digits is an address written as a name, or a typo.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return `"${raw.slice(0, 80)}" is not a host name`;
  return { host, wildcard: host.includes('*') };
}

/** Whether a wildcard pattern ("*.example.com", "*-files.example.com") or a plain name covers a concrete name. */
export function wildcardCovers(pattern: string, host: string): boolean {
  return hostMatcher([pattern])(host);
}

/** One test for many patterns: exact names by lookup, wildcards compiled once. */
export function hostMatcher(patterns: readonly string[]): (host: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  // "*" stands for one or more characters, and may span labels, as in the vendors' lists
  // ("*.teams.microsoft.com" covers "a.b.teams.microsoft.com").
  const wild = patterns.filter((p) => p.includes('*')).map((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('[a-z0-9_.-]+')}$`));
  return (host) => exact.has(host) || wild.some((re) => re.test(host));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
