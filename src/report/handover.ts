// Who hands the report over, to whom, under which logo: the cover of the HTML and the head of the
// Markdown. The logo is read once and embedded as a data: URI (the HTML fetches nothing).

import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { UsageError } from '../errors.js';

export interface Handover {
  preparedBy?: string;
  client?: string;
  /** data:image/…;base64,… */
  logo?: string;
}

/** A logo bigger than this is not a logo (and would bloat a report that gets e-mailed). */
export const MAX_LOGO_BYTES = 512 * 1024;

const TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.svg': 'image/svg+xml' };

/** Reads and checks the logo; a usage error (exit 2) for a missing, oversized or unknown file. */
export function readLogo(path: string): string {
  const type = TYPES[extname(path).toLowerCase()];
  if (!type) throw new UsageError(`--logo ${path}: not a PNG, JPEG or SVG file`, 'give a .png, .jpg or .svg file');
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`--logo ${path}: no such file`, 'give the path of the logo image');
  }
  if (size > MAX_LOGO_BYTES)
    throw new UsageError(
      `--logo ${path} is ${Math.round(size / 1024)} KiB; logos are limited to ${MAX_LOGO_BYTES / 1024} KiB`,
      'use a smaller image',
    );
  return `data:${type};base64,${readFileSync(path).toString('base64')}`;
}

export function handoverOf(flags: { preparedBy?: string; client?: string; logo?: string }): Handover | undefined {
  const h: Handover = {
    ...(flags.preparedBy ? { preparedBy: flags.preparedBy } : {}),
    ...(flags.client ? { client: flags.client } : {}),
    ...(flags.logo ? { logo: readLogo(flags.logo) } : {}),
  };
  return Object.keys(h).length ? h : undefined;
}
