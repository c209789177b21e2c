// Plan → results. The only stage that touches the network (through the checks). Bounded
// concurrency, a deadline per task and one for the run, and a check that throws, hangs or
// returns nonsense becomes an `error` result — never a pass, never a hang.

import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../errors.js';
import type { ArtifactDefinition, Block, CheckContext, CheckOutcome, Finding, Measurement, SourceLocation, Status } from '../plugin-api.js';
import { isMeasuredCheck, SEVERITIES, statusFromScore } from '../plugin-api.js';
import { judgeFacts, placeFindings, thresholdOf } from './judge.js';
import { runInTaskScope, UncaughtFault } from './fault-guard.js';
import type { Plan, Task } from './plan.js';

export interface TaskResult {
  key: string;
  check: string;
  target: string;
  status: Status;
  score: number | null;
  durationMs: number;
  measurements: Measurement[];
  findings: Finding[];
  /**
   * What the check measured (a measured check's typed facts, versioned by `factsVersion`; a `run`
   * check's details), or for a compliance rule what decided it.
   */
  facts: Record<string, unknown>;
  /** The version of the check's facts schema; absent: the facts cannot be judged again. */
  factsVersion?: number;
  /** What the check shows of its facts. */
  blocks?: Block[];
  /** How the path to the target behaved (ok, refused, filtered, tls-failure …), when the check says. */
  classification?: string;
  /** The route the check took: direct, or through the site's proxy. */
  path?: 'direct' | 'proxy';
  /** Why the check did not run or does not apply here (status skipped): not-applicable, disabled, opt-in, or the check's own reason. */
  reason?: string;
  location?: SourceLocation;
  /**
   * Why the check could not measure (status error); `not-evaluated`: a compliance rule whose facts are
   * missing; `uncaught`: the check raised an error nothing caught (the process guard charged it here);
   * `not-measured`: the facts say nothing could be measured; `judge-error`: the judge failed;
   * `not-rejudged`: re-judging could not use the saved facts.
   */
  error?: { kind: TaskErrorKind; message: string };
}

export type TaskErrorKind =
  | 'timeout'
  | 'exception'
  | 'invalid-outcome'
  | 'cancelled'
  | 'load-error'
  | 'targets-error'
  | 'not-evaluated'
  | 'uncaught'
  | 'not-measured'
  | 'judge-error'
  | 'not-rejudged';

export type ProgressEvent =
  | { type: 'plan'; total: number }
  | { type: 'start'; task: Task }
  | { type: 'end'; task: Task; result: TaskResult }
  | { type: 'done'; results: TaskResult[] };

