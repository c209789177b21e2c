// Feeds that are broken, wrongly typed, huge or not feeds at all: each ends in a FeedError with a
// kind (or, for a single bad entry, a counted problem), never a crash or a hang.

import { describe, expect, it } from 'vitest';
import { FeedError } from '../../src/platforms/feeds/errors.js';
import { parseMicrosoftEndpoints, parseMicrosoftVersion } from '../../src/platforms/feeds/microsoft.js';
import { parseWebexCsv } from '../../src/platforms/feeds/webex.js';
import { parseZoomRanges } from '../../src/platforms/feeds/zoom.js';
import { MAX_FEED_BYTES } from '../../src/platforms/feeds/snapshot.js';

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FeedError);
    expect((err as Error).message.length).toBeLessThan(400);
    return (err as FeedError).kind;
  }
  throw new Error('no error');
}

const good = {
  id: 11,
  serviceArea: 'Skype',
  ips: ['52.112.0.0/14'],
  udpPorts: '3478,3479,3480,3481',
  category: 'Optimize',
  required: true,
};
const ms = (entries: unknown) => JSON.stringify(entries);

describe('hostile Microsoft answers', () => {
  it('truncated JSON', () => {
    const whole = ms([good, good]);
    expect(kindOf(() => parseMicrosoftEndpoints(whole.slice(0, whole.length - 5)))).toBe('truncated');
    expect(kindOf(() => parseMicrosoftEndpoints('[{"id": 11, "serviceArea": "Sky'))).toBe('truncated');
    expect(kindOf(() => parseMicrosoftVersion('{"instance":"Worldwide","latest":"20251', 'Worldwide'))).toBe('truncated');
  });

  it('malformed JSON and empty bodies', () => {
    expect(kindOf(() => parseMicrosoftEndpoints('[1,,2]'))).toBe('malformed');
    expect(kindOf(() => parseMicrosoftEndpoints(''))).toBe('malformed');
    expect(kindOf(() => parseMicrosoftEndpoints('[]'))).toBe('empty');
  });

  it('a JSON error object or a bare value instead of the list', () => {
    expect(kindOf(() => parseMicrosoftEndpoints('{"error":"Invalid ClientRequestId"}'))).toBe('shape');
    expect(kindOf(() => parseMicrosoftEndpoints('"Worldwide"'))).toBe('shape');
    expect(kindOf(() => parseMicrosoftEndpoints('null'))).toBe('shape');
    expect(kindOf(() => parseMicrosoftVersion('[null, 3, "x"]', 'Worldwide'))).toBe('shape');
  });

  it('wrongly typed entries are skipped and counted; a feed of nothing else is "empty"', () => {
    const bad = [
      null,
      42,
      { ...good, id: 20, ips: '52.112.0.0/14' },
      { ...good, id: 21, udpPorts: 3478 },
      { ...good, id: 22, category: 'Sometimes' },
      { ...good, id: 23, required: 'yes' },
      { ...good, id: 24, ips: [null, 7, '1.2.3.0/24'] },
      { ...good, id: 25, urls: [{}] },
      { ...good, id: '26' },
    ];
    const feed = parseMicrosoftEndpoints(ms([good, ...bad]));
    expect(feed.ranges.map((r) => r.cidr).sort()).toEqual(['1.2.3.0/24', '52.112.0.0/14']);
    expect(feed.problemCount).toBe(10);
    expect(feed.problems.map((p) => p.at)).toContain('entry id 20');
    expect(feed.problems.find((p) => p.at === 'entry id 21')!.reason).toMatch(/udpPorts/);

    let err: FeedError | undefined;
    try {
      parseMicrosoftEndpoints(ms(bad.slice(0, 6)));
    } catch (e) {
      err = e as FeedError;
    }
    expect(err?.kind).toBe('empty');
    expect(err?.detail.problemCount).toBe(6);
  });

  it('deeply nested JSON is refused before it is parsed', () => {
    const depth = 1_000_000;
    expect(kindOf(() => parseMicrosoftEndpoints('['.repeat(depth) + ']'.repeat(depth)))).toBe('too-deep');
    expect(kindOf(() => parseMicrosoftEndpoints(`[{"id":1,"x":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}]`))).toBe('too-deep');
  });

  it('an HTML page served with 200', () => {
    const page = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Proxy login</body></html>';
    expect(kindOf(() => parseMicrosoftEndpoints(page))).toBe('html');
    expect(kindOf(() => parseMicrosoftVersion(`\r\n  ${page}`, 'Worldwide'))).toBe('html');
    expect(kindOf(() => parseZoomRanges(page))).toBe('html');
    expect(kindOf(() => parseWebexCsv(page))).toBe('html');
  });

  it('an enormous body', () => {
    const huge = Buffer.alloc(MAX_FEED_BYTES + 1, 0x20);
    expect(kindOf(() => parseMicrosoftEndpoints(huge))).toBe('too-large');
    expect(kindOf(() => parseZoomRanges(huge))).toBe('too-large');
  });

  it('huge strings inside an entry stay out of messages', () => {
    const feed = parseMicrosoftEndpoints(ms([good, { ...good, id: 30, ips: ['x'.repeat(100_000)] }]));
    expect(feed.problems[0]!.reason.length).toBeLessThan(300);
  });
});

