// Site file → typed Site: read (bounded), parse YAML keeping positions, interpolate ${ENV},
// validate against the schema, normalise endpoints. Every problem is collected and reported at
// once with file:line:column, so a user fixes a file in one pass.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type Diagnostic } from '../errors.js';
import { parseEndpoint } from './endpoints.js';
import { interpolate } from './interpolate.js';
import { expandPresets, type PortMap } from './presets.js';
import { buildPositionIndex, lookupPosition, type NodePosition } from './positions.js';
import { siteSchema } from './schema.js';
import { portItemProblem } from '../util/port-ranges.js';
import { Redactor } from './secrets.js';
import type { Endpoint, Site, SourceLocation, Waiver } from './types.js';
import { usePrecompiled, validateAgainst, type SchemaProblem } from './validate.js';

usePrecompiled(siteSchema, 'site-validator.cjs');

/** A 1,000-endpoint site is ~150 KB; anything near this limit is not a hand-written site file. */
export const MAX_SITE_BYTES = 4 * 1024 * 1024;

/** How long a site file that is a pipe or FIFO may stay silent before reading gives up. */
export const STREAM_READ_TIMEOUT_MS = 10_000;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** 'placeholder': secrets whose variables are unset are left empty (nothing will use them). Default: an error. */
  secrets?: 'require' | 'placeholder';
  /** Silence allowed from a pipe or FIFO (default STREAM_READ_TIMEOUT_MS). */
  readTimeoutMs?: number;
  redactor?: Redactor;
  /** Name shown in messages; defaults to the path relative to the working directory. */
  displayName?: string;
  /** Platforms to compare instead of the file's `platforms:` (`assess --platform a,b`). */
  platforms?: string[];
  /** Template parameters under the file's own `platform.parameters` (the demo fills `domain` with the lab's zone). */
  presetParameters?: Record<string, string>;
  /** Where `siteready platforms update` keeps vendor feeds (default: the user's cache); false: shipped catalogs only. */
  catalogCache?: string | false;
  /** The demo lab only: catalog ports → the lab's own (see presets.ts). */
  portMap?: PortMap;
}

export interface LoadedSite {
  site: Site;
  redactor: Redactor;
  /** With `secrets: 'placeholder'`: the variables of secrets that were unset (and left empty). */
  unsetSecrets?: string[];
}

export async function loadSiteFile(path: string, opts: LoadOptions = {}): Promise<LoadedSite> {
  const display = opts.displayName ?? (relative(process.cwd(), path) || path);
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw fileError(display, err);
  }
  if (info.isDirectory()) throw single(display, `${display} is a directory, not a site file`, 'pass the path of a .yaml file');
  if (info.size > MAX_SITE_BYTES) {
    throw single(
      display,
      `${display} is ${(info.size / 1048576).toFixed(1)} MiB; site files are limited to ${MAX_SITE_BYTES / 1048576} MiB`,
      'is this the right file? A site with thousands of endpoints is still well under the limit',
    );
  }
  let bytes: Buffer;
  try {
    // A pipe, FIFO or device (/dev/stdin, <(…), /dev/zero) has no size to check up front: it is
    // read up to the cap, and a FIFO nobody writes to is given up on instead of waited for forever.
    bytes = info.isFile() ? await readFile(path) : await readBounded(path, display, opts.readTimeoutMs ?? STREAM_READ_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw fileError(display, err);
  }
  return parseSiteText(bytes, display, opts);
}

