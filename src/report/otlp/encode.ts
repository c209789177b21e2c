// A report's metrics (../metrics.ts) as an OTLP ExportMetricsServiceRequest, in either encoding of
// OTLP/HTTP: binary protobuf or the proto3 JSON mapping. Both come from one object in the shape of
// the JSON mapping, so they cannot say different things.
//
// Every sample is a Gauge data point stamped with the time the run started measuring, never the
// time of sending: a report exported again later (`siteready report FILE --otlp`) lands where it
// was measured. Field numbers from opentelemetry-proto v1 (collector/metrics/v1/metrics_service,
// metrics/v1/metrics, common/v1/common, resource/v1/resource .proto).
//
// The resource is the service in OpenTelemetry's semantic conventions: service.name "siteready",
// service.version the version that measured, and service.instance.id the site — one siteready per
// site, so receivers that derive instance from it (Prometheus: `instance`, and `target_info` per
// site) tell the sites apart without knowing siteready's own labels.

import { reportMetrics } from '../metrics.js';
import type { Report } from '../model.js';
import { ProtoMessage } from './protobuf.js';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export interface KeyValue {
  key: string;
  value: { stringValue: string };
}

export interface NumberDataPoint {
  attributes: KeyValue[];
  /** fixed64 nanoseconds, as a decimal string (JSON's numbers cannot hold it). */
  timeUnixNano: string;
  asDouble: number;
}

export interface Metric {
  name: string;
  description: string;
  unit?: string;
  gauge: { dataPoints: NumberDataPoint[] };
}

export interface ExportMetricsServiceRequest {
  resourceMetrics: Array<{
    resource: { attributes: KeyValue[] };
    scopeMetrics: Array<{ scope: { name: string; version: string }; metrics: Metric[] }>;
  }>;
}

export interface OtlpPayload {
  body: Buffer;
  contentType: string;
  /** Data points in the request. */
  points: number;
}

function attributes(record: Record<string, string>, mask: (text: string) => string): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: { stringValue: mask(value) } }));
}

/** `mask` once per distinct text: a label value recurs on many data points. */
function memo(mask: (text: string) => string): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    let out = seen.get(text);
    if (out === undefined) seen.set(text, (out = mask(text)));
    return out;
  };
}

/** Milliseconds since the epoch (what ISO 8601 in the report holds) in nanoseconds, exactly. */
function unixNano(iso: string): string {
  return (BigInt(Date.parse(iso)) * 1_000_000n).toString();
}

/**
 * The request for a report's metrics. `mask` is applied to every value that comes from the report
 * (label values, the site, versions) — the names, help and units are the tool's own.
 */
export function metricsRequest(report: Report, mask: (text: string) => string = (text) => text): ExportMetricsServiceRequest {
  const masked = memo(mask);
  const timeUnixNano = unixNano(report.startedAt);
  const metrics = reportMetrics(report).map((f): Metric => ({
    name: f.name,
    description: f.help,
    ...(f.unit ? { unit: f.unit } : {}),
    gauge: { dataPoints: f.samples.map((s) => ({ attributes: attributes(s.labels, masked), timeUnixNano, asDouble: s.value })) },
  }));
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: attributes(
            {
              'service.name': 'siteready',
              'service.version': report.tool.version,
              'service.instance.id': report.site.name,
            },
            masked,
          ),
        },
        scopeMetrics: [{ scope: { name: 'siteready', version: masked(report.tool.version) }, metrics }],
      },
    ],
  };
}

// opentelemetry.proto field numbers, by message.
const F = {
  request: { resourceMetrics: 1 },
  resourceMetrics: { resource: 1, scopeMetrics: 2 },
  resource: { attributes: 1 },
  scopeMetrics: { scope: 1, metrics: 2 },
  scope: { name: 1, version: 2 },
  metric: { name: 1, description: 2, unit: 3, gauge: 5 },
  gauge: { dataPoints: 1 },
  dataPoint: { timeUnixNano: 3, asDouble: 4, attributes: 7 },
  keyValue: { key: 1, value: 2 },
  anyValue: { stringValue: 1 },
} as const;

