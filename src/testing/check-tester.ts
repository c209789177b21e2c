// CheckTester: a check's judge tested on fact fixtures, without a network or root — ESLint's
// RuleTester for siteready checks (and Lighthouse's fixture-artifact audit tests). Each case gives
// facts (and optionally options, thresholds, a site file) and what the verdict must be; the tester
// also proves the fixture matches the check's facts schema, that the judge is pure (the same facts
// give the same verdict twice) and that every message id the judgement uses exists in every
// catalog the check ships, with every placeholder it names given.
//
//   import { describe, it } from 'vitest';
//   import { CheckTester } from 'siteready/testing';
//   CheckTester.describe = describe; CheckTester.it = it;
//   new CheckTester(myCheck).run({ valid: [...], invalid: [...] });

import { createRequire } from 'node:module';
import { stringify } from 'yaml';
import type { Catalog, MeasuredCheck, Message, Status, Target } from '../plugin-api.js';
import { judgeFacts, type Verdict } from '../runner/judge.js';
import { parseSiteText } from '../site/load.js';
import type { Site } from '../site/types.js';

export interface JudgeCase<Options = Record<string, unknown>, Facts = unknown> {
  /** Shown as the test's name (default: the expected status and finding ids). */
  name?: string;
  facts: Facts;
  /** Over the check's defaults. */
  options?: Partial<Options>;
  /** `thresholds:` of the site, without the check's prefix: `{ connectMs: 50 }`. */
  thresholds?: Record<string, number>;
  /** The site the facts were measured on (a YAML object); default: one endpoint, `target`. */
  site?: Record<string, unknown>;
  /** The target judged: by id among the check's targets of the site, or given whole. */
  target?: string | Target;
  /** What the verdict must be. */
  status: Status;
  /** Exact score, or [min, max]. */
  score?: number | null | [number, number];
  /** Finding ids, in any order; omitted: none for a valid case, not checked for an invalid one. */
  findings?: string[];
  /** Measurements that must be there with these values. */
  measurements?: Record<string, unknown>;
}

type TestFn = (name: string, fn: () => void) => void;

const DEFAULT_SITE = {
  version: 1,
  site: { name: 'CheckTester' },
  platform: { endpoints: [{ name: 'target', url: 'https://target.example.test/' }] },
};

const require = createRequire(import.meta.url);

export class CheckTester<Options = Record<string, unknown>, Facts = unknown> {
  /** Set to the test runner's describe/it (vitest, mocha, node:test); without them cases run at once and throw. */
  static describe: ((name: string, fn: () => void) => void) | undefined;
  static it: TestFn | undefined;

  private readonly validateFacts: (facts: unknown) => string | undefined;

