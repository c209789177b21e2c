// `siteready init [file]`: writes a commented starting site file that validates. On a terminal it
// asks for what the flags did not give; with --yes, or when standard input is not a terminal, it
// never asks and names what is missing instead. The proxy comes from local configuration only,
// and no secret is ever written: a password or token becomes a ${VAR} reference.

import { lstat } from 'node:fs/promises';
import { UsageError, ConfigError, type Diagnostic } from '../errors.js';
import { detectLang, type Lang } from '../i18n/index.js';
import { writeFileAtomic } from '../report/write-file.js';
import { readShippedCatalog, shippedCatalogIds } from '../site/catalogs.js';
import { parseSiteText } from '../site/load.js';
import { writeStdout } from './lifecycle.js';
import { detectProxySettings } from './init-detect.js';
import { im } from './init-messages.js';
import { describeProblem, InputClosed, promptAnswers, type PromptIO } from './init-prompt.js';
import { buildInitSite, type CatalogChoice, type Field, type InitAnswers, type InitFlags, type InitResult } from './init-site.js';
import { renderInitYaml } from './init-yaml.js';

export interface InitCommandFlags extends InitFlags {
  force?: boolean;
  yes?: boolean;
  lang?: Lang;
  /** false with --no-detect-proxy: write no proxy from the environment or the desktop. */
  detectProxy?: boolean;
}

/** Exit code of a dialogue left with Ctrl-C, as the shell reports SIGINT. */
const EXIT_INTERRUPTED = 130;

export function catalogChoices(): CatalogChoice[] {
  return shippedCatalogIds().map((id) => {
    const c = readShippedCatalog(id);
    return { id, name: c.name, kind: c.kind, parameters: (c.parameters ?? []).map((p) => p.name) };
  });
}

export async function initCommand(file: string | undefined, flags: InitCommandFlags): Promise<void> {
  const lang = flags.lang ?? detectLang();
  const target = file ?? 'site.yaml';
  const toStdout = target === '-';
  // Refused before any question is asked: answering them all to be told "exists" would be unkind.
  if (!toStdout) await checkTarget(target, flags, lang);

  const catalogs = catalogChoices();
  const detected = flags.detectProxy === false ? {} : await detectProxySettings();
  const interactive = !flags.yes && process.stdin.isTTY === true;

  let answers: InitAnswers = {};
  if (interactive) {
    // A wrong flag is said before the questions, not after them all have been answered.
    const early = buildInitSite(flags, {}, { catalogs, detected });
    const wrong = early.problems.filter((p) => p.id !== 'needsDomain');
    if (wrong.length) throw initError({ ...early, problems: wrong, missing: [] }, flags, target, lang);
    const io = terminalIO();
    try {
      answers = await promptAnswers(flags, catalogs, lang, io, toStdout ? 'site.yaml' : target);
    } catch (err) {
      if (err instanceof Interrupted) {
        process.exitCode = EXIT_INTERRUPTED;
        return;
      }
      if (err instanceof InputClosed) throw new UsageError(im(lang, 'inputClosed'));
      throw err;
    } finally {
      io.close();
    }
  }

  const result = buildInitSite(flags, answers, { catalogs, detected });
  if (!result.site) throw initError(result, flags, target, lang);
  const text = renderInitYaml(result.site, { file: toStdout ? 'site.yaml' : target });
  assertValid(text);

  for (const note of result.notes) process.stderr.write(`${im(lang, note.id, note.params)}\n`);
  if (result.site.probe) process.stderr.write(`${im(lang, 'tokenNote')}\n`);
  if (toStdout) {
    await writeStdout(text);
    return;
  }
  // Checked again: the questions may have taken minutes, and a file may have appeared meanwhile.
  await checkTarget(target, flags, lang);
  try {
    await writeFileAtomic(target, text);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(im(lang, 'notWritable', { file: target, why }));
  }
  process.stderr.write(`${im(lang, 'wrote', { file: target })}\n${im(lang, 'next', { file: target })}\n`);
}

async function checkTarget(target: string, flags: InitCommandFlags, lang: Lang): Promise<void> {
  let info;
  try {
    // lstat: a symbolic link, even a dangling one, is something the user has and would lose.
    info = await lstat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(im(lang, 'notWritable', { file: target, why: (err as NodeJS.ErrnoException).code ?? String(err) }));
  }
  if (info.isDirectory()) throw new UsageError(im(lang, 'notWritable', { file: target, why: 'EISDIR' }));
  if (!flags.force) throw new UsageError(im(lang, 'exists', { file: target }), im(lang, 'existsHint'));
}

