// The idle check's verdicts on fact fixtures: no network, no root (the measuring is tested against
// an idle-dropping relay in test/integration/idle.test.ts and against hostile peers in the matrix).

import { describe, expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import idle, { type IdleFacts, type IdleStepResult } from './index.js';

const URL = 'wss://target.example.test/ws';
const site = { version: 1, site: { name: 'I' }, platform: { endpoints: [{ name: 'target', url: URL, role: 'signalling' }] } };
const probeSite = {
  version: 1,
  site: { name: 'P' },
  probe: { name: 'far', host: '192.0.2.7', port: 7000, token: '${SITEREADY_TOKEN}' },
  platform: { endpoints: [{ name: 'target', url: URL, role: 'signalling' }] },
};
const alive = (holdMs: number): IdleStepResult => ({ holdMs, fate: 'alive', replyMs: 1.2 });
const dead = (holdMs: number, fate: IdleStepResult['fate'], diedAfterMs?: number): IdleStepResult => ({
  holdMs,
  fate,
  ...(diedAfterMs !== undefined ? { diedAfterMs } : {}),
  detail: fate,
});
const held = (steps: IdleStepResult[], extra: Partial<IdleFacts> = {}): IdleFacts => ({
  classification: 'ok',
  path: 'direct',
  connectTimeoutMs: 3000,
  direction: 'client-probe',
  replyTimeoutMs: 5000,
  steps,
  ...extra,
});
const ladder = (fates: Array<[number, IdleStepResult['fate']]>) =>
  fates.map(([s, f]) => (f === 'alive' ? alive(s * 1000) : dead(s * 1000, f)));

const tester = new CheckTester(idle);
tester.run({
  valid: [
    {
      name: 'every rung alive',
      facts: held(
        ladder([
          [30, 'alive'],
          [60, 'alive'],
          [120, 'alive'],
        ]),
      ),
      site,
      status: 'pass',
      score: 1,
      measurements: { 'idle-survived': 120 },
    },
    {
      name: 'dies after 10 minutes, clients keep it alive every 30 s: a pass with a note',
      facts: held(
        ladder([
          [300, 'alive'],
          [600, 'silent'],
        ]),
      ),
      site,
      status: 'pass',
      score: 1,
      findings: ['idle.short'],
      measurements: { 'idle-survived': 300, 'idle-died': 600, 'keepalive-recommended': 240 },
    },
    {
      name: 'through a proxy, the direct path held too',
      facts: held(
        ladder([
          [30, 'alive'],
          [60, 'alive'],
        ]),
        {
          path: 'proxy',
          proxy: 'http://proxy.example.test:3128',
          direct: {
            steps: ladder([
              [30, 'alive'],
              [60, 'silent'],
            ]),
          },
        },
      ),
      site,
      status: 'pass',
    },
    {
      name: 'the endpoint cannot be opened: not applicable (the websocket check reports it)',
      facts: held([], {
        steps: undefined,
        classification: 'refused',
        failure: { classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'refused' },
      }),
      site,
      status: 'skipped',
    },
    {
      name: 'the reflector cannot be reached for push: not applicable',
      facts: held([], {
        steps: undefined,
        direction: 'server-push',
        connectTimeoutMs: 5000,
        classification: 'filtered',
        failure: { classification: 'filtered', phase: 'connect', message: 'no answer' },
      }),
      site: probeSite,
      target: 'far/push',
      status: 'skipped',
    },
  ],
  invalid: [
    {
      name: "silently dropped before the client's keep-alive",
      facts: held(
        ladder([
          [10, 'alive'],
          [20, 'silent'],
          [60, 'silent'],
        ]),
      ),
      site,
      status: 'fail',
      score: 0,
      findings: ['idle.timeout'],
      measurements: { 'idle-survived': 10, 'idle-died': 20, 'keepalive-recommended': 8 },
    },
    {
      name: 'reset during the hold: the death counts when it came',
      facts: held([alive(10_000), dead(60_000, 'rst', 25_000)]),
      site,
      status: 'fail',
      findings: ['idle.timeout'],
      measurements: { 'idle-died': 25 },
    },
    {
      name: 'closed with a FIN',
      facts: held(
        ladder([
          [10, 'alive'],
          [20, 'fin'],
        ]),
      ),
      site,
      status: 'fail',
      findings: ['idle.timeout'],
    },
    {
      name: 'the first rung already dead: the survived time is unknown',
      facts: held(
        ladder([
          [10, 'silent'],
          [20, 'silent'],
        ]),
      ),
      site,
      status: 'fail',
      findings: ['idle.timeout'],
      measurements: { 'idle-survived': 0 },
    },
    {
      name: "the timeout lies around the client's interval: a risk",
      facts: held(
        ladder([
          [20, 'alive'],
          [60, 'silent'],
        ]),
      ),
      site,
      status: 'warn',
      score: 0.6,
      findings: ['idle.timeout'],
    },
    {
      name: 'a client that keeps alive more often (option)',
      facts: held(
        ladder([
          [30, 'alive'],
          [60, 'silent'],
        ]),
      ),
      site,
      options: { clientKeepAliveMs: 20_000 },
      status: 'warn',
      findings: ['idle.short'],
      score: 0.8,
    },
    {
      name: 'survives the keep-alive, dies within 5 minutes',
      facts: held(
        ladder([
          [60, 'alive'],
          [120, 'silent'],
        ]),
      ),
      site,
      status: 'warn',
      score: 0.8,
      findings: ['idle.short'],
    },
    {
      name: 'a client keep-alive longer than the site allows (threshold)',
      facts: held(
        ladder([
          [60, 'alive'],
          [120, 'silent'],
        ]),
      ),
      site,
      thresholds: { clientKeepAliveMs: 90_000 },
      status: 'warn',
      score: 0.6,
      findings: ['idle.timeout'],
    },
    {
      name: 'server push lost after the hold',
      facts: held(
        ladder([
          [0.5, 'alive'],
          [3, 'silent'],
        ]),
        { direction: 'server-push', connectTimeoutMs: 5000 },
      ),
      site: probeSite,
      target: 'far/push',
      options: { clientKeepAliveMs: 5000 },
      status: 'fail',
      findings: ['idle.timeout'],
    },
    {
      name: 'the server breaks the WebSocket protocol',
      facts: held([], {
        steps: undefined,
        classification: 'http-error',
        failure: {
          classification: 'http-error',
          phase: 'application',
          code: 'WS_ERR_UNEXPECTED_RSV_1',
          message: 'RSV1 must be clear',
          protocol: 'websocket',
        },
      }),
      site,
      status: 'fail',
      score: 0,
      findings: ['idle.protocol-error'],
    },
  ],
});

describe('idle judge, severity', () => {
  it('a silent drop is as severe as losing the endpoint; a reset is high', () => {
    const silent = tester.verify(
      {
        facts: held(
          ladder([
            [10, 'alive'],
            [20, 'silent'],
          ]),
        ),
        site,
        status: 'fail',
      },
      false,
    );
    expect(silent.findings[0]?.severity).toBe('critical');
    const rst = tester.verify(
      {
        facts: held(
          ladder([
            [10, 'alive'],
            [20, 'rst'],
          ]),
        ),
        site,
        status: 'fail',
      },
      false,
    );
    expect(rst.findings[0]?.severity).toBe('high');
  });
});

describe('idle present', () => {
  it("shows every rung, and the direct path's beside the route's", () => {
    const v = tester.verify(
      {
        facts: held(
          ladder([
            [30, 'alive'],
            [60, 'silent'],
          ]),
          {
            path: 'proxy',
            proxy: 'http://proxy.example.test:3128',
            direct: {
              steps: ladder([
                [30, 'alive'],
                [60, 'silent'],
              ]),
            },
          },
        ),
        site,
        status: 'warn',
      },
      false,
    );
    expect(v.blocks?.map((b) => b.title)).toEqual([
      { id: 'reach.block.connection' },
      { id: 'idle.block.rungs' },
      { id: 'idle.block.direct' },
    ]);
    const rungs = v.blocks?.[1];
    expect(rungs?.kind === 'table' && rungs.rows.map((r) => r.fate)).toEqual([{ id: 'death.alive' }, { id: 'death.silent' }]);
  });
});
