// Zoom's IP range files (Zoom.txt, ZoomMeetings.txt, ZoomPhone.txt, ...): plain text, one CIDR a
// line. They carry no version: the snapshot's version is the date read and the body's hash.

import { FeedCollector } from './collect.js';
import { MAX_LINES, type ParsedFeed } from './snapshot.js';
import { feedText, forEachLine } from './text.js';

export interface ZoomParseOptions {
  /** The file's name without ".txt" ("ZoomMeetings"), kept as each range's service. */
  service?: string;
}

export function parseZoomRanges(body: string | Uint8Array, opts: ZoomParseOptions = {}): ParsedFeed {
  const text = feedText(body);
  const out = new FeedCollector();
  forEachLine(text, MAX_LINES, (raw, n) => {
    // "#" comments, whole-line or trailing, and surrounding blanks are not part of the list.
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === '') return;
    out.addRange(line, `line ${n}`, opts.service ? { service: opts.service } : {});
  });
  return out.finish('CIDR lines');
}

/** "ZoomMeetings" from ".../ipranges/ZoomMeetings.txt"; undefined when the URL names no file. */
export function zoomServiceFromUrl(url: string): string | undefined {
  try {
    const file = new URL(url).pathname.split('/').pop() ?? '';
    const stem = file.replace(/\.txt$/i, '');
    return /^[A-Za-z0-9_-]{1,64}$/.test(stem) ? stem : undefined;
  } catch {
    return undefined;
  }
}
