// Worker-thread entry that evaluates a PAC file. A PAC script is code from the network: it runs
// in QuickJS (WebAssembly), never in this process's V8, and in a worker the parent can terminate
// when a script loops forever. myIpAddress is answered from the parent's value: the stock one
// dials out with no timeout.

import { parentPort, workerData } from 'node:worker_threads';
import { createPacResolver } from 'pac-resolver';
import { QuickJS } from 'quickjs-wasi';

const { script, myIp } = workerData as { script: string; myIp: string };
const myIpAddress = Object.assign(async () => myIp, { async: true });

const ready = QuickJS.create().then((qjs) => createPacResolver(qjs, script, { sandbox: { myIpAddress } }));
// Tells the parent that loading is over (QuickJS started, the script's top level ran, or failed to
// parse): its per-lookup deadline starts from here, not from the worker's cold start.
ready.then(
  () => parentPort?.postMessage({ ready: true }),
  () => parentPort?.postMessage({ ready: true }),
);

parentPort?.on('message', (m: { id: number; url: string; host: string }) => {
  ready
    .then((find) => find(m.url, m.host))
    .then(
      (result) => parentPort?.postMessage({ id: m.id, ok: true, result }),
      (err: unknown) => parentPort?.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
});
