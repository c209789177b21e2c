import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, read once from package.json (works from src/ under vitest and from dist/). */
export function toolVersion(): string {
  if (cached) return cached;
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'siteready' && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return (cached = '0.0.0');
}

/** The package's root folder (holds package.json, examples/, checks/ READMEs). */
export function packageRoot(): string {
  for (const rel of ['../', '../../']) {
    const url = new URL(rel, import.meta.url);
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string };
      if (pkg.name === 'siteready') return decodeURIComponent(url.pathname);
    } catch {
      // try the next candidate
    }
  }
  throw new Error('cannot find the siteready package root');
}
