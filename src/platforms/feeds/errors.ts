// One error type for everything that can go wrong between a vendor's feed and a cached snapshot.
// The CLI maps `kind` to a message id; the English message is for logs and library users.

export type FeedErrorKind =
  /** The catalog names no machine-readable feed. */
  | 'no-feed'
  /** A snapshot or cache entry belongs to another platform or format. */
  | 'mismatch'
  /** A catalog id that cannot be a cache file name. */
  | 'invalid-id'
  | 'invalid-url'
  | 'unsupported-scheme'
  /** An https feed redirected to plain http. */
  | 'insecure-redirect'
  | 'too-many-redirects'
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** DNS, connect, reset: the request never got an answer. */
  | 'network'
  /** The proxy refused the tunnel (status in detail). */
  | 'proxy'
  | 'http-status'
  /** 429: the vendor asks to be polled less often. */
  | 'rate-limited'
  /** The body is larger than the cap. */
  | 'too-large'
  /** An HTML page where a feed was expected (a portal, a login or error page served with 200). */
  | 'html'
  /** The body ends in the middle of a JSON value or a quoted CSV field. */
  | 'truncated'
  | 'malformed'
  | 'too-deep'
  /** Well-formed, but not the vendor's format (an object where an array belongs, no URL column). */
  | 'shape'
  /** More lines, entries or ranges than any real feed has. */
  | 'too-many'
  /** Nothing usable in the feed: every entry was rejected or there were none. */
  | 'empty'
  /** The snapshot could not be written to the cache folder. */
  | 'cache';

/** Where in a feed a line or entry was rejected, for the report; only the first few are kept. */
export interface FeedProblem {
  /** "line 12", "entry id 11", "record 4". */
  at: string;
  reason: string;
  /** Skipped, or kept after normalising (a CIDR with host bits set). */
  action: 'skipped' | 'normalised';
}

export interface FeedErrorDetail {
  url?: string;
  status?: number;
  /** Seconds, from Retry-After. */
  retryAfter?: number;
  limit?: number;
  /** A network error's code (ECONNREFUSED, UND_ERR_SOCKET, ...). */
  code?: string;
  problems?: FeedProblem[];
  problemCount?: number;
}

export class FeedError extends Error {
  constructor(
    readonly kind: FeedErrorKind,
    message: string,
    readonly detail: FeedErrorDetail = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FeedError';
  }
}

export function isFeedError(err: unknown): err is FeedError {
  return err instanceof FeedError;
}