export interface RunOptions {
  concurrency?: number;
  /** Deadline for the whole run; tasks still running then end as errors. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: ProgressEvent) => void;
  debug?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class DeadlineError extends Error {
  constructor(
    readonly ms: number,
    what: string,
  ) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

export async function runPlan(plan: Plan, opts: RunOptions = {}): Promise<TaskResult[]> {
  const unloaded = [...new Set(plan.tasks.filter((t) => !t.check.def).map((t) => t.check.id))];
  // A programming error, not a site's: judging with the planning part alone would lose every verdict.
  if (unloaded.length)
    throw new Error(`the plan has tasks of checks not loaded (${unloaded.join(', ')}): pass it through withTaskChecks() first`);
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 8));
  const runController = new AbortController();
  const started = performance.now();
  const globalTimer = opts.timeoutMs
    ? setTimeout(() => runController.abort(new DeadlineError(opts.timeoutMs!, 'the run')), opts.timeoutMs)
    : undefined;
  const onOuterAbort = () => runController.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();
  const runSignal = runController.signal;
  // Every task and artifact listens to the run's signal; that is by design, not a leak.
  setMaxListeners(0, runSignal);

  const artifacts = new Map<string, { value: Promise<unknown>; owner: AbortSignal }>();
  const disposers: Array<() => Promise<void>> = [];
  // The task that first asks for an artifact computes it under its own deadline as well as the
  // run's: a measurement must not outlive the task that started it and overlap the next one.
  // Every task that asks while it is in flight awaits the same promise. When the computing task
  // ends first (its deadline, its abort), the computation stops with it; a task still waiting then
  // computes the artifact again under its own deadline, rather than inheriting another task's end.
  const artifact = <T>(
    key: string,
    compute: (signal: AbortSignal) => Promise<T>,
    dispose: ((v: T) => Promise<void> | void) | undefined,
    taskSignal: AbortSignal,
  ): Promise<T> => {
    const entry = artifacts.get(key);
    if (entry) {
      if (entry.owner === taskSignal) return entry.value as Promise<T>;
      return (entry.value as Promise<T>).catch((err: unknown) => {
        const ownerEnded = entry.owner.aborted && !runSignal.aborted;
        if (!ownerEnded || taskSignal.aborted) throw err;
        if (artifacts.get(key) === entry) artifacts.delete(key);
        return artifact(key, compute, dispose, taskSignal);
      });
    }
    const signal = AbortSignal.any([runSignal, taskSignal]);
    setMaxListeners(0, signal);
    const p = Promise.resolve().then(() => compute(signal));
    p.catch(() => undefined); // observed by every task that awaits it
    if (dispose) disposers.push(() => p.then((v) => dispose(v)).catch(() => undefined));
    artifacts.set(key, { value: p, owner: taskSignal });
    return p;
  };

  opts.onEvent?.({ type: 'plan', total: plan.tasks.length });
  const results: TaskResult[] = new Array(plan.tasks.length);
  const indices = plan.tasks.map((_, i) => i);
  const shared = indices.filter((i) => !plan.tasks[i]!.check.def?.meta.exclusive);
  const exclusive = indices.filter((i) => plan.tasks[i]!.check.def?.meta.exclusive);
  const runOne = async (index: number) => {
    const task = plan.tasks[index]!;
    opts.onEvent?.({ type: 'start', task });
    const remainingRun = opts.timeoutMs ? opts.timeoutMs - (performance.now() - started) : Infinity;
    const result = await runTask(plan, task, Math.max(0, Math.min(task.timeoutMs, remainingRun)), runSignal, artifact, opts.debug);
    results[index] = result;
    opts.onEvent?.({ type: 'end', task, result });
  };
  // The exclusive lane starts once every task that makes traffic is done; quiet ones may still be waiting.
  let loudLeft = shared.filter((i) => !plan.tasks[i]!.check.def?.meta.quiet).length;
  let loudDone: () => void = () => undefined;
  const allLoudDone = loudLeft === 0 ? Promise.resolve() : new Promise<void>((r) => (loudDone = r));
  let next = 0;
  const worker = async () => {
    while (next < shared.length) {
      const index = shared[next++]!;
      await runOne(index);
      if (!plan.tasks[index]!.check.def?.meta.quiet && --loudLeft === 0) loudDone();
    }
  };
  const exclusiveLane = async () => {
    await allLoudDone;
    for (const index of exclusive) await runOne(index);
  };
  try {
    await Promise.all([...Array.from({ length: Math.min(concurrency, shared.length) }, worker), exclusiveLane()]);
  } finally {
    if (globalTimer) clearTimeout(globalTimer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    // Release what artifacts hold (a reflector session, a PAC worker), each within a short deadline,
    // then let whatever is still computing stop.
    await Promise.all(disposers.map((d) => Promise.race([d(), new Promise<void>((r) => setTimeout(r, 2000).unref())])));
    if (!runController.signal.aborted) runController.abort(new Error('run finished'));
  }
  const all = [...results, ...plan.unplanned.map((u) => unplannedResult(u))];
  opts.onEvent?.({ type: 'done', results: all });
  return all;
}

async function runTask(
  plan: Plan,
  task: Task,
  timeoutMs: number,
  runSignal: AbortSignal,
  artifact: <T>(
    key: string,
    compute: (s: AbortSignal) => Promise<T>,
    dispose: ((v: T) => Promise<void> | void) | undefined,
    taskSignal: AbortSignal,
  ) => Promise<T>,
  debug: RunOptions['debug'],
): Promise<TaskResult> {
  const t0 = performance.now();
  const base = {
    key: task.key,
    check: task.check.id,
    target: task.target.id,
    ...(task.target.location ? { location: task.target.location } : {}),
  };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError(timeoutMs, `${task.check.id} on ${task.target.id}`)), timeoutMs);
  const signal = AbortSignal.any([controller.signal, runSignal]);
  setMaxListeners(0, signal);
  const def = task.check.def!;
  const log = { debug: (msg: string, fields?: Record<string, unknown>) => debug?.(`[${task.key}] ${msg}`, fields) };
  const shared = <T>(key: string, compute: (s: AbortSignal) => Promise<T>, dispose?: (v: T) => Promise<void> | void) =>
    raceAbort(artifact(key, compute, dispose, signal), signal);
  const use = <I, V>(a: ArtifactDefinition<I, V>, input: I): Promise<V> =>
    shared(
      `${a.id}:${a.key(input)}`,
      (s) => a.compute({ site: plan.site, signal: s, log, use }, input),
      a.dispose ? (v: V) => a.dispose!(v) : undefined,
    );
  const ctx: CheckContext = {
    site: plan.site,
    options: task.options,
    signal,
    remainingMs: () => Math.max(0, timeoutMs - (performance.now() - t0)),
    artifact: shared,
    use,
    threshold: thresholdOf(plan.site, task.check.id),
    log,
  };
  // A fault nothing caught, raised by anything this task started, ends this task (and only it).
  let failTask: (fault: UncaughtFault) => void = () => undefined;
  const faulted = new Promise<never>((_, reject) => (failTask = reject));
  faulted.catch(() => undefined);
  const scope = { fail: (fault: UncaughtFault) => failTask(fault), isAftermath: (e: unknown) => signal.aborted && e === signal.reason };
  // A plugin's faults are traced to its own task; see fault-guard.ts for why built-ins are not.
  const attribute = task.check.source === 'plugin';
  try {
    if (isMeasuredCheck(def)) {
      const { threshold: _judging, ...measureCtx } = ctx;
      const work = runInTaskScope(
        scope,
        () =>
          raceAbort(
            Promise.resolve().then(() => def.measure(measureCtx, task.target)),
            signal,
          ),
        attribute,
      );
      const facts = await Promise.race([work, faulted]);
      if (!facts || typeof facts !== 'object' || Array.isArray(facts))
        return errorResult(base, t0, 'invalid-outcome', 'the check measured no facts (not an object)');
      const verdict = judgeFacts(def, facts, { options: task.options, site: plan.site, target: task.target });
      return {
        ...base,
        status: verdict.status,
        score: verdict.score,
        durationMs: Math.round(performance.now() - t0),
        measurements: verdict.measurements,
        findings: verdict.findings,
        facts: facts as Record<string, unknown>,
        factsVersion: def.facts.version,
        ...(verdict.classification ? { classification: verdict.classification } : {}),
        ...(verdict.path ? { path: verdict.path } : {}),
        ...(verdict.reason ? { reason: verdict.reason } : {}),
        ...(verdict.blocks ? { blocks: verdict.blocks } : {}),
        ...(verdict.error ? { error: verdict.error } : {}),
      };
    }
    const work = runInTaskScope(
      scope,
      () =>
        raceAbort(
          Promise.resolve().then(() => def.run(ctx, task.target)),
          signal,
        ),
      attribute,
    );
    const outcome = await Promise.race([work, faulted]);
    const problem = outcomeProblem(outcome);
    if (problem) return errorResult(base, t0, 'invalid-outcome', `check returned an invalid outcome: ${problem}`);
    return {
      ...base,
      status: outcome.status,
      score: outcome.score,
      durationMs: Math.round(performance.now() - t0),
      measurements: outcome.measurements ?? [],
      findings: placeFindings(outcome.findings ?? [], task.target),
      facts: outcome.details ?? {},
      ...legacyFields(outcome.details),
    };
  } catch (err) {
    if (err instanceof UncaughtFault) {
      // Stop whatever the task left running: its sockets and timers listen to its signal.
      controller.abort(err);
      return errorResult(base, t0, 'uncaught', err.message);
    }
    if (signal.aborted) {
      const reason = signal.reason;
      if (reason instanceof DeadlineError) return errorResult(base, t0, 'timeout', reason.message);
      return errorResult(base, t0, 'cancelled', `cancelled: ${errorMessage(reason)}`);
    }
    return errorResult(base, t0, 'exception', errorMessage(err));
  } finally {
    clearTimeout(timer);
  }
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work was started anyway; its own rejection (the same abort) must not go unobserved.
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function errorResult(
  base: Omit<TaskResult, 'status' | 'score' | 'durationMs' | 'measurements' | 'findings' | 'facts'>,
  t0: number,
  kind: TaskErrorKind,
  message: string,
): TaskResult {
  return {
    ...base,
    status: 'error',
    score: null,
    durationMs: Math.round(performance.now() - t0),
    measurements: [],
    findings: [],
    facts: {},
    error: { kind, message },
  };
}

function unplannedResult(u: Plan['unplanned'][number]): TaskResult {
  const base = {
    key: `${u.check.id}:-`,
    check: u.check.id,
    target: '-',
    durationMs: 0,
    measurements: [],
    findings: [],
    ...(u.check.location ? { location: u.check.location } : {}),
  };
  if (u.reason === 'load-error' || u.reason === 'targets-error') {
    return { ...base, status: 'error', score: null, facts: {}, error: { kind: u.reason, message: u.message ?? u.reason } };
  }
  return { ...base, status: 'skipped', score: null, facts: {}, reason: u.reason };
}

/** A one-step check's details name the same things, by the same convention. */
function legacyFields(details: Record<string, unknown> | undefined): Pick<TaskResult, 'classification' | 'path' | 'reason'> {
  const d = details ?? {};
  return {
    ...(typeof d.classification === 'string' ? { classification: d.classification } : {}),
    ...(d.path === 'direct' || d.path === 'proxy' ? { path: d.path } : {}),
    ...(typeof d.reason === 'string' ? { reason: d.reason } : {}),
  };
}

const STATUSES: Status[] = ['pass', 'warn', 'fail', 'info', 'skipped', 'error'];

function outcomeProblem(o: CheckOutcome | undefined): string | undefined {
  if (!o || typeof o !== 'object') return 'not an object';
  if (!STATUSES.includes(o.status)) return `status "${String(o.status)}"`;
  if (o.score !== null && (typeof o.score !== 'number' || !(o.score >= 0 && o.score <= 1))) return `score ${String(o.score)} outside 0..1`;
  if (o.status === 'pass' && o.score !== null && statusFromScore(o.score) === 'fail') return 'status pass with a failing score';
  for (const f of o.findings ?? []) {
    if (!f || typeof f.id !== 'string' || !SEVERITIES.includes(f.severity) || !f.message?.id) return 'malformed finding';
  }
  for (const m of o.measurements ?? []) if (!m || typeof m.id !== 'string') return 'malformed measurement';
  return undefined;
}
