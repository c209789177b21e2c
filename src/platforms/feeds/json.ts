// JSON from a feed, parsed only after a linear scan has shown it is whole and shallow: a truncated
// download gets its own error (worth a retry), and deep nesting is refused before anything walks it.

import { FeedError } from './errors.js';
import { MAX_JSON_DEPTH } from './snapshot.js';

export function parseFeedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) throw new FeedError('too-deep', `the JSON is nested deeper than ${maxDepth} levels`, { limit: maxDepth });
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  if (inString || depth > 0) throw new FeedError('truncated', 'the JSON ends before its last value is complete');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FeedError('malformed', `the feed is not valid JSON: ${(err as Error).message.slice(0, 200)}`, {}, { cause: err });
  }
}
