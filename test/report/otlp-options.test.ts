// --otlp and --otlp-header with the OpenTelemetry exporter variables: where the metrics go, with
// which headers, encoding and deadline; what is a usage error; and that no header value or URL
// password is ever printed, whatever the receiver answers.

import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportMetrics, otlpTarget } from '../../src/cli/otlp.js';
import { UsageError } from '../../src/errors.js';
import type { Report } from '../../src/report/model.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/report-every-status.json', import.meta.url), 'utf8')) as Report;
const TOKEN = 'tok-9f8e7d6c5b4a';
const PASSWORD = 'p@ss:w0rd/secret';

function target(otlp: string | boolean | undefined, env: NodeJS.ProcessEnv = {}, otlpHeader?: string[], warn = (_: string) => {}) {
  return otlpTarget({ otlp, ...(otlpHeader ? { otlpHeader } : {}) }, env, warn);
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('no usage error');
}

describe('where the metrics go', () => {
  it('--otlp URL is a base: v1/metrics is appended to its path, unless the path already ends in it', () => {
    expect(target('http://collector:4318')!.url).toBe('http://collector:4318/v1/metrics');
    expect(target('http://collector:4318/')!.url).toBe('http://collector:4318/v1/metrics');
    expect(target('http://prometheus:9090/api/v1/otlp')!.url).toBe('http://prometheus:9090/api/v1/otlp/v1/metrics');
    expect(target('https://gw.example/tenant-a/')!.url).toBe('https://gw.example/tenant-a/v1/metrics');
    expect(target('https://gw.example/v1/metrics')!.url).toBe('https://gw.example/v1/metrics');
    expect(target('https://gw.example/otlp/v1/metrics?tenant=a#x')!.url).toBe('https://gw.example/otlp/v1/metrics?tenant=a');
  });

  it('--otlp alone reads the metrics endpoint as it is, else the general one as a base, else a local collector', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318/mycollector/', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://m.example' };
    expect(target(true, env)!.url).toBe('https://m.example/');
    expect(target(true, { ...env, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '' })!.url).toBe('http://base:4318/mycollector/v1/metrics');
    expect(target(true)!.url).toBe('http://localhost:4318/v1/metrics');
    expect(target(true, env)!.spec).toBe('');
    // A URL given on the command line wins over the variables.
    expect(target('http://flag:4318', env)!.url).toBe('http://flag:4318/v1/metrics');
  });

  it('the variables alone turn nothing on', () => {
    expect(target(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined();
    expect(usageError(() => target(undefined, {}, ['X-Tenant=a'])).message).toBe('--otlp-header needs --otlp');
  });

  it('a URL that is not http(s) is a usage error with an example', () => {
    expect(usageError(() => target('collector:4318')).message).toMatch(/OTLP\/HTTP needs an http:\/\/ or https:\/\/ URL/);
    expect(usageError(() => target('site.yaml')).message).toMatch(/is not a URL/);
    expect(usageError(() => target(true, { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://x:4317' })).message).toMatch(
      /^OTEL_EXPORTER_OTLP_ENDPOINT /,
    );
    expect(usageError(() => target('site.yaml')).diagnostics[0]!.hint).toMatch(/--otlp http:\/\//);
  });
});

describe('headers, protocol, deadline', () => {
  it('takes the general headers, then the metrics ones, then --otlp-header, by name; values percent-decoded and ${VAR}s expanded', () => {
    const t = target(
      'http://c:4318',
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20general, X-Tenant = branch-7 ,X-Both=general',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-both=metrics',
        OTLP_TOKEN: TOKEN,
      },
      ['authorization=Bearer ${OTLP_TOKEN}'],
    )!;
    expect(t.headers).toEqual({ authorization: `Bearer ${TOKEN}`, 'X-Tenant': 'branch-7', 'x-both': 'metrics' });
    expect(t.headerSpecs).toEqual(['authorization=Bearer ${OTLP_TOKEN}']);
  });

  it('a header that is not NAME=VALUE, or whose variable is unset, is a usage error that does not print the value', () => {
    const e1 = usageError(() => target('http://c:4318', {}, [`Bearer ${TOKEN}`]));
    const e2 = usageError(() => target('http://c:4318', { OTEL_EXPORTER_OTLP_HEADERS: `${TOKEN}` }));
    const e3 = usageError(() => target('http://c:4318', {}, ['Authorization=Bearer ${UNSET_TOKEN}']));
    const e4 = usageError(() => target('http://c:4318', {}, [`Auth orization=${TOKEN}`]));
    const e5 = usageError(() => target('http://c:4318', { V: `${TOKEN}\r\nX-Injected: 1` }, ['Authorization=${V}']));
    const e6 = usageError(() => target('http://c:4318', { OTEL_EXPORTER_OTLP_METRICS_HEADERS: `Authorization=${TOKEN}%zz` }));
    const e7 = usageError(() => target('http://c:4318', {}, [`Authorization: Bearer ${TOKEN}==`]));
    expect(e3.message).toBe('--otlp-header refers to ${UNSET_TOKEN}, which is not set');
    expect(e6.message).toMatch(/^OTEL_EXPORTER_OTLP_METRICS_HEADERS: the value of Authorization is not valid percent-encoding/);
    for (const e of [e1, e2, e3, e4, e5, e6, e7]) expect(JSON.stringify(e.diagnostics)).not.toContain(TOKEN);
  });

  it('user information in the URL becomes Basic authorization, and leaves the URL', () => {
    const t = target(`https://siteready:${encodeURIComponent(PASSWORD)}@otlp.example/`)!;
    expect(t.url).toBe('https://otlp.example/v1/metrics');
    expect(t.headers.authorization).toBe(`Basic ${Buffer.from(`siteready:${PASSWORD}`).toString('base64')}`);
    expect(t.display).toBe('https://siteready:***@otlp.example/v1/metrics');
    for (const form of [PASSWORD, encodeURIComponent(PASSWORD), t.headers.authorization!.slice(6)])
      expect(t.redactor.redact(`echo: ${form}`)).toBe('echo: [REDACTED]');
    // Spelled with a reference, the command printed to send again keeps the reference.
    const ref = target('https://siteready:${OTLP_PASSWORD}@otlp.example', { OTLP_PASSWORD: PASSWORD })!;
    expect(ref.spec).toBe('https://siteready:${OTLP_PASSWORD}@otlp.example');
    expect(target(`https://siteready:${encodeURIComponent(PASSWORD)}@otlp.example`)!.spec).not.toContain('w0rd');
  });

  it('http/protobuf unless http/json is asked for; grpc and anything else are usage errors', () => {
    expect(target('http://c')!.protocol).toBe('http/protobuf');
    expect(target('http://c', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })!.protocol).toBe('http/json');
    expect(
      target('http://c', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf' })!.protocol,
    ).toBe('http/protobuf');
    expect(usageError(() => target('http://c', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).diagnostics[0]!.hint).toMatch(/4318/);
    expect(usageError(() => target('http://c', { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'thrift' })).message).toMatch(
      /^OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=thrift/,
    );
    expect(target('http://c', { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' })!.compression).toBe('gzip');
    expect(usageError(() => target('http://c', { OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' })).message).toMatch(/gzip or none/);
  });

  it('a deadline in milliseconds; 0 is no limit; anything else is a warning and the default', () => {
    expect(target('http://c')!.timeoutMs).toBe(10_000);
    expect(target('http://c', { OTEL_EXPORTER_OTLP_TIMEOUT: '2500' })!.timeoutMs).toBe(2500);
    expect(target('http://c', { OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '700' })!.timeoutMs).toBe(700);
    expect(target('http://c', { OTEL_EXPORTER_OTLP_TIMEOUT: '0' })!.timeoutMs).toBe(2 ** 31 - 1);
    for (const bad of ['-5', '10s', '1e3']) {
      const warnings: string[] = [];
      expect(target('http://c', { OTEL_EXPORTER_OTLP_TIMEOUT: bad }, undefined, (w) => warnings.push(w))!.timeoutMs).toBe(10_000);
      expect(warnings).toEqual([expect.stringMatching(/^warning: OTEL_EXPORTER_OTLP_TIMEOUT=.* is not a whole number of milliseconds/)]);
    }
  });
});

describe('exportMetrics', () => {
  let server: Server | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  async function receiver(answer: (body: Buffer, headers: Record<string, unknown>) => [number, string]): Promise<string> {
    server = createServer((req, res) => {
      req.on('error', () => undefined);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [code, text] = answer(Buffer.concat(chunks), req.headers);
        res.writeHead(code, { 'content-type': 'text/plain' }).end(text);
      });
    });
    server.on('connection', (s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://siteready:${encodeURIComponent(PASSWORD)}@127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  function stderr(): string[] {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    return lines;
  }

  it('a receiver that echoes the credentials back never gets them printed', async () => {
    const url = await receiver((_, h) => [401, `bad credentials: ${String(h.authorization)} and ${String(h['x-api-key'])} ${PASSWORD}`]);
    const t = target(url, { OTLP_TOKEN: TOKEN }, ['X-Api-Key=${OTLP_TOKEN}'])!;
    const lines = stderr();
    expect(await exportMetrics(fixture, t, { lang: 'en', importedFrom: 'saved report.json' })).toBe(false);
    const text = lines.join('');
    expect(text).toContain('warning: the metrics could not be sent to http://siteready:***@127.0.0.1:');
    expect(text).toContain('HTTP 401: bad credentials: Basic [REDACTED] and [REDACTED] [REDACTED]');
    expect(text).toContain(`send its metrics again with: siteready report 'saved report.json' --otlp 'http://siteready:***@127.0.0.1:`);
    expect(text).toContain("--otlp-header 'X-Api-Key=${OTLP_TOKEN}'");
    for (const secret of [TOKEN, PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(`siteready:${PASSWORD}`).toString('base64')])
      expect(text).not.toContain(secret);
  });

  it("a receiver still overloaded when the deadline comes: how often it was asked, in the reader's language", async () => {
    let asked = 0;
    const url = await receiver(() => (asked++, [503, 'overloaded']));
    const lines = stderr();
    const t = target(url, { OTEL_EXPORTER_OTLP_TIMEOUT: '1500' })!;
    expect(await exportMetrics(fixture, t, { lang: 'en' })).toBe(false);
    expect(lines.join('')).toContain(`: HTTP 503: overloaded, still after ${asked} attempt(s) within the 1.5 s deadline\n`);
    expect(asked).toBeGreaterThanOrEqual(2);
    lines.length = 0;
    expect(await exportMetrics(fixture, t, { lang: 'zh-CN' })).toBe(false);
    expect(lines.join('')).toMatch(/警告：指标无法发送到 .*：HTTP 503：overloaded（在 1\.5 秒时限内尝试 \d 次后仍然如此）/);
  });

  it("says where the metrics went unless quiet, gzips them when asked, and masks the site's secrets in the labels", async () => {
    let seen: { body: Buffer; headers: Record<string, unknown> } | undefined;
    const url = await receiver((body, headers) => ((seen = { body, headers }), [200, '']));
    const t = target(url, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' })!;
    const { Redactor } = await import('../../src/site/secrets.js');
    const site = new Redactor();
    site.add('Demo HQ');
    const lines = stderr();
    expect(await exportMetrics(fixture, t, { lang: 'en', redactor: site })).toBe(true);
    expect(lines.join('')).toMatch(
      /^siteready: metrics sent to http:\/\/siteready:\*\*\*@127\.0\.0\.1:\d+\/v1\/metrics: \d+ data points\n$/,
    );
    expect(seen!.headers['content-encoding']).toBe('gzip');
    const { gunzipSync } = await import('node:zlib');
    const body = gunzipSync(seen!.body).toString('latin1');
    expect(body).toContain('[REDACTED]');
    expect(body).not.toContain('Demo HQ');
    lines.length = 0;
    expect(await exportMetrics(fixture, t, { lang: 'en', quiet: true })).toBe(true);
    expect(lines).toEqual([]);
  });
});
