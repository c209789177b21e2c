// Judge fixtures for the ways a path to an endpoint fails, shared by the checks that open
// endpoints along their route (http, websocket): one failure per finding pathFailureFinding can
// word, so each check's judge tests cover every one of them with its own facts around it.

import type { PathFailure } from '../../src/net/path-messages.js';
import type { JudgeCase } from '../../src/testing/check-tester.js';

const proxy = 'http://proxy.example.test:3128';

/** [finding suffix, failure, name]: the finding id is `<check>.<suffix>`. */
export const PATH_FAILURES: Array<[string, PathFailure, string]> = [
  ['refused', { classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'refused at connect'],
  [
    'filtered',
    { classification: 'filtered', phase: 'connect', code: 'CONNECT_TIMEOUT', message: 'no answer' },
    'filtered: no answer to the SYN',
  ],
  ['unreachable', { classification: 'unreachable', phase: 'connect', code: 'EHOSTUNREACH', message: 'no route' }, 'unreachable host'],
  [
    'dns-failure',
    { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain', code: 'ENOTFOUND', resolver: 'system' } },
    'the name does not resolve',
  ],
  [
    'tls-failure',
    { classification: 'tls-failure', phase: 'tls', code: 'CERT_HAS_EXPIRED', tlsKind: 'expired', message: 'certificate has expired' },
    'an expired certificate',
  ],
  [
    'tls-failure',
    { classification: 'tls-failure', phase: 'tls', code: 'TLS_TIMEOUT', tlsKind: 'handshake-timeout', message: 'no handshake' },
    'a TLS handshake that never finishes',
  ],
  [
    'timeout',
    { classification: 'timeout', phase: 'application', code: 'HTTP_DEADLINE', message: 'no complete answer' },
    'connected, then silence',
  ],
  [
    'http-error',
    { classification: 'http-error', phase: 'application', code: 'HTTP_BODY_CUT_OFF', message: 'the answer was cut off' },
    'an answer cut off',
  ],
  [
    'protocol-error',
    { classification: 'http-error', phase: 'application', code: 'HTTP_PARSE_ERROR', message: 'bad status line', protocol: 'http' },
    'a peer that breaks the protocol',
  ],
  [
    'proxy-auth-required',
    {
      classification: 'proxy-auth-required',
      phase: 'proxy',
      code: 'HTTP_407',
      message: 'the proxy wants credentials',
      detail: {
        proxy,
        status: 407,
        reason: 'Proxy Authentication Required',
        schemes: ['Negotiate'],
        sentCredentials: false,
        negotiate: { outcome: 'no-ticket', spn: 'HTTP/proxy.example.test', error: 'no credentials cache' },
      },
    },
    'a proxy that wants Negotiate, and no ticket',
  ],
  [
    'proxy-auth-required',
    {
      classification: 'proxy-auth-required',
      phase: 'proxy',
      code: 'HTTP_407',
      message: 'refused',
      detail: { proxy, status: 407, reason: '', schemes: ['Basic'], sentCredentials: true },
    },
    'a proxy that refuses the Basic credentials',
  ],
  [
    'proxy-denied',
    {
      classification: 'proxy-denied',
      phase: 'proxy',
      code: 'HTTP_403',
      message: 'denied',
      detail: { proxy, status: 403, reason: 'Forbidden', server: 'squid' },
    },
    "the proxy's policy refuses the host",
  ],
  [
    'proxy-denied',
    { classification: 'proxy-denied', phase: 'proxy', code: 'NO_PROXY_CONFIGURED', message: 'no proxy' },
    'via: proxy with no proxy configured',
  ],
  [
    'proxy-denied',
    { classification: 'proxy-denied', phase: 'proxy', code: 'PAC_FAILED', message: 'PAC failed', detail: { pacError: 'syntax error' } },
    'via: proxy and a PAC file that fails',
  ],
  [
    'proxy-unreachable',
    { classification: 'refused', phase: 'proxy', code: 'ECONNREFUSED', message: 'proxy refused', detail: { hop: 'proxy', proxy } },
    'the proxy itself refuses connections',
  ],
];

/** One failing case per path failure, its facts made by `facts`. */
export function pathFailureCases<F>(checkId: string, facts: (failure: PathFailure) => F): Array<JudgeCase<any, F>> {
  return PATH_FAILURES.map(([suffix, failure, name]) => ({
    name,
    facts: facts(failure),
    status: 'fail' as const,
    score: 0,
    findings: [`${checkId}.${suffix}`],
  }));
}