describe('hostile range files', () => {
  it('millions of lines: bounded, and fast', () => {
    const t0 = Date.now();
    expect(kindOf(() => parseZoomRanges('3.7.35.0/25\n'.repeat(1_000_001)))).toBe('too-many');
    expect(kindOf(() => parseZoomRanges('\n'.repeat(5_000_000)))).toBe('too-many');
    // A million bad lines cost a count, not a million problem records.
    const feed = parseZoomRanges(`3.7.35.0/25\n${'bad\n'.repeat(900_000)}`);
    expect(feed.problemCount).toBe(900_000);
    expect(feed.problems.length).toBeLessThanOrEqual(50);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('nothing parses: an error naming the first problem', () => {
    let err: FeedError | undefined;
    try {
      parseZoomRanges('hello\nworld\n');
    } catch (e) {
      err = e as FeedError;
    }
    expect(err?.kind).toBe('empty');
    expect(err?.message).toMatch(/hello/);
    expect(kindOf(() => parseZoomRanges(''))).toBe('empty');
    expect(kindOf(() => parseZoomRanges('# only comments\n\n'))).toBe('empty');
  });

  it('binary junk', () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    expect(['empty', 'html']).toContain(kindOf(() => parseZoomRanges(junk)));
  });
});

describe('hostile CSV', () => {
  it('a quoted field that never ends', () => {
    expect(kindOf(() => parseWebexCsv('Service,URL\nMeetings,"*.webex.com\n*.wbx2.com\n'))).toBe('truncated');
  });

  it('no URL or IP column', () => {
    expect(kindOf(() => parseWebexCsv('Service,Description\nA,B\n'))).toBe('shape');
    expect(kindOf(() => parseWebexCsv(''))).toBe('empty');
  });

  it('a header and nothing usable', () => {
    expect(kindOf(() => parseWebexCsv('URL\nnot a host\n???\n'))).toBe('empty');
  });

  it('a gigantic field and too many records', () => {
    expect(kindOf(() => parseWebexCsv(`URL\n"${'a'.repeat(70_000)}"\n`))).toBe('too-large');
    expect(kindOf(() => parseWebexCsv(`URL\n${'a.example.com\n'.repeat(100_001)}`))).toBe('too-many');
  });
});

describe('what feeds say reaches terminals', () => {
  it('control characters in a bad line are not passed on', () => {
    const feed = parseZoomRanges('3.7.35.0/25\n\u001b[31mred\u001b[0m\u0007\n');
    expect(feed.problems[0]!.reason).not.toMatch(/[\u0000-\u001f]/);
    expect(kindOf(() => parseMicrosoftEndpoints('{"error":"\\u001b[2J bad"}'))).toBe('shape');
  });
});