/** Encoded KeyValues by key and value: most recur on many data points (the site, a check, a target). */
type KeyValueCache = Map<string, Buffer>;

function keyValues(into: ProtoMessage, field: number, list: KeyValue[], cache: KeyValueCache): void {
  for (const kv of list) {
    const id = `${kv.key}\u0000${kv.value.stringValue}`;
    let bytes = cache.get(id);
    if (!bytes) {
      // string_value is a member of AnyValue's oneof: written even when empty.
      const value = new ProtoMessage().string(F.anyValue.stringValue, kv.value.stringValue);
      bytes = new ProtoMessage().string(F.keyValue.key, kv.key).message(F.keyValue.value, value).encode();
      cache.set(id, bytes);
    }
    into.encoded(field, bytes);
  }
}

/** Proto3 leaves a string field with its default value (empty) out. */
function text(into: ProtoMessage, field: number, value: string | undefined): void {
  if (value) into.string(field, value);
}

export function encodeProtobuf(request: ExportMetricsServiceRequest): Buffer {
  const cache: KeyValueCache = new Map();
  const out = new ProtoMessage();
  for (const rm of request.resourceMetrics) {
    const resource = new ProtoMessage();
    keyValues(resource, F.resource.attributes, rm.resource.attributes, cache);
    const resourceMetrics = new ProtoMessage().message(F.resourceMetrics.resource, resource);
    for (const sm of rm.scopeMetrics) {
      const scope = new ProtoMessage();
      text(scope, F.scope.name, sm.scope.name);
      text(scope, F.scope.version, sm.scope.version);
      const scopeMetrics = new ProtoMessage().message(F.scopeMetrics.scope, scope);
      for (const m of sm.metrics) {
        const gauge = new ProtoMessage();
        for (const p of m.gauge.dataPoints) {
          const point = new ProtoMessage()
            .fixed64(F.dataPoint.timeUnixNano, BigInt(p.timeUnixNano))
            // as_double is a member of a oneof too: a value of 0 is written.
            .double(F.dataPoint.asDouble, p.asDouble);
          keyValues(point, F.dataPoint.attributes, p.attributes, cache);
          gauge.message(F.gauge.dataPoints, point);
        }
        const metric = new ProtoMessage();
        text(metric, F.metric.name, m.name);
        text(metric, F.metric.description, m.description);
        text(metric, F.metric.unit, m.unit);
        scopeMetrics.message(F.scopeMetrics.metrics, metric.message(F.metric.gauge, gauge));
      }
      resourceMetrics.message(F.resourceMetrics.scopeMetrics, scopeMetrics);
    }
    out.message(F.request.resourceMetrics, resourceMetrics);
  }
  return out.encode();
}

/** The proto3 JSON mapping: a double that is not finite is the string "NaN", "Infinity" or "-Infinity". */
export function encodeJson(request: ExportMetricsServiceRequest): Buffer {
  return Buffer.from(
    JSON.stringify(request, (key, value: unknown) =>
      key === 'asDouble' && typeof value === 'number' && !Number.isFinite(value)
        ? Number.isNaN(value)
          ? 'NaN'
          : value > 0
            ? 'Infinity'
            : '-Infinity'
        : value,
    ),
    'utf8',
  );
}

export function encodeMetrics(report: Report, protocol: OtlpProtocol, mask?: (text: string) => string): OtlpPayload {
  const request = metricsRequest(report, mask);
  const points = request.resourceMetrics.reduce(
    (n, rm) => n + rm.scopeMetrics.reduce((m, sm) => m + sm.metrics.reduce((k, x) => k + x.gauge.dataPoints.length, 0), 0),
    0,
  );
  return protocol === 'http/json'
    ? { body: encodeJson(request), contentType: 'application/json', points }
    : { body: encodeProtobuf(request), contentType: 'application/x-protobuf', points };
}
