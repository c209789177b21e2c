// "This audit also stands for …": the targets a shared measurement covers, in a line a reader can
// take in (a server with 300 endpoints names the first few and counts the rest).

type Translate = (id: string, params?: Record<string, string | number>) => string;

const NAMED = 8;

export function coversText(t: Translate, covers: readonly string[]): string {
  const named = covers.slice(0, NAMED).join(', ');
  const targets = covers.length > NAMED ? t('report.coversMore', { targets: named, more: covers.length - NAMED }) : named;
  return t('report.covers', { count: covers.length, targets });
}
