// `siteready init` as a pure function: command-line flags, typed answers and what was found in the
// local configuration → the site to write, or what is wrong or missing. No I/O here, so every
// combination of inputs is testable without a terminal; the command around it only asks, detects
// and writes.

import { fileURLToPath } from 'node:url';
import { countryCorrection, normaliseCountry } from '../site/countries.js';
import type { InitMessageId } from './init-messages.js';

export const SIZES = ['small', 'medium', 'large', 'enterprise'] as const;
export type SiteSize = (typeof SIZES)[number];

/** Link kinds of the site schema: a link named after one (`internet`, `mpls`) is of that kind. */
const LINK_KINDS = ['internet', 'mpls', 'sd-wan', 'vpn', 'lte', 'lan', 'other'];

/** The environment variable a proxy password is read from: the file only names it. */
export const PROXY_PASSWORD_ENV = 'SITEREADY_PROXY_PASSWORD';
export const PROBE_TOKEN_ENV = 'SITEREADY_TOKEN';
export const DEFAULT_PROBE_PORT = 7000;

export type Field = 'platform' | 'domain' | 'name' | 'size' | 'users' | 'country' | 'link' | 'probe' | 'pac' | 'proxy';

/** A shipped catalog as `init` offers it. */
export interface CatalogChoice {
  id: string;
  name: string;
  kind: 'saas' | 'self-hosted';
  /** Template parameters (`domain`); empty for cloud catalogs. */
  parameters: string[];
}

/** Values as given on the command line; each list item may itself be comma-separated. */
export interface InitFlags {
  platform?: string[];
  domain?: string;
  name?: string;
  size?: string;
  users?: string;
  country?: string;
  link?: string[];
  probe?: string;
  pac?: string;
  proxy?: string;
}

/** Answers typed at the prompts, as typed. A flag always wins over an answer. */
export type InitAnswers = Partial<Record<'platform' | 'domain' | 'name' | 'size' | 'users' | 'country' | 'link', string>>;

/** Proxy settings read from the local configuration, raw (a URL may still carry credentials). */
export interface DetectedSettings {
  proxy?: { value: string; source: string };
  noProxy?: { value: string; source: string };
  pac?: { value: string; source: string };
}

export interface Message {
  id: InitMessageId;
  params?: Record<string, string | number>;
}

export interface InitProblem extends Message {
  field: Field;
  hint?: Message;
  /** Candidates for a did-you-mean, worked out in the user's language when shown. */
  guessFrom?: { input: string; candidates: string[] };
}

export interface Link {
  name: string;
  kind?: string;
  downMbps?: number;
  upMbps?: number;
}

export interface ProxySetting {
  /** scheme://host[:port], never with credentials. */
  url: string;
  username?: string;
  /** The URL carried a password: the file gets a ${ENV} reference, never the password. */
  password: boolean;
  source: string;
}

export interface InitSite {
  name: string;
  size?: SiteSize;
  users?: number;
  country?: string;
  links: Link[];
  /** False when no link was given: the file then says which figures to fill in. */
  linkFigures: boolean;
  platforms: string[];
  /** The chosen platforms that are self-hosted templates (they need `domain`). */
  templates: string[];
  domain?: string;
  proxy?: {
    /** Written as network.proxy.url; absent when a PAC file was chosen over it. */
    url?: string;
    /** A URL known but not used (a PAC file wins): kept as a comment. */
    commentedUrl?: { url: string; source: string };
    username?: string;
    password: boolean;
    noProxy?: string[];
    pac?: string;
    /** A PAC file known but not used (the URL wins): kept as a comment. */
    commentedPac?: { pac: string; source: string };
    sources: string[];
  };
  probe?: { host: string; port: number };
}

