// The questions `siteready init` asks on a terminal. Each answer is checked with the same parser
// the flags go through and asked again until it is usable, so what reaches buildInitSite() from
// here is always valid. The terminal is behind two functions (ask, say): the dialogue runs the same
// against a script of answers.

import type { Lang } from '../i18n/index.js';
import { guessText, im, type InitMessageId } from './init-messages.js';
import {
  parseCountry,
  parseDomain,
  parseLinks,
  parseName,
  parsePlatforms,
  parseSize,
  parseUsers,
  type CatalogChoice,
  type InitAnswers,
  type InitFlags,
  type InitProblem,
  type Parsed,
} from './init-site.js';

export interface PromptIO {
  /** The answer typed, or undefined when input ended. */
  ask(question: string): Promise<string | undefined>;
  say(line: string): void;
}

/** Input ended before the questions were answered. */
export class InputClosed extends Error {
  constructor() {
    super('input closed');
    this.name = 'InputClosed';
  }
}

/** A problem as a person reads it: the message, then what to do (a did-you-mean first). */
export function describeProblem(lang: Lang, p: InitProblem): { message: string; hint?: string } {
  const hint = [
    p.guessFrom ? guessText(lang, p.guessFrom.input, p.guessFrom.candidates) : '',
    p.hint ? im(lang, p.hint.id, p.hint.params) : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { message: im(lang, p.id, p.params), ...(hint ? { hint } : {}) };
}

/**
 * Asks for every value the flags did not give. Required ones (name, platforms, a template's
 * domain) are asked until answered; optional ones accept an empty answer.
 */
export async function promptAnswers(
  flags: InitFlags,
  catalogs: CatalogChoice[],
  lang: Lang,
  io: PromptIO,
  file: string,
): Promise<InitAnswers> {
  const answers: InitAnswers = {};
  io.say(im(lang, 'intro', { file }));

  const askUntil = async <T>(id: InitMessageId, params: Record<string, string>, parse: (s: string) => Parsed<T>, optional: boolean) => {
    for (;;) {
      const answer = await io.ask(`${im(lang, id, params)}: `);
      if (answer === undefined) throw new InputClosed();
      if (answer.trim() === '' && optional) return undefined;
      if (answer.trim() === '') continue;
      const parsed = parse(answer);
      if (parsed.ok) return answer.trim();
      const { message, hint } = describeProblem(lang, parsed.problem);
      io.say(`  ${message}${hint ? ` — ${hint}` : ''}`);
    }
  };

  if (flags.name === undefined) answers.name = await askUntil('askName', {}, parseName, false);

  let platforms: string[] = [];
  if (!flags.platform?.length) {
    const list = (kind: CatalogChoice['kind']) =>
      catalogs
        .filter((c) => c.kind === kind)
        .map((c) => c.id)
        .join(', ');
    io.say(im(lang, 'platformsList', { saas: list('saas'), selfHosted: list('self-hosted') }));
    answers.platform = await askUntil('askPlatforms', {}, (s) => nonEmpty(parsePlatforms(s, catalogs)), false);
    platforms = (parsePlatforms(answers.platform!, catalogs) as { value: string[] }).value;
  } else {
    const parsed = parsePlatforms(flags.platform, catalogs);
    if (parsed.ok) platforms = parsed.value;
  }
  const templates = platforms.filter((id) => catalogs.find((c) => c.id === id)?.kind === 'self-hosted');
  if (templates.length && flags.domain === undefined)
    answers.domain = await askUntil('askDomain', { platforms: templates.join(', ') }, parseDomain, false);

  if (flags.country === undefined) answers.country = await askUntil('askCountry', {}, parseCountry, true);
  if (flags.users === undefined) answers.users = await askUntil('askUsers', {}, parseUsers, true);
  if (flags.size === undefined) answers.size = await askUntil('askSize', {}, parseSize, true);
  if (!flags.link?.length) answers.link = await askUntil('askLinks', {}, parseLinks, true);
  return Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== undefined)) as InitAnswers;
}

function nonEmpty<T>(parsed: Parsed<T[]>): Parsed<T[]> {
  return parsed.ok && parsed.value.length === 0
    ? { ok: false, problem: { field: 'platform', id: 'unknownPlatform', params: { input: '' } } }
    : parsed;
}
