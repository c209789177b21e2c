// The "Webex services" CSV linked from Webex's network requirements article: a header row, then
// one service per row with its domains/URLs. Columns are found by their header names, not their
// order; a cell may hold several names; a cell that holds a CIDR is read as a range.

import { FeedCollector } from './collect.js';
import { parseCsv } from './csv.js';
import { FeedError } from './errors.js';
import { parsePortList } from './ports.js';
import { MAX_ENTRIES, type ParsedFeed } from './snapshot.js';
import { feedText } from './text.js';
import { normalizeCidr } from './cidr.js';

interface Columns {
  names?: number;
  ips?: number;
  service?: number;
  description?: number;
  ports?: number;
  protocol?: number;
}

export function parseWebexCsv(body: string | Uint8Array): ParsedFeed {
  const text = feedText(body);
  const records = parseCsv(text, { maxRecords: MAX_ENTRIES, maxFieldChars: 64 * 1024 });
  const header = records[0];
  if (!header) throw new FeedError('empty', 'the CSV has no header row');
  const cols = findColumns(header);
  if (cols.names === undefined && cols.ips === undefined)
    throw new FeedError('shape', 'the CSV header has no URL, domain or IP column', {
      problems: [{ at: 'line 1', reason: `columns: ${header.join(', ').slice(0, 200)}`, action: 'skipped' }],
    });
  const out = new FeedCollector();
  for (let r = 1; r < records.length; r++) {
    const row = records[r]!;
    const at = `record ${r + 1}`;
    const cell = (i: number | undefined) => (i === undefined ? '' : (row[i] ?? '').trim());
    const service = (cell(cols.service) || cell(cols.description)).replace(/\s+/g, ' ').slice(0, 200) || undefined;
    const ports = readPorts(cell(cols.ports), cell(cols.protocol));
    if (typeof ports === 'string') out.problems.add(at, ports, 'normalised');
    const portLabels = typeof ports === 'string' ? {} : ports;
    for (const token of tokens(cell(cols.names))) {
      const host = hostOf(token);
      if (normalizeCidr(host)) out.addRange(host, at, { ...(service ? { service } : {}) });
      else out.addHost(host, at, { ...(service ? { service } : {}), ...portLabels });
    }
    for (const token of tokens(cell(cols.ips))) out.addRange(token, at, { ...(service ? { service } : {}) });
  }
  return out.finish('URLs, domains or ranges');
}

/** Header names compared without case, spaces or punctuation ("Domain(s) / URL(s)" → "domainsurls"). */
function findColumns(header: string[]): Columns {
  const cols: Columns = {};
  let namesScore = 0;
  header.forEach((raw, i) => {
    const h = raw.toLowerCase().replace(/[^a-z]/g, '');
    const set = (key: keyof Columns) => {
      if (cols[key] === undefined) cols[key] = i;
    };
    // A column that is the URL list is named for it ("URL", "Domain / URL"); a long name that
    // merely mentions URLs ("Apps and devices using these domains / URLs") is about something else.
    const score = /^(urls?|domains?|urlsdomains?|domainsurls?|domainsorurls|hostnames?|hosts?|fqdns?)$/.test(h)
      ? 3
      : /url|domain|hostname|fqdn/.test(h)
        ? h.length <= 20
          ? 2
          : 1
        : 0;
    if (score > namesScore) {
      namesScore = score;
      cols.names = i;
    }
    if (score > 0) return;
    if (/^(ip|ips|ipaddress(es)?|ipranges?|ipsubnets?|subnets?|cidrs?|ipv4|ipv6|ipv4ipv6)$/.test(h)) set('ips');
    else if (/service/.test(h)) set('service');
    else if (/description|purpose/.test(h)) set('description');
    else if (/port/.test(h)) set('ports');
    else if (/protocol|transport/.test(h)) set('protocol');
  });
  return cols;
}

function tokens(cell: string): string[] {
  return cell.split(/[\s,;]+/).filter((t) => t !== '');
}

/** "https://*.webex.com:443/path" → "*.webex.com": the sheet lists URLs, the catalog wants hosts. */
function hostOf(token: string): string {
  const noScheme = token.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  // A CIDR's "/" is its prefix, not a path.
  if (normalizeCidr(noScheme)) return noScheme;
  const host = noScheme.split(/[/?#]/)[0]!;
  return host.replace(/:\d+$/, '');
}

/** Ports and protocol cells ("443", "TCP 443, 5004", "UDP") as catalog port lists. */
function readPorts(ports: string, protocol: string): { tcp?: Array<number | string>; udp?: Array<number | string> } | string {
  if (ports === '') return {};
  const words = `${protocol} ${ports}`.toLowerCase();
  const numbers = ports.replace(/\b(tcp|udp|tls|https?|srtp|sip)\b|\//gi, ' ').trim();
  const list = parsePortList(numbers);
  if (typeof list === 'string') return `ports "${ports.slice(0, 80)}": ${list}`;
  const udp = /\budp\b/.test(words);
  const tcp = /\b(tcp|tls|https?)\b/.test(words) || !udp;
  return { ...(tcp ? { tcp: list } : {}), ...(udp ? { udp: list } : {}) };
}