export function parseSiteText(bytes: Buffer | string, display: string, opts: LoadOptions = {}): LoadedSite {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  if (buf.length > MAX_SITE_BYTES) throw single(display, `${display} is larger than ${MAX_SITE_BYTES / 1048576} MiB`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    const message = `${display} is not UTF-8 text`;
    throw new ConfigError(message, [{ file: display, line: at.line, column: at.column, message, hint: 'save the file as UTF-8' }]);
  }
  const sourceLines = text.split(/\r?\n/);
  const sha256 = createHash('sha256').update(buf).digest('hex');
  if (text.trim() === '') throw single(display, `${display} is empty`, 'start from `siteready demo` output or examples/small-office.yaml');

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    // Only the first error: after one, the parser reads the rest of the file out of step, and a
    // single misplaced brace used to bury its cause under hundreds of follow-on errors.
    const e = doc.errors[0]!;
    const ref = unquotedFlowReference(text, e.pos[0]);
    // With prettyErrors off the parser leaves linePos unset: compute it from the offset.
    const pos = ref ? lineCounter.linePos(ref.offset) : (e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]));
    throw new ConfigError(`${display}: invalid YAML`, [
      {
        file: display,
        line: pos.line,
        column: pos.col,
        message: ref
          ? `YAML syntax error: \`${ref.reference}\` must be quoted inside { } or [ ]`
          : `YAML syntax error: ${firstLine(e.message)}`,
        hint: ref ? `quote it: ${quoted(ref.value)}` : (yamlHint(e.code) ?? YAML_GENERIC_HINT),
        source: sourceLines[pos.line - 1],
      },
    ]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw single(display, `${display}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw === null || raw === undefined) throw single(display, `${display} has no content (only comments?)`);
  const positions = buildPositionIndex(doc, lineCounter);
  const diag = (problem: SchemaProblem): Diagnostic => {
    const pos = lookupPosition(positions, problem.path ?? '');
    const line = problem.keyPosition && pos.keyLine ? pos.keyLine : pos.line;
    const column = problem.keyPosition && pos.keyColumn ? pos.keyColumn : pos.column;
    return {
      file: display,
      line,
      column,
      path: problem.path || '/',
      message: problem.message,
      ...(problem.hint ? { hint: problem.hint } : {}),
      source: sourceLines[line - 1],
    };
  };

  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${display}: not a site description`, [
      diag({
        path: '',
        message: `expected a mapping at the top level, got ${Array.isArray(raw) ? 'a list' : typeof raw}`,
        hint: 'a site file starts with `version: 1`',
      }),
    ]);
  }

  const redactor = opts.redactor ?? new Redactor();
  const interpolated = interpolate(raw, opts.env ?? process.env, redactor, {
    missingSecrets: opts.secrets === 'placeholder' ? 'placeholder' : 'error',
  });
  if (interpolated.problems.length) {
    throw new ConfigError(`${display}: unresolved references`, interpolated.problems.map(diag));
  }

  // A value that is exactly one ${VAR} was given the type its text has; where the schema wants a
  // string after all (a site named "2024"), it gets its text back.
  let schemaProblems = validateAgainst(siteSchema, interpolated.value);
  const restore = schemaProblems.filter(
    (p) => p.path !== undefined && p.message.startsWith('expected string') && interpolated.retyped.has(p.path),
  );
  if (restore.length) {
    for (const p of restore) setAt(interpolated.value, p.path!, interpolated.retyped.get(p.path!));
    for (const p of restore) setAt(interpolated.redacted, p.path!, interpolated.retyped.get(p.path!));
    schemaProblems = validateAgainst(siteSchema, interpolated.value);
  }
  if (schemaProblems.length) {
    throw new ConfigError(`${display}: ${schemaProblems.length} problem(s) against the site schema`, schemaProblems.map(diag));
  }

  const locate = (pointer: string): SourceLocation => {
    const pos: NodePosition = lookupPosition(positions, pointer);
    return { file: display, line: pos.line, column: pos.column, path: pointer || '/' };
  };
  // Validated against the site schema just above: read as the schema describes it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const data = interpolated.value as Record<string, any>;
  const problems: Diagnostic[] = [];

  const endpoints: Endpoint[] = [];
  const names = new Map<string, number>();
  ((data.platform?.endpoints ?? []) as Record<string, unknown>[]).forEach((rawEp, i) => {
    const pointer = `/platform/endpoints/${i}`;
    const { endpoint, problems: epProblems } = parseEndpoint(rawEp, locate(pointer));
    for (const p of epProblems)
      problems.push(diag({ path: `${pointer}/${p.field}`, message: p.message, ...(p.hint ? { hint: p.hint } : {}) }));
    const name = String(rawEp.name);
    const previous = names.get(name);
    if (previous !== undefined) {
      problems.push(
        diag({
          path: `${pointer}/name`,
          message: `endpoint name "${name}" is already used by endpoint #${previous + 1}`,
          hint: 'names identify endpoints in reports and waivers: make them unique',
        }),
      );
    } else names.set(name, i);
    if (endpoint) endpoints.push(endpoint);
  });
  // Port lists the schema lets through but no check can use (a range that runs backwards, "0-80")
  // are named where they are written, not refused only when a check runs.
  const portLists: Array<[string, unknown]> = [
    ...((data.network?.sweeps ?? []) as Array<{ ports?: unknown[] }>).map(
      (sw, i) => [`/network/sweeps/${i}/ports`, sw.ports] as [string, unknown],
    ),
    ...((data.platform?.endpoints ?? []) as Array<{ ports?: unknown[] }>).map(
      (ep, i) => [`/platform/endpoints/${i}/ports`, ep.ports] as [string, unknown],
    ),
  ];
  for (const [pointer, list] of portLists) {
    if (!Array.isArray(list)) continue;
    list.forEach((item, j) => {
      const problem = portItemProblem(item);
      if (problem)
        problems.push(diag({ path: `${pointer}/${j}`, message: problem, hint: 'ports are 1-65535, ranges are written "low-high"' }));
    });
  }
  const presetRequests = [
    ...(data.platform?.preset ? [{ id: String(data.platform.preset), pointer: '/platform/preset' }] : []),
    ...((opts.platforms ?? data.platforms ?? []) as string[]).map((id, i) => ({ id, pointer: opts.platforms ? '' : `/platforms/${i}` })),
  ];
  const presets = expandPresets(
    presetRequests,
    { ...opts.presetParameters, ...data.platform?.parameters },
    new Set(names.keys()),
    locate,
    opts.portMap,
    opts.catalogCache,
  );
  problems.push(...presets.problems.map(diag));
  if (!data.platform?.endpoints?.length && !presetRequests.length) {
    problems.push(
      diag({
        path: data.platform ? '/platform' : '',
        message: 'no platform endpoints: the site names neither endpoints nor a platform preset',
        hint: 'add `platform: { preset: microsoft-teams }` (see `siteready platforms`) or list platform.endpoints',
      }),
    );
  }
  if (problems.length) throw new ConfigError(`${display}: ${problems.length} problem(s) in endpoints and port lists`, problems);
  const { catalogs, untested } = presets.expanded;

  const waivers: Waiver[] = ((data.compliance?.waivers ?? []) as Omit<Waiver, 'location'>[]).map((w, i) => ({
    ...w,
    location: locate(`/compliance/waivers/${i}`),
  }));

  const site: Site = {
    version: 1,
    file: display,
    sha256,
    site: data.site,
    network: {
      links: data.network?.links ?? [],
      ...(data.network?.proxy ? { proxy: data.network.proxy } : {}),
      ...(data.network?.dns ? { dns: data.network.dns } : {}),
      ...(data.network?.sweeps ? { sweeps: data.network.sweeps } : {}),
    },
    platform: {
      ...data.platform,
      endpoints: [...endpoints, ...presets.expanded.endpoints],
      ...(catalogs.length
        ? {
            catalogs,
            untested,
            ...(presets.expanded.warnings.length ? { catalogWarnings: presets.expanded.warnings } : {}),
            thresholdsBy: Object.fromEntries(
              Object.entries(presets.expanded.thresholdsBy).map(([id, t]) => [id, { ...t, ...data.thresholds }]),
            ),
          }
        : {}),
    },
    ...((opts.platforms ?? data.platforms) ? { platforms: opts.platforms ?? data.platforms } : {}),
    ...(data.probe ? { probe: data.probe } : {}),
    ...(data.demand ? { demand: data.demand } : {}),
    ...(data.qos ? { qos: data.qos } : {}),
    security: data.security ?? {},
    compliance: { profiles: data.compliance?.profiles ?? [], waivers },
    ...(data.data ? { data: data.data } : {}),
    ...(data.vendor ? { vendor: data.vendor } : {}),
    ...(data.policy ? { policy: data.policy } : {}),
    thresholds: { ...presets.expanded.thresholds, ...data.thresholds },
    checks: data.checks ?? {},
    plugins: data.plugins ?? [],
    ...(data.gate ? { gate: data.gate } : {}),
    redacted: interpolated.redacted,
    locate,
  };
  return { site, redactor, unsetSecrets: interpolated.unsetSecrets };
}

