// Grouping by root cause, on results shaped as the checks write them: one unresolvable proxy,
// one unusable reflector, one legacy TLS server and one broken resolver each become one cause;
// different hosts stay apart; waived and passing results are no cause at all.

import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/plugin-api.js';
import type { TaskResult } from '../../src/runner/run.js';
import { groupCauses } from '../../src/scoring/causes.js';

function result(check: string, target: string, findings: Finding[], extra: Partial<TaskResult> = {}): TaskResult {
  return {
    key: `${check}:${target}`,
    check,
    target,
    status: 'fail',
    score: 0,
    durationMs: 1,
    measurements: [],
    findings,
    facts: {},
    ...extra,
  };
}

const proxyDown = (check: string, target: string): TaskResult =>
  result(
    check,
    target,
    [
      {
        id: `${check}.proxy-unreachable`,
        severity: 'high',
        message: { id: 'path.proxy-unreachable', params: { endpoint: target, host: `${target}.corp.test`, port: 443 } },
        evidence: { hop: 'proxy', proxy: 'http://proxy.corp.test:3128', phase: 'proxy' },
      },
    ],
    { classification: 'dns-failure', path: 'proxy' },
  );

describe('groupCauses', () => {
  it('one proxy that does not resolve: one cause for every check on every endpoint behind it', () => {
    const results = ['api', 'files', 'chat'].flatMap((t) => ['tcp', 'http', 'websocket'].map((c) => proxyDown(c, t)));
    const causes = groupCauses(results, new Set());
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({ kind: 'proxy', severity: 'high', title: { id: 'cause.proxy' } });
    expect(causes[0]!.members).toHaveLength(9);
  });

  it('one reflector that cannot be used: one cause for every probe check', () => {
    const reflector = { name: 'r', host: 'probe.corp.test', port: 7000 };
    const results = ['throughput', 'latency', 'bufferbloat', 'call-quality', 'qos'].map((c) =>
      result(c, 'r', [{ id: `${c}.reflector-refused`, severity: 'high', message: { id: 'probe.refused' } }], {
        status: 'error',
        facts: { reflector, failure: { classification: 'refused', message: 'ECONNREFUSED' } },
      }),
    );
    const causes = groupCauses(results, new Set());
    expect(causes.map((c) => [c.kind, c.members.length])).toEqual([['reflector', 5]]);
    expect(causes[0]!.title.params).toMatchObject({ reflector: 'probe.corp.test:7000' });
  });

  it("one server's TLS configuration is one cause, whatever its rules say; another server is another", () => {
    const legacy = result(
      'tls',
      'legacy',
      ['tls10', 'tls11', 'cbc', 'hsts'].map((id, i) => ({
        id: `tls.${id}`,
        severity: i === 0 ? 'high' : 'medium',
        message: { id: `tls.${id}` },
      })),
      { facts: { host: 'legacy.corp.test', port: 443 } },
    );
    const modern = result('tls', 'api', [{ id: 'tls.hsts', severity: 'low', message: { id: 'tls.hsts' } }], {
      status: 'warn',
      facts: { host: 'api.corp.test', port: 443 },
    });
    const causes = groupCauses([legacy, modern], new Set());
    expect(causes.map((c) => [c.kind, c.severity, c.members.length])).toEqual([
      ['tls-server', 'high', 4],
      ['tls-server', 'low', 1],
    ]);
    expect(causes[0]!.lead.findingIndex).toBe(0);
  });

  it('a resolver that times out is one cause for every name; a missing record is a cause per name', () => {
    const dns = (target: string, kind: string) =>
      result('dns', target, [
        {
          id: 'dns.dns-failure',
          severity: 'high',
          message: { id: 'path.dns-failure', params: { host: `${target}.example`, reason: kind } },
          evidence: { kind, resolver: ['10.0.0.53'] },
        },
      ]);
    const causes = groupCauses([dns('a', 'timeout'), dns('b', 'timeout'), dns('c', 'nxdomain'), dns('d', 'nxdomain')], new Set());
    expect(causes.map((c) => [c.kind, c.members.length])).toEqual([
      ['resolver', 2],
      ['dns', 1],
      ['dns', 1],
    ]);
  });

  it('orders by severity, then by how many results a cause clears', () => {
    const path = (check: string, host: string, severity: Finding['severity']) =>
      result(check, host, [{ id: `${check}.refused`, severity, message: { id: 'path.refused', params: { host, port: 443 } } }], {
        classification: 'refused',
      });
    const causes = groupCauses(
      [path('tcp', 'one', 'high'), path('tcp', 'two', 'high'), path('http', 'two', 'high'), path('tcp', 'three', 'critical')],
      new Set(),
    );
    expect(causes.map((c) => c.id)).toEqual(['path:three:443:refused', 'path:two:443:refused', 'path:one:443:refused']);
  });

  it('waived, passing and info-only results are no cause', () => {
    const waived = proxyDown('tcp', 'a');
    const passing = { ...proxyDown('http', 'b'), status: 'pass' as const };
    const info = result('sweep', 'c', [{ id: 'sweep.note', severity: 'info', message: { id: 'x' } }]);
    expect(groupCauses([waived, passing, info], new Set([waived.key]))).toEqual([]);
  });
});
