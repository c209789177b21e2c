// Offending items are data or phrases with message ids now (phrases.ts); nothing is translated
// from English here any more. This is left only because src/report/render/html-tls.ts, which
// draws the rules[] of reports made before the tls check published facts, still imports it:
// delete it together with that section.

import type { Lang } from '../i18n/index.js';

/** One offending item of an older report, as it was written. */
export function offendingIn(_lang: Lang, item: string): string {
  return item;
}
