// Limits of an HTTP exchange that check options default to. Their own module: planning reads them
// without loading the HTTP client.

/** Body bytes an answer may have: endpoint URLs answer with a page or a small document. */
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;
