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
 * `${NAME}` references are replaced by the variable's value, percent-encoded (a password may hold
 * any character); a reference to a variable that is not set is a usage error naming it.
 */
function expandReferences(spec: string, env: NodeJS.ProcessEnv): string {
  return spec.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = env[name];
    if (value === undefined || value === '')
      throw new UsageError(`--store refers to \${${name}}, which is not set`, `export ${name}=… before running siteready`);
    return encodeURIComponent(value);
  });
}

/** The URL with its password replaced by `***`, for every message that names the store. */
export function maskStoreUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL: mask anything between "//user:" and "@" all the same.
    return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
  }
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
        `--store ${maskStoreUrl(raw)} is not a valid URL`,
        'e.g. --store postgres://siteready:${PGPASSWORD}@db.example:5432/siteready',
      );
    }
    const password = decodeURIComponent(parsed.password);
    if (password) {
      redactor.add(password);
      redactor.add(parsed.password);
    }
    const literal = /^postgres(?:ql)?:\/\/[^/:@]*:([^@/]*)@/i.exec(raw)?.[1];
    const spec = literal === undefined || literal === '' || /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(literal) ? raw : maskStoreUrl(url);
    return { kind: 'postgres', url, display: maskStoreUrl(url), spec, redactor };
  }
  throw new UsageError(
    `--store ${maskStoreUrl(raw)}: unknown kind of store`,
    'give sqlite:PATH, postgres://user@host:port/db, or no value for the default SQLite file in the data directory',
  );
}
