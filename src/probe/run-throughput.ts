// Starts a throughput test in a worker thread and waits for it under the caller's deadline.

import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { PathError } from '../net/classify.js';
import type { Classification } from '../plugin-api.js';
import type { ThroughputParams, ThroughputResult } from './throughput.js';
import { builtFile } from '../version.js';

/** The compiled worker: the same file compiled, bundled or under the test runner (which runs sources). */
function workerFile(): string {
  const built = builtFile('src', 'probe', 'throughput-worker.js');
  if (existsSync(built)) return built;
  throw new Error('the throughput worker is not built: run `npm run build`');
}

/**
 * Beyond the test itself: session set-up and stream opening (5 s each at most), the reflector's
 * grace to end its streams and report (5 s), and the worker's own start.
 */
const WORKER_SLACK_MS = 20_000;

export function runThroughput(params: ThroughputParams, signal?: AbortSignal): Promise<ThroughputResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const worker = new Worker(workerFile(), { workerData: params });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(signal?.reason));
    // The worker's own timers bound every step; this is the backstop should one of them not.
    const deadline = setTimeout(
      () =>
        settle(() =>
          reject(
            new PathError(
              'timeout',
              'application',
              `the throughput test did not finish within ${params.durationMs + WORKER_SLACK_MS} ms`,
              'ETIMEDOUT',
            ),
          ),
        ),
      params.durationMs + WORKER_SLACK_MS,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once(
      'message',
      (m: {
        ok: boolean;
        result?: ThroughputResult;
        error?: { message: string; code?: string; classification?: string; phase?: string };
      }) => {
        if (m.ok) return settle(() => resolve(m.result!));
        const e = m.error!;
        settle(() =>
          reject(
            e.classification
              ? new PathError(e.classification as Classification, (e.phase as PathError['phase']) ?? 'application', e.message, e.code)
              : Object.assign(new Error(e.message), { code: e.code }),
          ),
        );
      },
    );
    worker.on('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`throughput worker exited with code ${code}`))));
  });
}
