import { describe, expect, it } from 'vitest';
import { defineCheck, type CheckDefinition } from '../../src/plugin-api.js';
import { planAssessment } from '../../src/runner/plan.js';
import { runPlan, type ProgressEvent } from '../../src/runner/run.js';
import { loadSite, loaded, meta } from '../helpers/fixtures.js';

function check(id: string, run: CheckDefinition['run'], extra: Partial<CheckDefinition> = {}) {
  return loaded(
    defineCheck({
      meta: meta(id),
      messages: { en: {} },
      targets: (site) => site.platform.endpoints.map((e) => ({ id: e.name, endpoint: e })),
      run,
      ...extra,
    }),
  );
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

describe('runPlan', () => {
  it('never runs more tasks at once than --concurrency', async () => {
    const { site } = loadSite(`  extra: 1`.replace('  extra: 1', ''));
    let running = 0;
    let peak = 0;
    const c = check('acme/slow', async (ctx) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(20, ctx.signal);
      running--;
      return { status: 'pass', score: 1 };
    });
    const plan = planAssessment(site, [c, { ...c, id: 'acme/slow2', def: { ...c.def!, meta: meta('acme/slow2') } }]);
    expect(plan.tasks).toHaveLength(4);
    const results = await runPlan(plan, { concurrency: 2 });
    expect(peak).toBe(2);
    expect(results.every((r) => r.status === 'pass')).toBe(true);
  });

  it('kills a task that never resolves at its deadline and reports error: timeout', async () => {
    const { site } = loadSite();
    const c = check('acme/hang', () => new Promise(() => undefined), { meta: meta('acme/hang', { timeoutMs: 100 }) });
    const results = await runPlan(planAssessment(site, [c]));
    expect(results.map((r) => r.status)).toEqual(['error', 'error']);
    expect(results[0]!.error).toMatchObject({ kind: 'timeout' });
    expect(results[0]!.error!.message).toMatch(/100 ms/);
  });

  it('ends every task at the global deadline', async () => {
    const { site } = loadSite();
    const c = check('acme/slow', (ctx) => sleep(10_000, ctx.signal).then(() => ({ status: 'pass' as const, score: 1 })));
    const t0 = Date.now();
    const results = await runPlan(planAssessment(site, [c]), { timeoutMs: 150 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(results.every((r) => r.status === 'error')).toBe(true);
  });

  it('turns a throw or a nonsense outcome into an error, never a pass', async () => {
    const { site } = loadSite();
    const boom = check('acme/boom', async () => {
      throw new Error('kaput');
    });
    const bad = check('acme/bad', async () => ({ status: 'pass', score: 7 }) as never);
    const lying = check('acme/lying', async () => ({ status: 'pass', score: 0.1 }));
    const results = await runPlan(planAssessment(site, [boom, bad, lying]));
    expect(results.filter((r) => r.check === 'acme/boom').map((r) => r.error)).toEqual([
      { kind: 'exception', message: 'kaput' },
      { kind: 'exception', message: 'kaput' },
    ]);
    expect(results.filter((r) => r.check !== 'acme/boom').every((r) => r.status === 'error' && r.error?.kind === 'invalid-outcome')).toBe(
      true,
    );
  });

  it('computes a shared artifact once for all tasks', async () => {
    const { site } = loadSite();
    let computed = 0;
    const run: CheckDefinition['run'] = async (ctx) => {
      const v = await ctx.artifact('shared', async () => {
        computed++;
        await sleep(20);
        return 42;
      });
      return { status: 'pass', score: 1, details: { v } };
    };
    const results = await runPlan(planAssessment(site, [check('acme/a', run), check('acme/b', run)]), { concurrency: 4 });
    expect(computed).toBe(1);
    expect(results.map((r) => r.facts.v)).toEqual([42, 42, 42, 42]);
  });

  it('reports a check with no targets as not applicable, not as a pass', async () => {
    const { site } = loadSite();
    const none = check('acme/none', async () => ({ status: 'pass', score: 1 }), { targets: () => [] });
    const results = await runPlan(planAssessment(site, [none]));
    expect(results).toEqual([expect.objectContaining({ check: 'acme/none', status: 'skipped', facts: {}, reason: 'not-applicable' })]);
  });

  it('stops when the caller aborts', async () => {
    const { site } = loadSite();
    const c = check('acme/slow', (ctx) => sleep(10_000, ctx.signal).then(() => ({ status: 'pass' as const, score: 1 })));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('interrupted')), 50);
    const results = await runPlan(planAssessment(site, [c]), { signal: ac.signal });
    expect(results.every((r) => r.status === 'error' && r.error?.kind === 'cancelled')).toBe(true);
  });

  it('emits plan, start, end and done events in order', async () => {
    const { site } = loadSite();
    const events: ProgressEvent['type'][] = [];
    await runPlan(planAssessment(site, [check('acme/ok', async () => ({ status: 'pass', score: 1 }))]), {
      onEvent: (e) => events.push(e.type),
    });
    expect(events[0]).toBe('plan');
    expect(events.at(-1)).toBe('done');
    expect(events.filter((e) => e === 'end')).toHaveLength(2);
  });

  it('applies site threshold overrides through ctx.threshold', async () => {
    const { site } = loadSite(`thresholds:\n  acme/t.rttMs: 42\n`);
    const c = check('acme/t', async (ctx) => ({
      status: 'pass',
      score: 1,
      details: { t: ctx.threshold('rttMs', 100), d: ctx.threshold('other', 7) },
    }));
    const results = await runPlan(planAssessment(site, [c]));
    expect(results[0]!.facts).toEqual({ t: 42, d: 7 });
  });
});