/**
 * The generated text is loaded as `validate` would load it (secrets as placeholders: their
 * variables need not be set here). A failure is a defect of this command, never the user's.
 */
function assertValid(text: string): void {
  try {
    parseSiteText(text, 'site.yaml', { env: {}, secrets: 'placeholder', catalogCache: false });
  } catch (err) {
    const detail = err instanceof ConfigError ? err.diagnostics.map((d) => `${d.path ?? ''} ${d.message}`).join('; ') : String(err);
    throw new Error(`the generated site file does not validate: ${detail}`, { cause: err });
  }
}

const FLAG_OF: Record<Field, string> = {
  platform: '--platform',
  domain: '--domain',
  name: '--name',
  size: '--size',
  users: '--users',
  country: '--country',
  link: '--link',
  probe: '--probe',
  pac: '--pac',
  proxy: '--proxy',
};

function shellArg(s: string): string {
  return /^[\w./:,@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function initError(result: InitResult, flags: InitCommandFlags, target: string, lang: Lang): ConfigError {
  // A template without its domain is both a problem and missing: said once, as missing.
  const problems = result.problems.filter((p) => !(p.id === 'needsDomain' && result.missing.includes('domain')));
  if (problems.length) {
    const diagnostics: Diagnostic[] = problems.map((p) => {
      const { message, hint } = describeProblem(lang, p);
      return { message: `${FLAG_OF[p.field]}: ${message}`, ...(hint ? { hint } : {}) };
    });
    return new ConfigError(
      diagnostics.length === 1 ? diagnostics[0]!.message : im(lang, 'problems', { count: diagnostics.length }),
      diagnostics,
    );
  }
  const needsDomain = result.problems.find((p) => p.id === 'needsDomain');
  const explain: Record<string, string> = {
    name: im(lang, 'askName'),
    platform: im(lang, 'askPlatforms'),
    domain: needsDomain ? describeProblem(lang, needsDomain).message : '',
  };
  const example = [
    'siteready init',
    ...(target === 'site.yaml' ? [] : [shellArg(target)]),
    `--name ${shellArg(flags.name ?? 'Shanghai branch')}`,
    `--platform ${shellArg(flags.platform?.join(',') || 'microsoft-teams')}`,
    ...(result.missing.includes('domain') ? ['--domain chat.example.com'] : flags.domain ? [`--domain ${shellArg(flags.domain)}`] : []),
    '--yes',
  ].join(' ');
  const what = result.missing.map((f) => FLAG_OF[f]).join(', ');
  const diagnostics: Diagnostic[] = result.missing.map((f, i) => ({
    message: `${FLAG_OF[f]}${explain[f] ? `: ${explain[f]}` : ''}`,
    ...(i === result.missing.length - 1 ? { hint: im(lang, 'missingHint', { example }) } : {}),
  }));
  return new ConfigError(im(lang, 'missing', { what }), diagnostics);
}

class Interrupted extends Error {}

/** Questions on stderr, so that `init -` keeps standard output for the file alone. */
function terminalIO(): PromptIO & { close(): void } {
  let rl: import('node:readline/promises').Interface | undefined;
  const open = async () => {
    if (!rl) {
      const { createInterface } = await import('node:readline/promises');
      rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    }
    return rl;
  };
  return {
    async ask(question) {
      const r = await open();
      return new Promise<string | undefined>((resolve, reject) => {
        const onClose = () => resolve(undefined);
        // Without a listener readline only pauses on Ctrl-C: leave the dialogue instead, writing nothing.
        const onSigint = () => {
          process.stderr.write('\n');
          reject(new Interrupted());
        };
        r.once('close', onClose);
        r.once('SIGINT', onSigint);
        r.question(question).then(
          (answer) => {
            r.off('close', onClose);
            r.off('SIGINT', onSigint);
            resolve(answer);
          },
          () => resolve(undefined),
        );
      });
    },
    say(line) {
      process.stderr.write(`${line}\n`);
    },
    close() {
      rl?.close();
    },
  };
}