export interface InitResult {
  site?: InitSite;
  problems: InitProblem[];
  /** Required values nobody gave (only prompts or flags can supply them). */
  missing: Field[];
  /** Things worth saying on stderr: what was detected, what was left out and why. */
  notes: Message[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: InitProblem };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (field: Field, id: InitMessageId, params: Record<string, string | number> = {}, hint?: Message): Parsed<never> => ({
  ok: false,
  problem: { field, id, params, ...(hint ? { hint } : {}) },
});

/** "a,b" and ["a", "b,c"] alike → trimmed, non-empty items. */
export function splitList(input: string | string[] | undefined): string[] {
  return [input ?? []]
    .flat()
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parsePlatforms(input: string | string[], catalogs: CatalogChoice[]): Parsed<string[]> {
  const ids: string[] = [];
  for (const raw of splitList(input)) {
    const id = raw.toLowerCase();
    if (!catalogs.some((c) => c.id === id)) {
      const candidates = catalogs.map((c) => c.id);
      return {
        ok: false,
        problem: {
          field: 'platform',
          id: 'unknownPlatform',
          params: { input: raw },
          hint: { id: 'unknownPlatformHint', params: { known: candidates.join(', ') } },
          guessFrom: { input: raw, candidates },
        },
      };
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ok(ids);
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostName(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => HOST_LABEL.test(label));
}

export function parseDomain(input: string): Parsed<string> {
  const host = input.trim().toLowerCase().replace(/\.$/, '');
  return host && isHostName(host) ? ok(host) : bad('domain', 'badDomain', { input: input.trim() });
}

export function parseName(input: string): Parsed<string> {
  const name = input.trim();
  // One line: the name is shown in report headings and terminal tables.
  return name.length >= 1 && name.length <= 200 && !/[\u0000-\u001f\u007f]/.test(name) ? ok(name) : bad('name', 'badName');
}

export function parseCountry(input: string): Parsed<string> {
  const code = normaliseCountry(input);
  if (code) return ok(code);
  const fix = countryCorrection(input);
  return bad(
    'country',
    'badCountry',
    { input: input.trim() },
    fix ? { id: 'didYouMean', params: { guesses: `"${fix}"` } } : { id: 'countryHint' },
  );
}

export function parseUsers(input: string): Parsed<number> {
  const text = input.trim().replace(/[_,]/g, '');
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n >= 1 && n <= 10_000_000 ? ok(n) : bad('users', 'badUsers', { input: input.trim() });
}

export function parseSize(input: string): Parsed<SiteSize> {
  const size = input.trim().toLowerCase();
  return (SIZES as readonly string[]).includes(size) ? ok(size as SiteSize) : bad('size', 'badSize', { input: input.trim() });
}

const LINK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MBPS = /^(\d+(\.\d+)?|\.\d+)$/;

/** `internet:200/50` (name:downMbps/upMbps), `internet:200`, `internet`; several comma-separated. */
export function parseLinks(input: string | string[]): Parsed<Link[]> {
  const links: Link[] = [];
  for (const item of splitList(input)) {
    const m = /^([^:]+?)\s*(?::\s*([^/]*?)\s*(?:\/\s*(.*?)\s*)?)?$/.exec(item);
    const name = m?.[1]?.trim() ?? '';
    const [down, up] = [m?.[2], m?.[3]];
    const figure = (s: string | undefined) => (s === undefined || s === '' ? undefined : MBPS.test(s) ? Number(s) : NaN);
    const downMbps = figure(down);
    const upMbps = figure(up);
    if (!m || !LINK_NAME.test(name) || Number.isNaN(downMbps) || Number.isNaN(upMbps) || downMbps === 0 || upMbps === 0)
      return bad('link', 'badLink', { input: item });
    if (links.some((l) => l.name === name)) return bad('link', 'duplicateLink', { input: name });
    const kind = LINK_KINDS.find((k) => k === name.toLowerCase());
    links.push({
      name,
      ...(kind ? { kind } : {}),
      ...(downMbps !== undefined ? { downMbps } : {}),
      ...(upMbps !== undefined ? { upMbps } : {}),
    });
  }
  return links.length ? ok(links) : bad('link', 'badLink', { input: splitList(input).join(',') });
}

/** `host:port`, `host` (port 7000) or `[v6]:port`. */
export function parseProbe(input: string): Parsed<{ host: string; port: number }> {
  const text = input.trim();
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([^\s:/[\]]+)(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[2] === undefined ? DEFAULT_PROBE_PORT : Number(m[2]);
  const host = m?.[1] ?? '';
  const hostOk = host.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || isHostName(host.toLowerCase());
  return m && hostOk && port >= 1 && port <= 65535 ? ok({ host, port }) : bad('probe', 'badProbe', { input: text });
}

/** The userinfo part of a URL removed, for messages about a URL that may carry a password. */
export function withoutCredentials(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/?#\s]*@/i, '$1');
}

/**
 * A proxy URL as HTTPS_PROXY or --proxy give it (`proxy:3128`, `http://user:pw@proxy:3128/`) →
 * scheme://host[:port] and the user name; the password is only noted as present. The port is kept
 * as written: URL parsing drops a default one (`:80`), and a proxy without a port means another
 * default to the tools that read the file.
 */
export function parseProxyUrl(input: string, source: string): Parsed<ProxySetting> | { ok: false; unsupported: string } {
  const text = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(withScheme)![1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return { ok: false, unsupported: scheme };
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return bad('proxy', 'badProxy', { input: withoutCredentials(text) });
  }
  const authority = /^[a-z]+:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d+))?/i.exec(withScheme);
  if (!u.hostname || !authority) return bad('proxy', 'badProxy', { input: withoutCredentials(text) });
  const port = authority[2] ? `:${Number(authority[2])}` : '';
  let username: string | undefined;
  if (u.username) {
    try {
      username = decodeURIComponent(u.username);
    } catch {
      username = u.username;
    }
  }
  return ok({
    url: `${scheme}://${u.hostname}${port}`,
    ...(username ? { username } : {}),
    password: u.password !== '',
    source,
  });
}

/** NO_PROXY as curl reads it: comma (or space) separated hosts, domains, CIDRs, `*`. */
export function parseNoProxy(input: string): string[] {
  return [
    ...new Set(
      input
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** A PAC file: an http(s) URL, a file: URL (made a path) or a path (relative to the site file). */
export function parsePac(input: string): Parsed<string> {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) {
    try {
      const u = new URL(text);
      u.username = '';
      u.password = '';
      return ok(u.toString());
    } catch {
      return bad('pac', 'badPac', { input: withoutCredentials(text) });
    }
  }
  if (/^file:\/\//i.test(text)) {
    try {
      return ok(fileURLToPath(text));
    } catch {
      return bad('pac', 'badPac', { input: text });
    }
  }
  // Any other scheme is nothing the PAC loader can read; "C:\…" is a Windows path, not a scheme.
  if (!text || /^[a-z][a-z0-9+.-]+:/i.test(text) || /[\u0000-\u001f]/.test(text)) return bad('pac', 'badPac', { input: text });
  return ok(text);
}

/**
 * The site to write, from flags (which win), answers and the detected proxy settings; or the
 * problems (a value that is wrong) and what is missing (a required value nobody gave).
 */
export function buildInitSite(
  flags: InitFlags,
  answers: InitAnswers,
  ctx: { catalogs: CatalogChoice[]; detected?: DetectedSettings },
): InitResult {
  const problems: InitProblem[] = [];
  const missing: Field[] = [];
  const notes: Message[] = [];
  const take = <T>(parsed: Parsed<T>): T | undefined => {
    if (parsed.ok) return parsed.value;
    problems.push(parsed.problem);
    return undefined;
  };
  const given = (flag: string | string[] | undefined, answer: string | undefined): string | string[] | undefined => {
    if (Array.isArray(flag) ? splitList(flag).length : flag !== undefined && flag.trim() !== '') return flag;
    return answer !== undefined && answer.trim() !== '' ? answer : undefined;
  };

  const nameText = given(flags.name, answers.name) as string | undefined;
  const name = nameText === undefined ? undefined : take(parseName(nameText));
  if (nameText === undefined) missing.push('name');

  const platformText = given(flags.platform, answers.platform);
  const platforms = platformText === undefined ? [] : (take(parsePlatforms(platformText, ctx.catalogs)) ?? []);
  if (platformText === undefined) missing.push('platform');
  const templates = platforms.filter((id) => ctx.catalogs.find((c) => c.id === id)?.kind === 'self-hosted');

  const domainText = given(flags.domain, answers.domain) as string | undefined;
  const domain = domainText === undefined ? undefined : take(parseDomain(domainText));
  if (templates.length && domainText === undefined) {
    missing.push('domain');
    problems.push({ field: 'domain', id: 'needsDomain', params: { platforms: templates.join(', ') } });
  }
  if (domainText !== undefined && platforms.length && !templates.length) notes.push({ id: 'domainUnused' });

  const sizeText = given(flags.size, answers.size) as string | undefined;
  const size = sizeText === undefined ? undefined : take(parseSize(sizeText));
  const usersText = given(flags.users, answers.users) as string | undefined;
  const users = usersText === undefined ? undefined : take(parseUsers(usersText));
  const countryText = given(flags.country, answers.country) as string | undefined;
  const country = countryText === undefined ? undefined : take(parseCountry(countryText));
  const linkText = given(flags.link, answers.link);
  const links = linkText === undefined ? [{ name: 'internet', kind: 'internet' }] : take(parseLinks(linkText));
  const probe = flags.probe === undefined ? undefined : take(parseProbe(flags.probe));

  const proxy = proxySection(flags, ctx.detected ?? {}, problems, notes);

  if (problems.length || missing.length || name === undefined || links === undefined) return { problems, missing, notes };
  return {
    site: {
      name,
      ...(size ? { size } : {}),
      ...(users ? { users } : {}),
      ...(country ? { country } : {}),
      links,
      linkFigures: linkText !== undefined && links.some((l) => l.downMbps !== undefined || l.upMbps !== undefined),
      platforms,
      templates,
      ...(domain && templates.length ? { domain } : {}),
      ...(proxy ? { proxy } : {}),
      ...(probe ? { probe } : {}),
    },
    problems,
    missing,
    notes,
  };
}

/**
 * network.proxy from --proxy / --pac and what the environment or desktop say. An explicit flag wins
 * over anything detected; between a URL and a PAC file, the one given on the command line is
 * written and the other kept as a comment (the loader would ignore a PAC file beside a URL).
 */
function proxySection(flags: InitFlags, detected: DetectedSettings, problems: InitProblem[], notes: Message[]): InitSite['proxy'] {
  let setting: ProxySetting | undefined;
  const fromText = flags.proxy !== undefined ? { value: flags.proxy, source: '--proxy' } : detected.proxy;
  if (fromText) {
    const parsed = parseProxyUrl(fromText.value, fromText.source);
    if (parsed.ok) setting = parsed.value;
    else if ('unsupported' in parsed) {
      if (flags.proxy !== undefined) problems.push({ field: 'proxy', id: 'badProxy', params: { input: withoutCredentials(flags.proxy) } });
      else notes.push({ id: 'proxyScheme', params: { source: fromText.source, scheme: parsed.unsupported } });
    } else if (flags.proxy !== undefined) problems.push(parsed.problem);
    // A detected value that is not a URL at all is not this tool's to repair: it is left out.
  }
  if (setting) {
    notes.push({ id: 'proxyFound', params: { source: setting.source, url: setting.url } });
    if (setting.password) notes.push({ id: 'proxyCredentials', params: { env: PROXY_PASSWORD_ENV } });
  }

  let pac: { pac: string; source: string } | undefined;
  if (flags.pac !== undefined) {
    const parsed = parsePac(flags.pac);
    if (parsed.ok) pac = { pac: parsed.value, source: '--pac' };
    else problems.push(parsed.problem);
  } else if (detected.pac) {
    const parsed = parsePac(detected.pac.value);
    if (parsed.ok) pac = { pac: parsed.value, source: detected.pac.source };
  }
  if (pac) notes.push({ id: 'pacFound', params: { source: pac.source, pac: pac.pac } });

  if (!setting && !pac) return undefined;
  const credentials = {
    ...(setting?.username ? { username: setting.username } : {}),
    password: Boolean(setting?.password),
  };
  const sources = [setting?.source, pac?.source].filter((s): s is string => Boolean(s));
  const pacWins = pac && (!setting || (pac.source === '--pac' && setting.source !== '--proxy'));
  if (pacWins) {
    if (setting) notes.push({ id: 'proxyIgnored', params: { source: setting.source, url: setting.url } });
    return {
      pac: pac!.pac,
      ...(setting ? { commentedUrl: { url: setting.url, source: setting.source } } : {}),
      ...credentials,
      sources,
    };
  }
  if (pac) notes.push({ id: 'pacIgnored', params: { pac: pac.pac } });
  const noProxy = detected.noProxy ? parseNoProxy(detected.noProxy.value) : [];
  return {
    url: setting!.url,
    ...credentials,
    ...(noProxy.length ? { noProxy } : {}),
    ...(pac ? { commentedPac: pac } : {}),
    sources: [...sources, ...(noProxy.length ? [detected.noProxy!.source] : [])],
  };
}
