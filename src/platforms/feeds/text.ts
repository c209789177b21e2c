// A feed body as text: size-checked, decoded as UTF-8, BOM removed, an HTML page told apart from a
// feed before any parser sees it; and lines walked without splitting a 16 MiB string into an array.

import { FeedError } from './errors.js';
import { MAX_FEED_BYTES } from './snapshot.js';

export function feedText(body: string | Uint8Array, limit = MAX_FEED_BYTES): string {
  const size = typeof body === 'string' ? body.length : body.byteLength;
  if (size > limit) throw new FeedError('too-large', `the feed is larger than ${limit} bytes`, { limit });
  let text = typeof body === 'string' ? body : new TextDecoder('utf-8').decode(body);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // No vendor feed (JSON, CIDR lines, CSV) starts with "<": this is a portal, login or error page,
  // often served with 200 by a captive portal or a proxy.
  if (/^\s*</.test(text.slice(0, 1024))) throw new FeedError('html', 'an HTML page was served instead of the feed');
  return text;
}

/** Calls fn for each line (without its CR/LF) with its 1-based number; stops after maxLines with a FeedError. */
export function forEachLine(text: string, maxLines: number, fn: (line: string, n: number) => void): void {
  let start = 0;
  let n = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (++n > maxLines) throw new FeedError('too-many', `the feed has more than ${maxLines} lines`, { limit: maxLines });
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    fn(line, n);
    start = end + 1;
  }
}