describe('artifact lifetime', () => {
  it('disposes artifacts at the end of the run', async () => {
    const { site } = loadSite();
    const disposed: number[] = [];
    const c = check('acme/d', async (ctx) => {
      const v = await ctx.artifact(
        'session',
        async () => 7,
        (x) => {
          disposed.push(x);
        },
      );
      return { status: 'pass', score: 1, details: { v } };
    });
    await runPlan(planAssessment(site, [c]));
    expect(disposed).toEqual([7]);
  });

  it('stops an artifact when the task that started it reaches its deadline', async () => {
    const { site } = loadSite();
    let aborted = false;
    const c = check(
      'acme/slow',
      (ctx) =>
        ctx.artifact(
          'measurement',
          (signal) =>
            new Promise<{ status: 'pass'; score: number }>((resolve) => {
              signal.addEventListener('abort', () => {
                aborted = true;
              });
              setTimeout(() => resolve({ status: 'pass', score: 1 }), 5000).unref();
            }),
        ),
      { meta: meta('acme/slow', { timeoutMs: 100 }) },
    );
    await runPlan(planAssessment(site, [c]), { concurrency: 1 });
    expect(aborted).toBe(true);
  });

  it('shares one in-flight computation, and computes again for a task still waiting when the first one ends', async () => {
    const { site } = loadSite();
    let computes = 0;
    const measurement = (ctx: Parameters<NonNullable<CheckDefinition['run']>>[0]) =>
      ctx.artifact('measurement', async (signal) => {
        computes++;
        await sleep(300, signal);
        return { status: 'pass' as const, score: 1 };
      });
    const short = check('acme/short', measurement, { meta: meta('acme/short', { timeoutMs: 100 }) });
    const long = check('acme/long', measurement, { meta: meta('acme/long', { timeoutMs: 5000 }) });
    const plan = planAssessment(site, [short, long]);
    const t0 = performance.now();
    const results = await runPlan(plan, { concurrency: 16 });
    const byCheck = (id: string) => results.filter((r) => r.check === id);
    expect(byCheck('acme/short').every((r) => r.status === 'error')).toBe(true);
    expect(byCheck('acme/long').length).toBeGreaterThan(0);
    expect(byCheck('acme/long').every((r) => r.status === 'pass')).toBe(true);
    // Each computation stopped with the short task that started it; the long tasks shared one more, not one each.
    expect(computes).toBeGreaterThanOrEqual(2);
    expect(computes).toBeLessThanOrEqual(byCheck('acme/short').length + 1);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
