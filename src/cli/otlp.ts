// What `assess` and `report` share about --otlp: where the metrics go and how (the flags, then the
// OpenTelemetry exporter variables, as the OTel SDKs read them), checked before anything is
// measured; and the export itself, after every report file is written, which never changes the
// exit code. Header values and a password in the URL are secrets: registered with a Redactor and
// masked in every line printed, whatever the receiver echoes back.
// https://opentelemetry.io/docs/specs/otel/protocol/exporter/

import { UsageError } from '../errors.js';
import { nodeZlib } from '../util/node-builtins.js';
import { expandReferences, maskUrlPassword, registerUrlPassword, respelling } from '../history/location.js';
import { translator, type Lang } from '../i18n/index.js';
import type { Report } from '../report/model.js';
import { encodeMetrics, OTLP_PROTOCOLS, type OtlpProtocol } from '../report/otlp/encode.js';
import { DEFAULT_OTLP_TIMEOUT_MS, sendMetrics, type SendOutcome } from '../report/otlp/send.js';
import { Redactor } from '../site/secrets.js';
import { savedReportFile, type AfterReportOptions } from './after-report.js';
import { shellWord } from './shell-word.js';

export interface OtlpFlags {
  /** --otlp URL; true for --otlp with no value (the OTEL_EXPORTER_OTLP_* endpoint variables). */
  otlp?: string | boolean;
  /** --otlp-header NAME=VALUE, repeatable. */
  otlpHeader?: string[];
}

export interface OtlpTarget {
  /** Where to POST: the full URL, without user information. */
  url: string;
  /** The URL in messages: with the user information's password masked. */
  display: string;
  /** What to give --otlp again in a command we print ('' for --otlp with no value). */
  spec: string;
  /** The --otlp-header options as written, to print again (literal values masked). */
  headerSpecs: string[];
  protocol: OtlpProtocol;
  compression: 'gzip' | 'none';
  headers: Record<string, string>;
  timeoutMs: number;
  redactor: Redactor;
}

/** The OTel SDKs' default OTLP/HTTP receiver: a collector on this host. */
const DEFAULT_ENDPOINT = 'http://localhost:4318/';
/** What an OTLP timeout of 0 (no limit) becomes: the longest timer Node keeps. */
const NO_LIMIT_MS = 2 ** 31 - 1;
/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const EXAMPLE = "e.g. --otlp http://collector.corp.example:4318 --otlp-header 'Authorization=Bearer ${OTLP_TOKEN}'";

/** The metrics variable if set, else the general one (the signal-specific option wins, per the specification). */
function variable(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined {
  for (const n of [`OTEL_EXPORTER_OTLP_METRICS_${name}`, `OTEL_EXPORTER_OTLP_${name}`]) {
    const value = env[n]?.trim();
    if (value) return { name: n, value };
  }
  return undefined;
}

function parseUrl(text: string, shown: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${where} ${shown} is not a URL`, `${EXAMPLE}; with no value, --otlp reads OTEL_EXPORTER_OTLP_ENDPOINT`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${where} ${shown}: OTLP/HTTP needs an http:// or https:// URL`, EXAMPLE);
  url.hash = '';
  return url;
}

