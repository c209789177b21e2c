// The storage check's verdicts on fact fixtures: no network, no root (measured against a local
// HTTPS server, SMB2 peers and hostile peers in test/integration/integration-checks.test.ts and
// test/hostile/).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import storage, { type StorageFacts } from './index.js';

const BUCKET = 'https://files.corp.example/chat-files/';
const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', authorized: true } as const;
const base = { classification: 'ok', path: 'direct', addresses: ['192.0.2.50'], connectTimeoutMs: 3000 } as const;
const http = (status: number, extra: Partial<StorageFacts>): StorageFacts => ({
  ...base,
  url: BUCKET,
  status,
  ttfbMs: 12,
  connectMs: 1,
  tlsHandshakeMs: 4,
  tls,
  ...extra,
});
const s3 = (status: number, extra: Partial<StorageFacts> = {}) =>
  http(status, { storageKind: 's3', detected: 's3', s3: { code: 'AccessDenied', listing: false, requestId: true }, ...extra });
const dav = (status: number, extra: Partial<StorageFacts> = {}) =>
  http(status, {
    storageKind: 'webdav',
    detected: 'webdav',
    options: { status: 200, dav: '1, 2', allow: 'OPTIONS, GET, PROPFIND' },
    ...extra,
  });
const web = (status: number, extra: Partial<StorageFacts> = {}) => http(status, { detected: 'http', options: { status: 200 }, ...extra });

const site = (endpoint: Record<string, unknown>) => ({
  version: 1,
  site: { name: 'S' },
  platform: { endpoints: [{ name: 'files', role: 'storage', ...endpoint }] },
});
const bucketSite = site({ url: BUCKET });
const s3Site = site({ url: BUCKET, storage: { kind: 's3' } });
const davSite = site({ url: BUCKET, storage: { kind: 'webdav' } });
const nasSite = site({ host: 'nas.corp.example', port: 445, protocol: 'smb' });
const smb = (dialect: string, dialectRevision: number): StorageFacts => ({
  ...base,
  storageKind: 'smb',
  connectMs: 1,
  smb: { dialect, dialectRevision, signingRequired: true },
});
const serverError = (code: string, message: string): StorageFacts => ({
  ...base,
  classification: 'server-error',
  storageKind: 'smb',
  phase: 'application',
  code,
  failure: { classification: 'server-error', phase: 'application', code, message },
});

