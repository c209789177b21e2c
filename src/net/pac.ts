// PAC evaluation with a deadline: one worker per run, a timeout per lookup, and a worker that
// misbehaves (endless loop, crash) is terminated and replaced.

import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export class PacError extends Error {
  constructor(message: string, readonly kind: 'timeout' | 'script' | 'load') {
    super(message);
    this.name = 'PacError';
  }
}

export type PacDecision = { kind: 'direct' } | { kind: 'proxy'; host: string; port: number; secure: boolean } | { kind: 'unsupported'; entry: string };

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

function workerFile(): URL {
  const here = new URL('./pac-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/src/net/pac-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new PacError('the PAC worker is not built: run `npm run build`', 'load');
}

export class PacEvaluator {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly script: string,
    private readonly timeoutMs = 2000,
    private readonly myIp = localAddress(),
  ) {}

  private start(): Worker {
    const w = new Worker(workerFile(), { workerData: { script: this.script, myIp: this.myIp }, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    w.unref();
    w.on('message', (m: { id: number; ok: boolean; result?: string; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result ?? 'DIRECT');
      else p.reject(new PacError(`the PAC script failed: ${m.error}`, 'script'));
    });
    const failAll = (err: Error) => {
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(err);
        this.pending.delete(id);
      }
      this.worker = undefined;
    };
    w.on('error', (err) => failAll(new PacError(`the PAC script crashed: ${err.message}`, 'script')));
    w.on('exit', () => failAll(new PacError('the PAC worker stopped', 'script')));
    return w;
  }

  find(url: string, host: string): Promise<string> {
    this.worker ??= this.start();
    const worker = this.worker;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // An endless script never yields: the only way out is to end its thread.
        void worker.terminate();
        if (this.worker === worker) this.worker = undefined;
        reject(new PacError(`FindProxyForURL did not return within ${this.timeoutMs} ms`, 'timeout'));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, url, host });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
