// Compliance profiles named in the site file must exist: profiles/<id>.yaml in the package, a
// path relative to the site file, or `<package>/<id>` from a plugin package. Evaluating them is the compliance engine's job; an unknown
// name is a configuration error found before anything runs.

import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type Diagnostic } from '../errors.js';
import type { Site } from '../site/types.js';
import { didYouMean } from '../util/suggest.js';
import { packageRoot } from '../version.js';

export function shippedProfiles(): string[] {
  const dir = join(packageRoot(), 'profiles');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

export function assertProfilesExist(site: Site, siteDir: string): void {
  const known = shippedProfiles();
  const problems: Diagnostic[] = [];
  site.compliance.profiles.forEach((name, i) => {
    // `<package>/<id>` comes from a plugin package; src/compliance/registry.ts resolves and checks it.
    if (!name.startsWith('.') && !name.startsWith('/') && !name.endsWith('.yaml') && name.includes('/')) return;
    const isPath = name.startsWith('.') || name.startsWith('/') || name.endsWith('.yaml');
    if (isPath ? existsSync(resolve(siteDir, name)) : known.includes(name)) return;
    const loc = site.locate(`/compliance/profiles/${i}`);
    problems.push({
      file: loc.file,
      line: loc.line,
      column: loc.column,
      path: loc.path,
      message: isPath ? `profile file "${name}" not found` : `unknown compliance profile "${name}"`,
      hint: isPath
        ? `paths are relative to the site file (${siteDir})`
        : (didYouMean(name, known) ?? (known.length ? `shipped profiles: ${known.join(', ')}` : 'no compliance profiles ship with this version; give a path to a profile file')),
    });
  });
  if (problems.length) throw new ConfigError(`${problems.length} unknown compliance profile(s)`, problems);
}