const tester = new CheckTester(storage);
tester.run({
  valid: [
    {
      name: 'an S3 service that refuses anonymous reads',
      facts: s3(403),
      site: s3Site,
      status: 'pass',
      score: 1,
      measurements: { status: 403, ttfbMs: 12, connectMs: 1, tlsHandshakeMs: 4 },
    },
    { name: 'WebDAV that wants credentials', facts: dav(401), site: davSite, status: 'pass' },
    { name: 'SMB 3.1.1', facts: smb('3.1.1', 0x0311), site: nasSite, status: 'pass', measurements: { connectMs: 1 } },
    {
      name: 'another protocol on a TLS port: it accepts',
      facts: { ...base, storageKind: 'tls', connectMs: 1, tlsHandshakeMs: 3, tls },
      site: site({ host: 'nfs.corp.example', port: 2049, protocol: 'tls' }),
      status: 'pass',
    },
    {
      name: 'an S3 service that answers 5xx with its error document is still S3',
      facts: s3(503, { classification: 'http-error' }),
      site: s3Site,
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'a bucket listed to anyone',
      facts: s3(200, { s3: { listing: true } }),
      site: bucketSite,
      status: 'fail',
      score: 0,
      findings: ['storage.s3-public'],
    },
    { name: 'WebDAV that serves without credentials', facts: dav(200), site: bucketSite, status: 'fail', findings: ['storage.open'] },
    { name: 'a web page configured as S3', facts: web(200), site: s3Site, status: 'warn', score: 0.5, findings: ['storage.not-s3'] },
    { name: 'no DAV header where WebDAV is configured', facts: web(401), site: davSite, status: 'warn', findings: ['storage.not-webdav'] },
    {
      name: 'OPTIONS that failed where WebDAV is configured',
      facts: web(401, { options: { classification: 'timeout', error: 'no complete answer' } }),
      site: davSite,
      status: 'warn',
      findings: ['storage.not-webdav'],
    },
    {
      name: 'plain http',
      facts: s3(403, { url: 'http://files.corp.example/chat-files/', tls: undefined }),
      site: site({ url: 'http://files.corp.example/chat-files/' }),
      status: 'fail',
      findings: ['storage.plaintext'],
    },
    {
      name: 'https that redirects to http',
      facts: s3(403, { redirects: ['http://files.corp.example/chat-files/'] }),
      site: bucketSite,
      status: 'fail',
      findings: ['storage.plaintext'],
    },
    {
      name: 'a 5xx answer',
      facts: web(502, { classification: 'http-error' }),
      site: bucketSite,
      status: 'fail',
      findings: ['storage.status'],
    },
    { name: 'SMB 2.1', facts: smb('2.1', 0x0210), site: nasSite, status: 'warn', score: 0.7, findings: ['storage.smb-old'] },
    {
      name: 'SMB1 only',
      facts: serverError('SMB1_ONLY', 'the server answered in SMB1 only'),
      site: nasSite,
      status: 'fail',
      score: 0,
      findings: ['storage.not-smb'],
    },
    {
      name: 'a dialect MS-SMB2 does not define',
      facts: serverError('SMB_BAD_DIALECT', 'not an SMB2 answer: dialect 0x0041'),
      site: nasSite,
      status: 'fail',
      findings: ['storage.not-smb'],
    },
    {
      name: 'redirects in a loop',
      facts: {
        ...base,
        classification: 'http-error',
        url: BUCKET,
        code: 'HTTP_REDIRECT_LOOP',
        failure: {
          classification: 'http-error',
          phase: 'application',
          code: 'HTTP_REDIRECT_LOOP',
          message: 'loop',
          detail: { chain: [BUCKET, BUCKET] },
        },
      },
      site: bucketSite,
      status: 'fail',
      findings: ['storage.redirect-loop'],
    },
    {
      name: 'an answer without end that is no listing',
      facts: http(403, {
        classification: 'http-error',
        kind: 'protocol-error',
        protocol: 'http',
        code: 'HTTP_BODY_TOO_LARGE',
        failure: {
          classification: 'http-error',
          phase: 'application',
          code: 'HTTP_BODY_TOO_LARGE',
          protocol: 'http',
          message: 'did not end',
          detail: { status: 403, limit: 1048576 },
        },
      }),
      site: bucketSite,
      status: 'fail',
      findings: ['storage.body-too-large'],
    },
    {
      name: 'filtered',
      facts: {
        ...base,
        classification: 'filtered',
        storageKind: 'smb',
        phase: 'connect',
        code: 'CONNECT_TIMEOUT',
        failure: { classification: 'filtered', phase: 'connect', code: 'CONNECT_TIMEOUT', message: 'connect timeout' },
      },
      site: nasSite,
      status: 'fail',
      findings: ['storage.filtered'],
    },
  ],
});

it('present: kind, answers, S3 signals, DAV and the connection', () => {
  const v = tester.verify({ facts: dav(401), site: davSite, status: 'pass' }, true);
  const block = v.blocks![0]!;
  if (block.kind !== 'key-value') throw new Error(block.kind);
  expect(block.items.map((i) => (i.label as { id: string }).id)).toEqual([
    'storage.item.kind',
    'storage.item.detected',
    'integration.item.status',
    'storage.item.dav',
    'storage.item.allow',
    'integration.item.addresses',
  ]);
  expect(v.blocks!.map((b) => (b.title as { id: string }).id)).toEqual(['storage.block.storage', 'reach.block.connection']);
  const nas = tester.verify({ facts: smb('3.1.1', 0x0311), site: nasSite, status: 'pass' }, true).blocks![0]!;
  if (nas.kind !== 'key-value') throw new Error(nas.kind);
  expect(nas.items.find((i) => (i.label as { id: string }).id === 'storage.item.smb-dialect')?.value).toBe('3.1.1');
});
