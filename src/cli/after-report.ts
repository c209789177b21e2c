// What `assess` and `report` hand to the steps that run after the report files are written
// (--store, --otlp): where the run's JSON report is, so that a failed step can say how to redo it.

import { existsSync } from 'node:fs';
import type { Lang } from '../i18n/index.js';
import type { OutputTarget } from '../report/render/index.js';
import type { Redactor } from '../site/secrets.js';

/** What `assess` and `report` tell the steps that follow the report files (--store, --otlp). */
export interface AfterReportOptions {
  targets?: OutputTarget[];
  /** `report FILE`: the run's JSON report is that file. */
  importedFrom?: string;
  redactor?: Redactor;
  lang: Lang;
  quiet?: boolean;
}

/** The run's JSON report on disk, if there is one: the file `report` read, or the json=FILE written. */
export function savedReportFile(opts: AfterReportOptions): string | undefined {
  return opts.importedFrom ?? opts.targets?.find((x) => x.format === 'json' && x.path !== '-' && existsSync(x.path))?.path;
}
