// Where a history store lives: `--store` with no value (or `default`), `sqlite:PATH`, or
// `postgres://user:pass@host:port/db`. A password in the URL is never shown: every place that
// names a store uses `display`, with the password masked, and errors pass through `redact`.

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Redactor } from '../site/secrets.js';
import { UsageError } from '../errors.js';

/**
 * `display` names the store in messages (password masked); `spec` is what to give --store again in
 * a command we print: the user's own spelling when its password is a `${VAR}` reference or absent.
 */
export type StoreLocation =
  | { kind: 'sqlite'; path: string; display: string; spec: string; redactor: Redactor }
  | { kind: 'postgres'; url: string; display: string; spec: string; redactor: Redactor };

/** The user's data directory for siteready: XDG on Linux and BSD, Application Support on macOS, %LOCALAPPDATA% on Windows. */
export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'siteready');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'siteready');
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(xdg, 'siteready');
}

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return join(dataDir(env, platform), 'history.sqlite');
}

/**
 * `${NAME}` references are replaced by the variable's value — percent-encoded in a URL (a password
 * may hold any character) — and a reference to a variable that is not set is a usage error naming
 * it. Also for the other options that take a secret by reference (--otlp, --otlp-header).
 */
export function expandReferences(
  spec: string,
  env: NodeJS.ProcessEnv,
  { option = '--store', encode = true }: { option?: string; encode?: boolean } = {},
): string {
  return spec.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = env[name];
    if (value === undefined || value === '')
      throw new UsageError(`${option} refers to \${${name}}, which is not set`, `export ${name}=… before running siteready`);
    return encode ? encodeURIComponent(value) : value;
  });
}

/** The URL with its password replaced by `***`, for every message that names a store or a receiver. */
export function maskUrlPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL: mask anything between "//user:" and "@" all the same.
    return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
  }
}

/** A URL's password, as written and decoded, is a secret to mask wherever it might be shown. */
export function registerUrlPassword(url: URL, redactor: Redactor): void {
  const password = decodeURIComponent(url.password);
  if (password) {
    redactor.add(password);
    redactor.add(url.password);
  }
}

/**
 * How to give a URL option again in a command we print: the user's own spelling when its
 * password is a `${VAR}` reference or absent, else the expanded URL with the password masked.
 */
export function respelling(raw: string, expanded: string): string {
  const literal = /^[a-z][a-z0-9+.-]*:\/\/[^/:@]*:([^@/]*)@/i.exec(raw)?.[1];
  return literal === undefined || literal === '' || /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(literal) ? raw : maskUrlPassword(expanded);
}

export function parseStoreLocation(
  spec: string | boolean | undefined,
  opts: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; cwd?: string } = {},
): StoreLocation {
  const env = opts.env ?? process.env;
  const raw = spec === undefined || spec === true || spec === '' || spec === 'default' ? 'default' : String(spec);
  const redactor = new Redactor();
  if (raw === 'default') {
    const path = defaultStorePath(env, opts.platform);
    return { kind: 'sqlite', path, display: `sqlite:${path}`, spec: `sqlite:${path}`, redactor };
  }
  if (raw.startsWith('sqlite:')) {
    const rest = expandReferences(raw.slice('sqlite:'.length), env).replace(/^\/\/(?=\/)/, '');
    if (!rest) throw new UsageError('--store sqlite: needs a file path', 'e.g. --store sqlite:history.sqlite');
    const path = resolve(opts.cwd ?? process.cwd(), rest);
    return { kind: 'sqlite', path, display: `sqlite:${path}`, spec: `sqlite:${path}`, redactor };
  }
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    const url = expandReferences(raw, env);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(
        `--store ${maskUrlPassword(raw)} is not a valid URL`,
        'e.g. --store postgres://siteready:${PGPASSWORD}@db.example:5432/siteready',
      );
    }
    registerUrlPassword(parsed, redactor);
    return { kind: 'postgres', url, display: maskUrlPassword(url), spec: respelling(raw, url), redactor };
  }
  throw new UsageError(
    `--store ${maskUrlPassword(raw)}: unknown kind of store`,
    'give sqlite:PATH, postgres://user@host:port/db, or no value for the default SQLite file in the data directory',
  );
}