function setAt(root: unknown, pointer: string, value: unknown): void {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = root as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

/**
 * Reads a non-regular file (pipe, FIFO, device) up to MAX_SITE_BYTES, giving up after `idleMs`
 * without a byte. The file is opened non-blocking: a blocking open or read of a FIFO nobody writes
 * to would hold a thread of the pool, and the process could not even exit.
 */
async function readBounded(path: string, display: string, idleMs: number): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    let lastByte = Date.now();
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(buf, 0, buf.length, null));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        if (Date.now() - lastByte > idleMs) {
          throw single(
            display,
            `${display}: nothing to read for ${Math.round(idleMs / 1000)} s`,
            'is it a FIFO or terminal nobody writes to? Pass the path of a .yaml file',
          );
        }
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      if (n === 0) return Buffer.concat(chunks);
      size += n;
      if (size > MAX_SITE_BYTES)
        throw single(
          display,
          `${display} is larger than ${MAX_SITE_BYTES / 1048576} MiB`,
          'is this the right file? A site with thousands of endpoints is still well under the limit',
        );
      chunks.push(Buffer.from(buf.subarray(0, n)));
      lastByte = Date.now();
    }
  } finally {
    await handle.close();
  }
}

function single(file: string, message: string, hint?: string): ConfigError {
  return new ConfigError(message, [{ file, message, ...(hint ? { hint } : {}) }]);
}

