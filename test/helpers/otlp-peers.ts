// OTLP/HTTP receivers for the --otlp tests, on loopback: VictoriaMetrics (a time-series database
// with its own OTLP decoder, queried back over its HTTP API) and a receiver that decodes with
// OpenTelemetry's generated Python classes (otlp-receiver.py). .ci/run extracts both from Debian's
// packages into .cache/otlp-peer/ (SITEREADY_OTLP_PEERS elsewhere).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { delay, freePort, startProcess, withRetries, type Peer } from './peers.js';

const PEERS = process.env.SITEREADY_OTLP_PEERS || join(ROOT, '.cache', 'otlp-peer');
const VICTORIA_METRICS = join(PEERS, 'victoria-metrics', 'usr', 'bin', 'victoria-metrics');
const OTLP_PROTO_PYTHON = join(PEERS, 'opentelemetry-proto', 'usr', 'lib', 'python3', 'dist-packages');
/** Debian's interpreter, which python3-protobuf is installed for. */
const PYTHON = '/usr/bin/python3';

/** What is missing to run the receivers, for requireTool's message; empty when both can run. */
export function otlpPeersMissing(): string[] {
  const missing: string[] = [];
  if (!existsSync(VICTORIA_METRICS)) missing.push(`${VICTORIA_METRICS} (run the OTLP step of .ci/run)`);
  const probe = existsSync(PYTHON)
    ? spawnSync(PYTHON, ['-c', 'import google.protobuf, opentelemetry.proto.collector.metrics.v1.metrics_service_pb2'], {
        env: { ...process.env, PYTHONPATH: OTLP_PROTO_PYTHON },
        encoding: 'utf8',
      })
    : undefined;
  if (probe?.status !== 0) missing.push(`${PYTHON} with python3-protobuf and ${OTLP_PROTO_PYTHON}`);
  return missing;
}

export interface StoredSeries {
  metric: Record<string, string>;
  values: number[];
  /** Milliseconds since the epoch. */
  timestamps: number[];
}

export interface VictoriaMetrics {
  /** The base URL to give --otlp: /v1/metrics is appended to it. */
  otlpBase: string;
  /**
   * Every sample stored for the series `match` selects, at any time, once at least `count` series
   * are found (new series become searchable a moment after they are written), or after 10 s.
   */
  series(match: string, count?: number): Promise<StoredSeries[]>;
  stop(): Promise<void>;
}

/**
 * VictoriaMetrics with Prometheus naming for OTLP (-opentelemetry.usePrometheusNaming): names and
 * attributes translated as Prometheus's own OTLP receiver does, resource attributes as labels.
 */
export async function startVictoriaMetrics(dataDir: string): Promise<VictoriaMetrics> {
  return withRetries(3, async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const peer: Peer = await startProcess(
      VICTORIA_METRICS,
      [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${dataDir}`,
        // Reports may be exported long after they were measured.
        '-retentionPeriod=100y',
        '-opentelemetry.usePrometheusNaming',
        '-loggerLevel=WARN',
      ],
      {
        name: 'victoria-metrics',
        ready: async () => (await fetch(`${origin}/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.ok === true,
        timeoutMs: 20_000,
      },
    );
    return {
      otlpBase: `${origin}/opentelemetry`,
      async series(match: string, count = 1) {
        const until = Date.now() + 10_000;
        for (;;) {
          // What was just written is searchable only after a flush.
          await fetch(`${origin}/internal/force_flush`, { signal: AbortSignal.timeout(5000) });
          const res = await fetch(`${origin}/api/v1/export?${new URLSearchParams({ 'match[]': match, start: '0' })}`, {
            signal: AbortSignal.timeout(5000),
          });
          if (!res.ok) throw new Error(`victoria-metrics export: HTTP ${res.status}: ${await res.text()}`);
          const found = (await res.text())
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as StoredSeries);
          if (found.length >= count || Date.now() > until) return found;
          await delay(200);
        }
      },
      stop: () => peer.stop(),
    };
  });
}

export interface DecodedRequest {
  path: string;
  headers: Record<string, string>;
  /** protobuf only: the bytes are exactly what the reference runtime writes for the message. */
  canonical?: boolean;
  /** The ExportMetricsServiceRequest in the proto3 JSON mapping, as the reference runtime prints it. */
  message?: { resourceMetrics: Array<Record<string, any>> };
  error?: string;
}

export interface ReferenceReceiver {
  /** The base URL to give --otlp. */
  url: string;
  requests(): Promise<DecodedRequest[]>;
  stop(): Promise<void>;
}

export async function startReferenceReceiver(): Promise<ReferenceReceiver> {
  const peer = await startProcess(PYTHON, [join(ROOT, 'test', 'helpers', 'otlp-receiver.py')], {
    name: 'otlp-receiver.py',
    ready: /listening \d+/,
    timeoutMs: 15_000,
    env: { ...process.env, PYTHONPATH: OTLP_PROTO_PYTHON },
  });
  const url = `http://127.0.0.1:${/listening (\d+)/.exec(peer.output())![1]}`;
  return {
    url,
    async requests() {
      const res = await fetch(`${url}/requests`, { signal: AbortSignal.timeout(5000) });
      return (await res.json()) as DecodedRequest[];
    },
    stop: () => peer.stop(),
  };
}
