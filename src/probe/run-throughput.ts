// Starts a throughput test in a worker thread and waits for it under the caller's deadline.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PathError } from '../net/classify.js';
import type { Classification } from '../plugin-api.js';
import type { ThroughputParams, ThroughputResult } from './throughput.js';

/** The compiled worker file; under the test runner (sources in .ts) the build output is used. */
function workerFile(): URL {
  const here = new URL('./throughput-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/src/probe/throughput-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('the throughput worker is not built: run `npm run build`');
}

export function runThroughput(params: ThroughputParams, signal?: AbortSignal): Promise<ThroughputResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile(), { workerData: params });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: { ok: boolean; result?: ThroughputResult; error?: { message: string; code?: string; classification?: string; phase?: string } }) => {
      if (m.ok) return settle(() => resolve(m.result!));
      const e = m.error!;
      settle(() =>
        reject(
          e.classification
            ? new PathError(e.classification as Classification, (e.phase as PathError['phase']) ?? 'application', e.message, e.code)
            : Object.assign(new Error(e.message), { code: e.code }),
        ),
      );
    });
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`throughput worker exited with code ${code}`))));
  });
}