  constructor(private readonly check: MeasuredCheck<Options, Facts>) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(check.facts.schema);
    this.validateFacts = (facts) =>
      validate(facts)
        ? undefined
        : (validate.errors ?? []).map((e) => `${e.instancePath || '(facts)'} ${e.message ?? e.keyword}`).join('; ');
  }

  run(cases: { valid?: JudgeCase<Options, Facts>[]; invalid?: JudgeCase<Options, Facts>[] }): void {
    const describe = CheckTester.describe ?? ((_: string, fn: () => void) => fn());
    const it: TestFn = CheckTester.it ?? ((_, fn) => fn());
    describe(`${this.check.meta.id} judge`, () => {
      describe('valid', () => {
        for (const c of cases.valid ?? []) it(c.name ?? label(c), () => this.verify(c, true));
      });
      describe('invalid', () => {
        for (const c of cases.invalid ?? []) it(c.name ?? label(c), () => this.verify(c, false));
      });
    });
  }

  /** The verdict on one case, checked against what it expects; throws with the reason when it differs. */
  verify(c: JudgeCase<Options, Facts>, valid: boolean): Verdict {
    const problem = this.validateFacts(c.facts);
    if (problem) throw new Error(`the fixture's facts do not match the ${this.check.meta.id} facts schema: ${problem}`);
    const { site, target, options } = this.context(c);
    const verdict = judgeFacts(this.check, structuredClone(c.facts), { options, site, target });
    const again = judgeFacts(this.check, structuredClone(c.facts), { options, site, target });
    if (JSON.stringify(again) !== JSON.stringify(verdict)) throw new Error('the judge is not pure: the same facts gave two verdicts');
    if (verdict.error?.kind === 'judge-error') throw new Error(verdict.error.message);

    if (valid && !['pass', 'info', 'skipped'].includes(c.status))
      throw new Error(`a valid case expects pass, info or skipped, not ${c.status}`);
    if (!valid && ['pass'].includes(c.status)) throw new Error('an invalid case cannot expect pass');
    if (verdict.status !== c.status)
      throw new Error(`status ${verdict.status}, expected ${c.status} (score ${verdict.score}; findings ${ids(verdict)})`);
    if (c.score !== undefined) {
      const ok = Array.isArray(c.score)
        ? verdict.score !== null && verdict.score >= c.score[0] && verdict.score <= c.score[1]
        : verdict.score === c.score;
      if (!ok) throw new Error(`score ${verdict.score}, expected ${JSON.stringify(c.score)}`);
    }
    const expected = c.findings ?? (valid ? [] : undefined);
    if (expected && ids(verdict) !== [...expected].sort().join(', '))
      throw new Error(`findings [${ids(verdict)}], expected [${[...expected].sort().join(', ')}]`);
    for (const [id, value] of Object.entries(c.measurements ?? {})) {
      const m = verdict.measurements.find((x) => x.id === id);
      if (!m) throw new Error(`no measurement ${id}`);
      if (JSON.stringify(m.value) !== JSON.stringify(value))
        throw new Error(`measurement ${id} = ${JSON.stringify(m.value)}, expected ${JSON.stringify(value)}`);
    }
    this.verifyMessages(verdict);
    return verdict;
  }

  private context(c: JudgeCase<Options, Facts>): { site: Site; target: Target; options: Options } {
    const siteObject = { ...(c.site ?? DEFAULT_SITE) } as Record<string, unknown>;
    if (c.thresholds) {
      siteObject.thresholds = Object.fromEntries(Object.entries(c.thresholds).map(([k, v]) => [`${this.check.meta.id}.${k}`, v]));
    }
    const { site } = parseSiteText(stringify(siteObject), '<CheckTester>', { env: {}, secrets: 'placeholder' });
    const options = { ...(this.check.inputs?.defaults as Options | undefined), ...(c.options as Options | undefined) } as Options;
    if (c.target && typeof c.target === 'object') return { site, target: c.target, options };
    const targets = this.check.targets(site, options);
    const target = c.target === undefined ? targets[0] : targets.find((t) => t.id === c.target);
    if (!target) throw new Error(`the site gives the check no target${c.target ? ` "${c.target}"` : ''}: give one with site: or target:`);
    return { site, target, options };
  }

  /** Every message the verdict uses exists in every catalog the check ships, with its placeholders filled. */
  private verifyMessages(verdict: Verdict): void {
    const messages: Message[] = verdict.findings.flatMap((f) => [f.message, ...(f.remediation ? [f.remediation] : [])]);
    for (const block of verdict.blocks ?? []) messages.push(...blockMessages(block));
    // A parameter that is a message is a phrase of the same catalog.
    for (let i = 0; i < messages.length; i++) for (const v of Object.values(messages[i]!.params ?? {})) if (isMessage(v)) messages.push(v);
    for (const [lang, catalog] of Object.entries(this.check.messages as Record<string, Catalog>)) {
      for (const m of messages) {
        const text = catalog[m.id];
        if (text === undefined) throw new Error(`message id "${m.id}" is not in the check's ${lang} catalog`);
        // A placeholder is {name}; "${NAME}" in a text is a literal environment reference, not one.
        for (const [, name] of text.matchAll(/(?<!\$)\{(\w+)\}/g)) {
          if (!m.params || !(name! in m.params))
            throw new Error(`message "${m.id}" (${lang}) names {${name}} but the judgement gives no such parameter`);
        }
      }
    }
  }
}

function isMessage(v: unknown): v is Message {
  return typeof v === 'object' && v !== null && typeof (v as Message).id === 'string' && !('value' in v);
}

function blockMessages(block: import('../plugin-api.js').Block): Message[] {
  const out: Message[] = [];
  const add = (v: unknown) => {
    if (isMessage(v)) out.push(v);
  };
  add(block.title);
  if (block.kind === 'table') {
    block.columns.forEach((c) => add(c.label));
    add(block.note);
    block.rows.forEach((r) => Object.values(r).forEach(add));
  } else if (block.kind === 'key-value') {
    for (const i of block.items) {
      add(i.label);
      add(i.value);
    }
  } else if (block.kind === 'series') {
    for (const s of block.series) add(s.label);
    for (const l of block.limits ?? []) add(l.label);
  } else for (const b of block.bars) add(b.label);
  return out;
}

function ids(v: Verdict): string {
  return v.findings
    .map((f) => f.id)
    .sort()
    .join(', ');
}

function label(c: JudgeCase<unknown, unknown>): string {
  return `${c.status}${c.findings?.length ? `: ${c.findings.join(', ')}` : ''}`;
}
