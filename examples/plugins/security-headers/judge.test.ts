// The example plugin's judge on fact fixtures, with the tester a plugin author gets from
// siteready/testing: no network, no root.

import { describe, it } from 'vitest';
import { CheckTester } from 'siteready/testing';
import check from './index.mjs';

CheckTester.describe = describe;
CheckTester.it = it;

const url = 'https://target.example.test/';
const good = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'",
};

new CheckTester(check).run({
  valid: [
    {
      name: 'every required header, a year of HSTS',
      facts: { url, status: 200, headers: good },
      status: 'pass',
      score: 1,
      measurements: { requiredHeadersPresent: 3 },
    },
    {
      name: 'a shorter list from the site',
      facts: { url, status: 200, headers: { 'x-content-type-options': 'nosniff' } },
      options: { require: ['x-content-type-options'] },
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'no CSP',
      facts: {
        url,
        status: 200,
        headers: { 'strict-transport-security': good['strict-transport-security'], 'x-content-type-options': 'nosniff' },
      },
      status: 'warn',
      findings: ['example/security-headers.missing'],
    },
    {
      name: 'no headers at all',
      facts: { url, status: 200, headers: {} },
      status: 'fail',
      findings: ['example/security-headers.missing', 'example/security-headers.missing', 'example/security-headers.missing'],
    },
    {
      name: 'HSTS for a day',
      facts: { url, status: 200, headers: { ...good, 'strict-transport-security': 'max-age=86400' } },
      status: 'warn',
      findings: ['example/security-headers.hsts-short'],
    },
    {
      name: 'the endpoint refuses connections',
      facts: { url, failure: { classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'refused' } },
      status: 'fail',
      findings: ['example/security-headers.refused'],
    },
  ],
});
