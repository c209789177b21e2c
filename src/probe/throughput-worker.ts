// Worker-thread entry: runs one throughput test away from the main thread, so a busy event loop
// (other checks, the progress display, an in-process lab) never limits the measured rate.

import { parentPort, workerData } from 'node:worker_threads';
import { measureThroughput, type ThroughputParams } from './throughput.js';

const params = workerData as ThroughputParams & { session?: { key: Uint8Array } };
if (params.session) params.session.key = Buffer.from(params.session.key);
measureThroughput(params as ThroughputParams).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (err: unknown) =>
    parentPort?.postMessage({
      ok: false,
      error: {
        message: err instanceof Error ? err.message : String(err),
        code: (err as { code?: string }).code,
        classification: (err as { classification?: string }).classification,
        phase: (err as { phase?: string }).phase,
      },
    }),
);
