// PAC evaluation with a deadline: one worker per run, a timeout per lookup, and a worker that
// misbehaves (endless loop, crash) is terminated and replaced.

import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { builtFile } from '../version.js';
import { Worker } from 'node:worker_threads';

export class PacError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'script' | 'load',
  ) {
    super(message);
    this.name = 'PacError';
  }
}

export type PacDecision =
  { kind: 'direct' } | { kind: 'proxy'; host: string; port: number; secure: boolean } | { kind: 'unsupported'; entry: string };

/** "PROXY a:3128; HTTPS b:443; DIRECT" → the first entry siteready can use, in order. */
export function parsePacResult(result: string): PacDecision[] {
  return result
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry): PacDecision => {
      const [kind, where] = entry.split(/\s+/, 2) as [string, string | undefined];
      const k = kind.toUpperCase();
      if (k === 'DIRECT') return { kind: 'direct' };
      const m = where ? /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(where) : null;
      if ((k === 'PROXY' || k === 'HTTP' || k === 'HTTPS') && m) {
        return { kind: 'proxy', host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]), secure: k === 'HTTPS' };
      }
      return { kind: 'unsupported', entry };
    });
}

/** The address a PAC script would see as myIpAddress(): the first non-internal IPv4, else loopback. */
export function localAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** The compiled worker: the same file compiled, bundled or under the test runner (which runs sources). */
function workerFile(): string {
  const built = builtFile('src', 'net', 'pac-worker.js');
  if (existsSync(built)) return built;
  throw new PacError('the PAC worker is not built: run `npm run build`', 'load');
}

export class PacEvaluator {
  private running: { worker: Worker; loaded: Promise<void> } | undefined;
  private next = 0;
  private readonly pending = new Map<
    number,
    { worker: Worker; resolve: (v: string) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }
  >();

  constructor(
    private readonly script: string,
    private readonly timeoutMs = 2000,
    private readonly myIp = localAddress(),
    /**
     * Loading (worker thread, QuickJS, the script's top level) has its own deadline: a cold start
     * alone takes ~0.4 s, and seconds on a loaded machine, which must not count against a lookup.
     */
    private readonly loadTimeoutMs = 5000,
  ) {}

  private start(): { worker: Worker; loaded: Promise<void> } {
    const w = new Worker(workerFile(), {
      workerData: { script: this.script, myIp: this.myIp },
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    w.unref();
    let markLoaded!: () => void;
    const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
    w.on('message', (m: { id: number; ok: boolean; result?: string; error?: string; ready?: boolean }) => {
      if (m.ready) return markLoaded();
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result ?? 'DIRECT');
      else p.reject(new PacError(`the PAC script failed: ${m.error}`, 'script'));
    });
    // Only this worker's lookups fail with it: a replacement may already be running.
    const failAll = (err: Error) => {
      for (const [id, p] of this.pending) {
        if (p.worker !== w) continue;
        clearTimeout(p.timer);
        p.reject(err);
        this.pending.delete(id);
      }
      if (this.running?.worker === w) this.running = undefined;
    };
    w.on('error', (err) => failAll(new PacError(`the PAC script crashed: ${err.message}`, 'script')));
    w.on('exit', () => failAll(new PacError('the PAC worker stopped', 'script')));
    return { worker: w, loaded };
  }

  /** FindProxyForURL(url, host), within the deadlines; on abort the caller stops waiting at once. */
  find(url: string, host: string, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.running ??= this.start();
    const { worker, loaded } = this.running;
    const id = this.next++;
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => {
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          signal?.removeEventListener('abort', onAbort);
          fn(v);
        };
      const entry: { worker: Worker; resolve: (v: string) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } = {
        worker,
        resolve: settle(resolve),
        reject: settle(reject),
      };
      const expire = (message: string) => () => {
        this.pending.delete(id);
        // An endless script never yields: the only way out is to end its thread.
        void worker.terminate();
        if (this.running?.worker === worker) this.running = undefined;
        entry.reject(new PacError(message, 'timeout'));
      };
      entry.timer = setTimeout(expire(`the PAC script did not load within ${this.loadTimeoutMs} ms`), this.loadTimeoutMs);
      this.pending.set(id, entry);
      void loaded.then(() => {
        if (!this.pending.has(id)) return;
        clearTimeout(entry.timer);
        entry.timer = setTimeout(expire(`FindProxyForURL did not return within ${this.timeoutMs} ms`), this.timeoutMs);
        worker.postMessage({ id, url, host });
      });
    });
  }

  async close(): Promise<void> {
    await this.running?.worker.terminate();
    this.running = undefined;
  }
}
