// The OTLP encodings of a report's metrics: protobuf bytes derived by hand from the wire format and
// opentelemetry-proto's field numbers, a whole report read back by a decoder written here from the
// .proto files (not the encoder's own reader), and the proto3 JSON mapping. The integration test
// (test/integration/otlp.test.ts) has real receivers decode both.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportMetrics } from '../../src/report/metrics.js';
import type { Report } from '../../src/report/model.js';
import {
  encodeJson,
  encodeMetrics,
  encodeProtobuf,
  metricsRequest,
  type ExportMetricsServiceRequest,
} from '../../src/report/otlp/encode.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/report-every-status.json', import.meta.url), 'utf8')) as Report;

const hex = (parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');

const tiny: ExportMetricsServiceRequest = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'a', value: { stringValue: 'b' } }] },
      scopeMetrics: [
        {
          scope: { name: 's', version: '' },
          metrics: [
            {
              name: 'm',
              description: '',
              unit: 's',
              gauge: { dataPoints: [{ attributes: [{ key: 'k', value: { stringValue: 'v' } }], timeUnixNano: '1000000', asDouble: 0.5 }] },
            },
          ],
        },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// An independent reader: wire format by the book, field numbers from the .proto files.

type Wire = { n: number; varint?: bigint; fixed?: Buffer; bytes?: Buffer };

function fields(buf: Buffer): Wire[] {
  const out: Wire[] = [];
  let i = 0;
  const varint = () => {
    let v = 0n;
    let s = 0n;
    for (;;) {
      const b = buf[i++]!;
      v += BigInt(b & 127) << s;
      s += 7n;
      if (b < 128) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const n = key >> 3;
    switch (key & 7) {
      case 0:
        out.push({ n, varint: varint() });
        break;
      case 1:
        out.push({ n, fixed: buf.subarray(i, i + 8) });
        i += 8;
        break;
      case 2: {
        const len = Number(varint());
        out.push({ n, bytes: buf.subarray(i, i + len) });
        i += len;
        break;
      }
      default:
        throw new Error(`unexpected wire type ${key & 7} at ${i}`);
    }
  }
  expect(i).toBe(buf.length);
  return out;
}

const all = (buf: Buffer, n: number) => fields(buf).filter((f) => f.n === n);
const one = (buf: Buffer, n: number) => {
  const found = all(buf, n);
  expect(found.length, `field ${n}`).toBeLessThanOrEqual(1);
  return found[0];
};
const str = (buf: Buffer, n: number) => one(buf, n)?.bytes?.toString('utf8') ?? '';

/** KeyValue { string key = 1; AnyValue value = 2 } with AnyValue { string string_value = 1 }. */
function keyValues(list: Wire[]): Record<string, string> {
  return Object.fromEntries(list.map((kv) => [str(kv.bytes!, 1), str(one(kv.bytes!, 2)!.bytes!, 1)]));
}

interface Decoded {
  resource: Record<string, string>;
  scope: { name: string; version: string };
  metrics: Array<{
    name: string;
    description: string;
    unit: string;
    points: Array<{ time: bigint; value: number; labels: Record<string, string> }>;
  }>;
}

function decode(buf: Buffer): Decoded {
  const rms = all(buf, 1); // ExportMetricsServiceRequest.resource_metrics = 1
  expect(rms).toHaveLength(1);
  const rm = rms[0]!.bytes!;
  const resource = keyValues(all(one(rm, 1)!.bytes!, 1)); // ResourceMetrics.resource = 1; Resource.attributes = 1
  const sms = all(rm, 2); // ResourceMetrics.scope_metrics = 2
  expect(sms).toHaveLength(1);
  const sm = sms[0]!.bytes!;
  const scope = one(sm, 1)!.bytes!; // ScopeMetrics.scope = 1; InstrumentationScope name = 1, version = 2
  return {
    resource,
    scope: { name: str(scope, 1), version: str(scope, 2) },
    metrics: all(sm, 2).map(({ bytes: m }) => {
      // Metric: name = 1, description = 2, unit = 3, gauge = 5; Gauge.data_points = 1
      expect(fields(m!).map((f) => f.n)).not.toContain(7); // no sum, no histogram
      const gauge = one(m!, 5)!.bytes!;
      return {
        name: str(m!, 1),
        description: str(m!, 2),
        unit: str(m!, 3),
        points: all(gauge, 1).map(({ bytes: p }) => ({
          // NumberDataPoint: time_unix_nano = 3 (fixed64), as_double = 4 (double), attributes = 7
          time: one(p!, 3)!.fixed!.readBigUInt64LE(),
          value: one(p!, 4)!.fixed!.readDoubleLE(),
          labels: keyValues(all(p!, 7)),
        })),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------

describe('OTLP protobuf', () => {
  it('writes the bytes the wire format and the field numbers give, by hand', () => {
    const kvAB = '0a0161 1203 0a0162'; // KeyValue{key "a", value AnyValue{string_value "b"}}
    const kvKV = '0a016b 1203 0a0176';
    const point = `19 40420f0000000000 21 000000000000e03f 3a08 ${kvKV}`; // time 1e6 ns, 0.5, attributes
    const gauge = `0a1c ${point}`;
    const metric = `0a016d 1a0173 2a1e ${gauge}`; // name "m", unit "s", gauge; empty description left out
    const scopeMetrics = `0a03 0a0173 1226 ${metric}`; // scope{name "s"} (empty version left out), metrics
    const resourceMetrics = `0a0a 0a08 ${kvAB} 122d ${scopeMetrics}`;
    expect(encodeProtobuf(tiny).toString('hex')).toBe(hex([`0a3b ${resourceMetrics}`]).toString('hex'));
  });

  it('writes a value of 0 and an empty label value, which proto3 would otherwise leave out', () => {
    const zero = structuredClone(tiny);
    const point = zero.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge.dataPoints[0]!;
    point.asDouble = 0;
    point.attributes[0]!.value.stringValue = '';
    const decoded = decode(encodeProtobuf(zero));
    expect(decoded.metrics[0]!.points[0]).toEqual({ time: 1_000_000n, value: 0, labels: { k: '' } });
  });

  it('carries every sample of the model, stamped with when the run measured, with multi-byte text', () => {
    const report: Report = { ...fixture, site: { ...fixture.site, name: '上海分行 · Shanghai' } };
    const payload = encodeMetrics(report, 'http/protobuf');
    expect(payload.contentType).toBe('application/x-protobuf');
    const decoded = decode(payload.body);
    expect(decoded.resource).toEqual({
      'service.name': 'siteready',
      'service.version': '0.1.0',
      'service.instance.id': '上海分行 · Shanghai',
    });
    expect(decoded.scope).toEqual({ name: 'siteready', version: '0.1.0' });
    const model = reportMetrics(report);
    expect(decoded.metrics.map((m) => m.name)).toEqual(model.map((f) => f.name));
    const at = BigInt(Date.parse(report.startedAt)) * 1_000_000n;
    let points = 0;
    for (const [i, f] of model.entries()) {
      const m = decoded.metrics[i]!;
      expect(m.description).toBe(f.help);
      expect(m.unit).toBe(f.unit ?? '');
      expect(m.points).toEqual(f.samples.map((s) => ({ time: at, value: s.value, labels: s.labels })));
      points += m.points.length;
    }
    expect(payload.points).toBe(points);
    expect(points).toBeGreaterThan(500);
  });
});

describe('OTLP JSON', () => {
  it('is the proto3 JSON mapping: lowerCamelCase names, 64-bit integers as decimal strings', () => {
    const payload = encodeMetrics(fixture, 'http/json');
    expect(payload.contentType).toBe('application/json');
    const parsed = JSON.parse(payload.body.toString('utf8')) as ExportMetricsServiceRequest;
    expect(parsed).toEqual(metricsRequest(fixture));
    const point = parsed.resourceMetrics[0]!.scopeMetrics[0]!.metrics.find((m) => m.name === 'siteready_score')!.gauge.dataPoints[0]!;
    expect(point).toEqual({
      attributes: [{ key: 'site', value: { stringValue: 'Demo HQ' } }],
      timeUnixNano: `${Date.parse(fixture.startedAt)}000000`,
      asDouble: fixture.score,
    });
    const keys = new Set<string>();
    JSON.stringify(parsed, (k: string, v: unknown) => (keys.add(k), v));
    for (const k of keys) if (k && !/^\d+$/.test(k)) expect(k).toMatch(/^[a-z][A-Za-z]*$/);
    expect(payload.points).toBe(reportMetrics(fixture).reduce((n, f) => n + f.samples.length, 0));
  });

  it("writes a double that is not finite as the mapping's string", () => {
    const odd = structuredClone(tiny);
    const points = odd.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge.dataPoints;
    points.push({ ...points[0]!, asDouble: NaN }, { ...points[0]!, asDouble: Infinity }, { ...points[0]!, asDouble: -Infinity });
    const text = encodeJson(odd).toString('utf8');
    expect([...text.matchAll(/"asDouble":("?[^,}]*"?)/g)].map((m) => m[1])).toEqual(['0.5', '"NaN"', '"Infinity"', '"-Infinity"']);
  });
});