/** A base URL (OTEL_EXPORTER_OTLP_ENDPOINT) and the metrics path relative to it. */
function metricsUrl(base: URL): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/metrics`;
  return url;
}

/**
 * `--otlp URL`: a base, as OTEL_EXPORTER_OTLP_ENDPOINT is (`v1/metrics` appended to its path),
 * unless its path already ends in /v1/metrics. `--otlp` alone: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
 * as it is, else OTEL_EXPORTER_OTLP_ENDPOINT as a base, else a collector on this host.
 */
function endpoint(flag: string | true, env: NodeJS.ProcessEnv): { url: URL; spec: string } {
  if (flag !== true) {
    const expanded = expandReferences(flag, env, { option: '--otlp' });
    const url = parseUrl(expanded, maskUrlPassword(flag), '--otlp');
    return { url: /\/v1\/metrics\/?$/.test(url.pathname) ? url : metricsUrl(url), spec: respelling(flag, expanded) };
  }
  const metrics = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim();
  if (metrics) return { url: parseUrl(metrics, maskUrlPassword(metrics), 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'), spec: '' };
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return { url: metricsUrl(parseUrl(base, maskUrlPassword(base), 'OTEL_EXPORTER_OTLP_ENDPOINT')), spec: '' };
  return { url: metricsUrl(new URL(DEFAULT_ENDPOINT)), spec: '' };
}

/** A header value as secret: whole, and the credential of an `Authorization: Scheme credential`. */
function registerHeader(redactor: Redactor, value: string): void {
  redactor.add(value);
  const credential = /^\S+\s+(\S+)$/.exec(value)?.[1];
  if (credential) redactor.add(credential);
}

function checkHeader(name: string, value: string, where: string): void {
  // No message shows the value, nor a name that is not one ("Authorization: Bearer abc=" would
  // show a token): either is likely a secret.
  if (!HEADER_NAME.test(name))
    throw new UsageError(`${where}: what comes before "=" is not a header name`, `NAME=VALUE, not NAME: VALUE; ${EXAMPLE}`);
  if (/[\r\n\0]/.test(value)) throw new UsageError(`${where}: the value of ${name} has a line break or NUL in it`, EXAMPLE);
}

/** `key1=value1,key2=value2`, values percent-decoded (the W3C Baggage form the specification names). */
function envHeaders(variable: string, text: string | undefined, into: Map<string, [string, string]>): void {
  (text ?? '').split(',').forEach((entry, i) => {
    if (!entry.trim()) return;
    const at = entry.indexOf('=');
    const name = entry.slice(0, Math.max(at, 0)).trim();
    if (!name) throw new UsageError(`${variable}: entry ${i + 1} is not key=value`, 'e.g. Authorization=Bearer%20TOKEN,X-Tenant=branch');
    let value: string;
    try {
      value = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      throw new UsageError(`${variable}: the value of ${name} is not valid percent-encoding`, 'write a space as %20, a comma as %2C');
    }
    checkHeader(name, value, variable);
    into.set(name.toLowerCase(), [name, value]);
  });
}

/** The export's settings, or undefined without --otlp. Every mistake is a usage error, before measuring. */
export function otlpTarget(
  flags: OtlpFlags,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`siteready: ${line}\n`),
): OtlpTarget | undefined {
  if (flags.otlp === undefined || flags.otlp === false) {
    if (flags.otlpHeader?.length) throw new UsageError('--otlp-header needs --otlp', EXAMPLE);
    return undefined;
  }
  const redactor = new Redactor();
  const { url, spec } = endpoint(flags.otlp === '' ? true : flags.otlp, env);
  const display = maskUrlPassword(url.toString());

  // Per header name: the metrics variable over the general one, --otlp-header over both.
  const headers = new Map<string, [string, string]>();
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS']) envHeaders(name, env[name], headers);
  for (const text of flags.otlpHeader ?? []) {
    const at = text.indexOf('=');
    if (at <= 0) throw new UsageError('--otlp-header needs NAME=VALUE', "e.g. --otlp-header 'Authorization=Bearer ${OTLP_TOKEN}'");
    const name = text.slice(0, at).trim();
    const value = expandReferences(text.slice(at + 1).trim(), env, { option: '--otlp-header', encode: false });
    checkHeader(name, value, '--otlp-header');
    headers.set(name.toLowerCase(), [name, value]);
  }
  for (const [, value] of headers.values()) registerHeader(redactor, value);

  // User information in the URL is sent as HTTP Basic, never as part of the request line.
  registerUrlPassword(url, redactor);
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    redactor.addCredentials(user, password);
    if (!headers.has('authorization'))
      headers.set('authorization', ['authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`]);
    url.username = '';
    url.password = '';
  }

  const protocolVar = variable(env, 'PROTOCOL');
  const protocol = (protocolVar?.value ?? 'http/protobuf') as OtlpProtocol;
  if (!OTLP_PROTOCOLS.includes(protocol))
    throw new UsageError(
      `${protocolVar!.name}=${protocolVar!.value}: siteready sends OTLP over HTTP, as http/protobuf or http/json`,
      protocol === ('grpc' as string)
        ? "set it to http/protobuf (a collector's OTLP/HTTP port is 4318), or unset it"
        : 'set it to http/protobuf or http/json, or unset it',
    );
  const compressionVar = variable(env, 'COMPRESSION');
  const compression = compressionVar?.value ?? 'none';
  if (compression !== 'gzip' && compression !== 'none') throw new UsageError(`${compressionVar!.name}=${compression}: give gzip or none`);

  let timeoutMs = DEFAULT_OTLP_TIMEOUT_MS;
  const timeoutVar = variable(env, 'TIMEOUT');
  if (timeoutVar) {
    // The specification's rule for a bad timeout: a warning, and the default.
    if (!/^\d+$/.test(timeoutVar.value))
      warn(
        `warning: ${timeoutVar.name}=${timeoutVar.value} is not a whole number of milliseconds; the export waits ${DEFAULT_OTLP_TIMEOUT_MS / 1000} s`,
      );
    else timeoutMs = Math.min(Number(timeoutVar.value), NO_LIMIT_MS) || NO_LIMIT_MS;
  }

  return {
    url: url.toString(),
    display,
    spec,
    headerSpecs: (flags.otlpHeader ?? []).map((h) => redactor.redact(h)),
    protocol,
    compression,
    headers: Object.fromEntries([...headers.values()]),
    timeoutMs,
    redactor,
  };
}