function fileError(display: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return single(display, `${display}: no such file`, 'check the path; `siteready demo` shows a working example');
    case 'EACCES':
    case 'EPERM':
      return single(display, `${display}: permission denied`, 'make the file readable by this user');
    case 'EISDIR':
      return single(display, `${display} is a directory, not a site file`);
    default:
      return single(display, `${display}: cannot read (${code ?? (err instanceof Error ? err.message : String(err))})`);
  }
}

/** Line and column (in characters) of the first byte that is not part of a valid UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(buf: Buffer): { line: number; column: number } {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > buf.length) break;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    const b1 = buf[i + 1]!;
    if (b1 < lo || b1 > hi) break;
    let k = 2;
    while (k < len && (buf[i + k]! & 0xc0) === 0x80) k++;
    if (k < len) break;
    i += len;
  }
  const before = buf.subarray(0, i);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  let line = 1;
  for (const byte of before) if (byte === 0x0a) line++;
  // Everything before the bad byte is valid UTF-8; count characters, not bytes, for the column.
  const column = [...new TextDecoder('utf-8').decode(buf.subarray(lineStart, i))].length + 1;
  return { line, column };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

const YAML_GENERIC_HINT = 'look for an unclosed quote or bracket; quote values that contain ": ", " #", "{", "[" or ","';

/**
 * The classic mistake in a flow collection: `{ password: ${TURN_PASSWORD} }`. There a plain value
 * ends at `{`, so YAML reads `$` as the value and `{TURN_PASSWORD}` as a nested mapping; the parser
 * reports the `{`. Returns the reference (at its `$`) and the whole plain value it sits in.
 */
export function unquotedFlowReference(text: string, errorOffset: number): { offset: number; reference: string; value: string } | undefined {
  if (text[errorOffset] !== '{' || text[errorOffset - 1] !== '$') return undefined;
  const offset = errorOffset - 1;
  const reference = /^\$\{[^}\n]*\}/.exec(text.slice(offset))?.[0];
  if (!reference) return undefined;
  // Back to the indicator that began the value ("{", "[", "," or "key: "), on to the one that ends it.
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let from = offset;
  while (from > lineStart) {
    const c = text[from - 1];
    if (c === '{' || c === '[' || c === ',' || (c === ' ' && text[from - 2] === ':')) break;
    from--;
  }
  let to = offset;
  while (to < text.length) {
    if (text.startsWith('${', to)) {
      const close = text.indexOf('}', to);
      if (close < 0 || text.slice(to, close).includes('\n')) break;
      to = close + 1;
      continue;
    }
    const c = text[to];
    if (c === ',' || c === ']' || c === '}' || c === '\n' || c === '\r' || (c === ' ' && text[to + 1] === '#')) break;
    to++;
  }
  return { offset, reference, value: text.slice(from, to).trim() };
}

function quoted(value: string): string {
  return value.includes('"') ? `'${value.replace(/'/g, "''")}'` : `"${value}"`;
}

/** What to do about a YAML parser error, by its code (shared with the profile loader). */
export function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'a key appears twice in the same mapping; remove one';
    case 'TAB_AS_INDENT':
      return 'YAML indentation must use spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation of this line against the lines above';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a key is missing its ":" or a quote is not closed';
    case 'BAD_SCALAR_START':
      return 'a value starting with @ or ` must be quoted';
    case 'BAD_DQ_ESCAPE':
      return 'inside "double quotes" a backslash starts an escape: write \\\\ or use single quotes';
    default:
      return undefined;
  }
}
