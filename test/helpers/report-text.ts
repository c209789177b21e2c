// Reports (2.0.0) carry message ids and parameters only; people read them rendered. This gives
// tests the English a reader gets: every finding's message and fix (and every blocker's, and the
// gate's reasons) rendered with the real catalogs — the built-in checks' messages and the
// catalogs the report carries (plugins, compliance profiles) — through the renderers' own
// messageText and translator('en'). A message id that no catalog knows is an error here, not
// "id (params)": a finding a reader cannot read is a defect the tests must see.

import type { Catalog, Message } from '../../src/plugin-api.js';
import { translator } from '../../src/i18n/index.js';
import type { Report as FullReport } from '../../src/report/model.js';
import { catalogsFor, messageText, resultOfBlocker } from '../../src/report/render/localize.js';
import { builtinChecks } from '../../src/runner/registry.js';

interface FindingLike {
  id: string;
  message: Message;
  remediation?: Message;
}
interface ResultLike {
  check: string;
  target: string;
  findings: FindingLike[];
}
interface BlockerLike {
  check: string;
  target: string;
  finding: string;
}
interface ReportLike {
  results: ResultLike[];
  blockers?: BlockerLike[];
  gate?: { reasons: Message[] };
  catalogs?: Record<string, Record<string, Catalog>>;
}

/** What a reader sees of a finding: its message (`text`) and remediation (`fix`) in English. */
export interface EnglishText {
  text: string;
  fix?: string;
}

export type EnglishFinding<F> = F & EnglishText;
export type EnglishResult<R extends ResultLike> = {
  [K in keyof R]: K extends 'findings' ? Array<EnglishFinding<R['findings'][number]>> : R[K];
};
export type EnglishReport<R extends ReportLike> = {
  [K in keyof R]: K extends 'results'
    ? Array<EnglishResult<R['results'][number]>>
    : K extends 'blockers'
      ? Array<NonNullable<R['blockers']>[number] & EnglishText>
      : K extends 'gate'
        ? NonNullable<R['gate']> & { text: string[] }
        : R[K];
};

/** A check's message in English, as the junit and SARIF renderers are given it. */
export type EnglishMessage = (check: string, msg: Message) => string;

let builtins: Promise<Map<string, Record<string, Catalog>>> | undefined;

function builtinCatalogs(): Promise<Map<string, Record<string, Catalog>>> {
  builtins ??= builtinChecks().then(
    (checks) => new Map(checks.filter((c) => c.def).map((c) => [c.id, c.def!.messages as Record<string, Catalog>])),
  );
  return builtins;
}

/**
 * English text of a report's messages: the built-in checks' catalogs and the report's own. Strict:
 * throws for a message id (or an "@id" parameter) no catalog has, where the renderers would print
 * the bare id.
 */
export async function englishMessages(report: Pick<ReportLike, 'catalogs'>): Promise<EnglishMessage> {
  const catalogs = catalogsFor(report as FullReport, await builtinCatalogs());
  const en = translator('en');
  return (check, msg) => {
    const c = catalogs.get(check);
    const nested = Object.values(msg.params ?? {}).flatMap((v) => (typeof v === 'string' && v.startsWith('@') ? [v.slice(1)] : []));
    for (const id of [msg.id, ...nested]) {
      if (c?.en?.[id] === undefined)
        throw new Error(`no English text for ${check} message ${id} (${c ? 'not in its catalog' : 'no catalog for the check'})`);
    }
    return messageText(en, c, msg);
  };
}

/**
 * A copy of the report where every finding has its English `text` (and `fix` when it has a
 * remediation), every blocker the text and fix of the finding it names, and the gate its reasons
 * as `text`. The ids and parameters stay as they are.
 */
export async function englishReport<R extends ReportLike>(report: R): Promise<EnglishReport<R>> {
  const text = await englishMessages(report);
  const copy = structuredClone(report) as unknown as ReportLike & { gate?: { reasons: Message[]; text?: string[] } };
  for (const r of copy.results) {
    for (const f of r.findings as Array<FindingLike & Partial<EnglishText>>) {
      f.text = text(r.check, f.message);
      if (f.remediation) f.fix = text(r.check, f.remediation);
    }
  }
  for (const b of (copy.blockers ?? []) as Array<BlockerLike & Partial<EnglishText>>) {
    const r = resultOfBlocker(copy as unknown as FullReport, b);
    const f = r?.findings.find((x) => x.id === b.finding) as (FindingLike & Partial<EnglishText>) | undefined;
    if (!f) throw new Error(`blocker ${b.check}:${b.target} names finding ${b.finding}, which no result has`);
    b.text = f.text!;
    if (f.fix !== undefined) b.fix = f.fix;
  }
  if (copy.gate) {
    const en = translator('en');
    copy.gate.text = copy.gate.reasons.map((m) => {
      const s = en.t(m.id, m.params);
      if (s === m.id) throw new Error(`no English text for gate reason ${m.id}`);
      return s;
    });
  }
  return copy as unknown as EnglishReport<R>;
}