function reason(outcome: Exclude<SendOutcome, { ok: true }>, timeoutMs: number, lang: Lang): string {
  const { t } = translator(lang);
  const seconds = Math.round(timeoutMs / 100) / 10;
  switch (outcome.reason) {
    case 'http': {
      const said = outcome.message
        ? t('otlp.error.httpSays', { status: outcome.status, message: outcome.message })
        : t('otlp.error.http', { status: outcome.status });
      return outcome.gaveUp ? t('otlp.error.gaveUp', { error: said, attempts: outcome.attempts, seconds }) : said;
    }
    case 'network':
      return outcome.message;
    case 'timeout':
      return t('otlp.error.timeout', { seconds });
    case 'too-large':
      return t('otlp.error.tooLarge');
    case 'aborted':
      return t('otlp.error.aborted');
  }
}

/**
 * Sends a finished run's metrics. The report files are written first; a receiver that is down,
 * refuses or rejects them is a warning that says how to send them again, and never changes the
 * exit code. The site's secrets are masked in the labels as in every report file.
 */
export async function exportMetrics(report: Report, target: OtlpTarget, opts: AfterReportOptions): Promise<boolean> {
  const { t } = translator(opts.lang);
  const say = (line: string) => process.stderr.write(`siteready: ${target.redactor.redact(line)}\n`);
  const site = opts.redactor;
  const payload = encodeMetrics(report, target.protocol, (text) => target.redactor.redact(site ? site.redact(text) : text));
  const gzip = target.compression === 'gzip';
  const outcome = await sendMetrics({
    url: target.url,
    headers: { ...target.headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    payload: gzip ? { ...payload, body: nodeZlib().gzipSync(payload.body) } : payload,
    timeoutMs: target.timeoutMs,
  });
  if (outcome.ok) {
    const p = outcome.partial;
    if (p && p.rejected !== '0')
      say(t('otlp.rejected', { endpoint: target.display, rejected: p.rejected, points: payload.points, message: p.message || '—' }));
    else if (p) say(t('otlp.receiverSays', { endpoint: target.display, message: p.message }));
    else if (!opts.quiet) say(t('otlp.sent', { endpoint: target.display, points: payload.points }));
    return true;
  }
  say(t('otlp.notSent', { endpoint: target.display, error: reason(outcome, target.timeoutMs, opts.lang) }));
  const file = savedReportFile(opts);
  if (file) {
    const command = ['siteready', 'report', shellWord(file), '--otlp', ...(target.spec ? [shellWord(target.spec)] : [])];
    for (const h of target.headerSpecs) command.push('--otlp-header', shellWord(h));
    say(t('otlp.sendLater', { file, command: command.join(' ') }));
  }
  return false;
}
