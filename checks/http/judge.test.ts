// The http check's verdicts on fact fixtures: no network, no root (the measuring is tested against
// real peers in test/integration/http-tls.test.ts, proxy.test.ts and the hostile-peer matrix).

import { describe, expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { pathFailureCases } from '../../test/helpers/path-failures.js';
import type { PathFailure } from '../../src/net/path-messages.js';
import http, { type HttpFacts, type HttpHop } from './index.js';

const URL = 'https://target.example.test/';
const base = { url: URL, maxRedirects: 5, path: 'direct', connectTimeoutMs: 3000 } as const;
const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', authorized: true };
const hop = (status: number, ttfbMs: number, extra: Partial<HttpHop> = {}): HttpHop => ({
  url: URL,
  status,
  address: '192.0.2.10',
  path: 'direct',
  timings: { connectMs: 5, tlsMs: 8, ttfbMs },
  ...extra,
});
const answer = (status: number, ttfbMs: number, extra: Partial<HttpFacts> = {}): HttpFacts => ({
  ...base,
  classification: (status >= 200 && status < 400) || status === 401 || status === 403 ? 'ok' : 'http-error',
  status,
  finalUrl: URL,
  hops: [hop(status, ttfbMs)],
  tls,
  ...extra,
});
const failed = (failure: PathFailure): HttpFacts => ({ ...base, classification: failure.classification, failure });
const loop: HttpFacts = {
  ...base,
  classification: 'http-error',
  status: 302,
  finalUrl: `${URL}loop`,
  hops: Array.from({ length: 6 }, () => hop(302, 10, { location: '/loop' })),
  tls,
};
const bodyTooLong = (framing: 'chunked' | 'length' | 'close'): HttpFacts =>
  failed({
    classification: 'http-error',
    phase: 'application',
    code: 'HTTP_BODY_TOO_LONG',
    message: 'the body did not end',
    detail: { limit: 1048576, framing, ...(framing === 'length' ? { contentLength: '99999999' } : {}) },
  });
const siteWith = (endpoint: Record<string, unknown>) => ({
  version: 1,
  site: { name: 'H' },
  platform: { endpoints: [{ name: 'target', url: URL, role: 'api', ...endpoint }] },
});

const tester = new CheckTester(http);
tester.run({
  valid: [
    {
      name: '200, fast',
      facts: answer(200, 120),
      status: 'pass',
      score: 1,
      measurements: { status: 200, ttfbMs: 120, redirects: 0, connectMs: 5, tlsHandshakeMs: 8 },
    },
    { name: '401: an API that wants credentials is reachable', facts: answer(401, 50), status: 'pass' },
    {
      name: '301 → 200: every hop counts towards the first byte',
      facts: answer(200, 0, { hops: [hop(301, 100, { location: '/next' }), hop(200, 200)] }),
      status: 'pass',
      measurements: { ttfbMs: 300, redirects: 1 },
    },
    { name: 'a 404 the endpoint expects', facts: answer(404, 40), site: siteWith({ expectStatus: [404] }), status: 'pass' },
    { name: 'a stricter threshold, still met', facts: answer(200, 120), thresholds: { ttfbMs: 200 }, status: 'pass' },
    { name: 'a looser slowMs option', facts: answer(200, 1500), options: { slowMs: 2000 }, status: 'pass' },
  ],
  invalid: [
    { name: '503', facts: answer(503, 30), status: 'fail', score: 0, findings: ['http.status'] },
    {
      name: 'a 200 where the endpoint expects 204',
      facts: answer(200, 30),
      site: siteWith({ expectStatus: [204] }),
      status: 'fail',
      findings: ['http.status'],
    },
    {
      name: 'a 401 where the endpoint expects 200',
      facts: answer(401, 30),
      site: siteWith({ expectStatus: [200] }),
      status: 'fail',
      findings: ['http.status'],
    },
    { name: 'a redirect loop', facts: loop, status: 'fail', score: 0, findings: ['http.redirects'], measurements: { redirects: 5 } },
    { name: 'slow first byte', facts: answer(200, 2000), status: 'warn', findings: ['http.slow'], score: [0.6, 0.89] },
    { name: 'just over the target: a warning, not a pass', facts: answer(200, 1010), status: 'warn', score: 0.89, findings: ['http.slow'] },
    { name: "far over the target: the curve's floor", facts: answer(200, 9000), status: 'warn', score: 0.6, findings: ['http.slow'] },
    {
      name: 'the same facts against a stricter threshold',
      facts: answer(200, 400),
      thresholds: { ttfbMs: 200 },
      status: 'warn',
      findings: ['http.slow'],
    },
    { name: 'a body that never ends (chunked)', facts: bodyTooLong('chunked'), status: 'fail', score: 0, findings: ['http.body-too-long'] },
    { name: 'a body that never ends (Content-Length)', facts: bodyTooLong('length'), status: 'fail', findings: ['http.body-too-long'] },
    { name: 'a body that never ends (until close)', facts: bodyTooLong('close'), status: 'fail', findings: ['http.body-too-long'] },
    ...pathFailureCases('http', failed),
  ],
});

describe('http present', () => {
  it('shows every hop, the connection and its TLS', () => {
    const verdict = tester.verify(
      { facts: answer(200, 0, { hops: [hop(301, 100, { location: '/next' }), hop(200, 200)] }), status: 'pass' },
      true,
    );
    const [hops, connection] = verdict.blocks ?? [];
    expect(hops).toMatchObject({ kind: 'table', title: { id: 'http.block.hops' } });
    expect(hops?.kind === 'table' && hops.rows.map((r) => r.status)).toEqual([301, 200]);
    expect(connection).toMatchObject({ kind: 'key-value', title: { id: 'reach.block.connection' } });
    expect(connection?.kind === 'key-value' && connection.items.map((i) => i.value)).toContain('TLSv1.3');
  });

  it('shows where and why a request failed', () => {
    const verdict = tester.verify(
      { facts: failed({ classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'refused' }), status: 'fail' },
      false,
    );
    expect(verdict.blocks?.map((b) => b.title)).toEqual([{ id: 'reach.block.connection' }, { id: 'reach.block.failure' }]);
  });
});
