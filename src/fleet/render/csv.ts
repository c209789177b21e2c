// The fleet as a spreadsheet: one row per site, worst first (RFC 4180: CRLF line ends, a field
// quoted when it holds a comma, a quote or a line break, quotes doubled). A cell that a spreadsheet
// would read as a formula (=, +, -, @, and tab or carriage return first) is prefixed with a single
// quote, as OWASP recommends against CSV injection: a site name is data, never a formula.

import type { FleetReport } from '../model.js';
import type { FleetText } from './text.js';

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: formula-guarded text, quoted when it must be. Numbers are written as they are. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(fields: Array<string | number | boolean | null | undefined>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Column names are stable identifiers (for formulas and scripts); values are in the reader's language where they are text. */
export function renderFleetCsv(fleet: FleetReport, x: FleetText): string {
  const platforms = fleet.platforms.map((p) => p.id);
  const header = [
    'site',
    'organisation',
    'verdict',
    'score',
    'grade',
    'complete',
    'blockers',
    'risks',
    'top_cause',
    'top_cause_key',
    'fix',
    'measured_at',
    'tool_version',
    'source',
    ...platforms.flatMap((id) => [`${id}_verdict`, `${id}_score`]),
  ];
  const rows = fleet.sites.map((s) => {
    const top = x.cause(s.topCause);
    const mine = new Map(s.platforms.map((p) => [p.id, p]));
    return csvRow([
      s.site,
      s.organisation,
      s.verdict,
      s.score,
      s.grade,
      s.complete,
      s.blockers,
      s.risks,
      top ? x.title(top) : '',
      s.topCause,
      top ? x.fix(top) : '',
      s.measuredAt,
      s.toolVersion,
      s.source,
      ...platforms.flatMap((id) => [mine.get(id)?.verdict, mine.get(id)?.score]),
    ]);
  });
  return csvRow(header) + rows.join('');
}
