// The tls check as planning sees it: what it is, its options, which endpoints it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets, TLS_PROTOCOLS } from '../../src/plugin-api.js';
import { RULE_SET_IDS } from '../../src/tls/types.js';
import type { TlsOptions } from './judge.js';

export default defineCheckPlanning<TlsOptions>({
  meta: {
    id: 'tls',
    title: 'TLS is configured well',
    failureTitle: 'TLS is configured badly',
    description:
      'Audits every TLS endpoint (https, wss, turns, ldaps, tls) with raw ClientHello messages, as nmap ' +
      'ssl-enum-ciphers, sslscan and testssl.sh do: SSLv2 to TLS 1.3 (1.3 decided by supported_versions in the answer), ' +
      'every suite of the IANA registry plus the Chinese GM/T and TLCP suites per version by greedy removal, server or ' +
      'client preference, key-exchange groups and the smallest DH group, secure renegotiation, TLS_FALLBACK_SCSV, ' +
      'compression, extended master secret, session resumption, heartbeat and a non-exploiting Heartbleed probe, ALPN ' +
      'and OCSP stapling. A finished handshake (node:tls) gives the certificate chain as the server sent it, its trust, ' +
      'the host-name match, validity, key and signature algorithm; one HTTPS request gives HSTS. The result is graded as ' +
      'the SSL Labs rating guide does (score, letter, caps with their reasons) and checked against the rule sets in ' +
      '`security.tls.ruleSets` (default Mozilla intermediate): Mozilla Server Side TLS 6.0 modern and intermediate, ' +
      'NIST SP 800-52r2, BSI TR-02102-2, PCI DSS 4.0. Every failed rule names the offending versions or suites and the ' +
      'server setting that fixes it. An endpoint the site reaches through its proxy is audited through it: every hello ' +
      'and handshake in a CONNECT tunnel of its own (a few open at once); where the proxy lets no tunnel through, the ' +
      'endpoint is NOT AUDITED (an incomplete result, whatever the compliance profile).',
    category: 'security',
    severity: 'high',
    weight: 3,
    timeoutMs: 90_000,
    references: [
      { title: 'Qualys SSL Labs — SSL Server Rating Guide', url: 'https://github.com/ssllabs/research/wiki/SSL-Server-Rating-Guide' },
      { title: 'Mozilla — Server Side TLS 6.0', url: 'https://wiki.mozilla.org/Security/Server_Side_TLS' },
      { title: 'NIST SP 800-52 Rev. 2 — Guidelines for TLS implementations', clause: '§3.1–3.4' },
      { title: 'BSI TR-02102-2 — Use of Transport Layer Security' },
      { title: 'PCI DSS v4.0.1', clause: 'Req. 4.2.1' },
      { title: 'RFC 8446 — TLS 1.3', clause: '§4.1.2–4.1.4, §4.2.1' },
      {
        title: 'IANA TLS Cipher Suites registry',
        url: 'https://www.iana.org/assignments/tls-parameters/tls-parameters.xhtml#tls-parameters-4',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        probeTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, description: 'Deadline of one raw hello: connect, send, answer.' },
        concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'Hellos in flight to one server at once.' },
        proxyConcurrency: {
          type: 'integer',
          minimum: 1,
          maximum: 16,
          description: 'Through a proxy: CONNECT tunnels open at once (every hello and handshake has its own).',
        },
        ruleSets: {
          type: 'array',
          items: { type: 'string', enum: [...RULE_SET_IDS] },
          description: 'Overrides security.tls.ruleSets for this check.',
        },
        expiryWarningDays: {
          type: 'integer',
          minimum: 0,
          maximum: 365,
          description: 'A certificate with this many days left or fewer is a finding (medium, high at 7 or fewer), days (0–365).',
        },
        hsts: { type: 'boolean', description: 'Ask https/wss endpoints for Strict-Transport-Security (one GET /).' },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: {
      connectTimeoutMs: 3000,
      probeTimeoutMs: 5000,
      concurrency: 8,
      proxyConcurrency: 4,
      ruleSets: [],
      expiryWarningDays: 30,
      hsts: true,
    },
  },
  targets(site) {
    return endpointTargets(site, (ep) => TLS_PROTOCOLS.has(ep.protocol) && ep.expect === 'reachable');
  },
});
