// Which profiles a site names, loaded: shipped ones from profiles/<id>.yaml in the package,
// others from paths relative to the site file. Also checks that compliance waivers name a
// profile and rule that exist, since the planner only knows checks.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, type Diagnostic } from '../errors.js';
import type { Site } from '../site/types.js';
import { didYouMean } from '../util/suggest.js';
import { packageRoot } from '../version.js';
import { loadProfileFile } from './load-profile.js';
import type { Profile } from './types.js';
import { yamlIdsIn } from '../util/yaml-ids.js';

export const COMPLIANCE_CHECK_ID = 'compliance';

export function shippedProfileDir(): string {
  return join(packageRoot(), 'profiles');
}

export function shippedProfileIds(): string[] {
  return yamlIdsIn(shippedProfileDir());
}

export function isProfilePath(name: string): boolean {
  return name.startsWith('.') || name.startsWith('/') || name.endsWith('.yaml') || name.endsWith('.yml');
}

/**
 * `<package>/<id>`: profile `<id>` shipped by a plugin package (its profiles/<id>.yaml). Like check
 * plugins, the package must be installed next to the site file and named in `plugins:` — nothing
 * is loaded from a package the site does not name. A package that only ships profiles exports
 * `default: []` (no checks).
 */
export function packageProfile(name: string): { pkg: string; id: string } | undefined {
  if (isProfilePath(name)) return undefined;
  const slash = name.lastIndexOf('/');
  if (slash <= 0) return undefined;
  return { pkg: name.slice(0, slash), id: name.slice(slash + 1) };
}

function packageRootOf(pkg: string, baseDir: string): string | undefined {
  const req = createRequire(join(baseDir, 'noop.js'));
  try {
    return dirname(req.resolve(`${pkg}/package.json`));
  } catch {
    // Packages with an exports map may hide package.json: walk up from the main entry instead.
    try {
      let dir = dirname(req.resolve(pkg));
      for (let i = 0; i < 10; i++) {
        const manifest = join(dir, 'package.json');
        if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) return dir;
        dir = dirname(dir);
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A shipped id, a path (relative to `baseDir`) or `<package>/<id>`; throws a ConfigError for what cannot be found or parsed. */
export function loadProfileRef(name: string, baseDir: string, plugins: string[] = []): Profile {
  const fromPackage = packageProfile(name);
  if (fromPackage) {
    if (!plugins.includes(fromPackage.pkg)) {
      throw new ConfigError(`profile "${name}" comes from package "${fromPackage.pkg}", which the site does not name`, [
        {
          message: `profile "${name}": package "${fromPackage.pkg}" is not listed under plugins:`,
          hint: `add "${fromPackage.pkg}" to plugins: to use the profiles it ships`,
        },
      ]);
    }
    const root = packageRootOf(fromPackage.pkg, baseDir);
    const file = root ? join(root, 'profiles', `${fromPackage.id}.yaml`) : undefined;
    if (!file || !existsSync(file)) {
      throw new ConfigError(`profile "${name}" not found`, [
        {
          message: `profile "${name}" not found`,
          hint: root ? `${fromPackage.pkg} has no profiles/${fromPackage.id}.yaml` : `install ${fromPackage.pkg} next to the site file`,
        },
      ]);
    }
    const profile = loadProfileFile(file, `${fromPackage.pkg}/profiles/${fromPackage.id}.yaml`, 'file');
    if (profile.id !== fromPackage.id) {
      throw new ConfigError(`${name} declares id "${profile.id}"`, [
        {
          file: `${fromPackage.pkg}/profiles/${fromPackage.id}.yaml`,
          line: 1,
          column: 1,
          message: `declares id "${profile.id}", expected "${fromPackage.id}"`,
        },
      ]);
    }
    return profile;
  }
  if (isProfilePath(name)) {
    const full = resolve(baseDir, name);
    if (!existsSync(full))
      throw new ConfigError(`profile file "${name}" not found`, [
        { message: `profile file "${name}" not found`, hint: `paths are relative to ${baseDir}` },
      ]);
    return loadProfileFile(full, relative(process.cwd(), full) || full, 'file');
  }
  const known = shippedProfileIds();
  if (!known.includes(name)) {
    throw new ConfigError(`unknown compliance profile "${name}"`, [
      { message: `unknown compliance profile "${name}"`, hint: didYouMean(name, known) ?? `shipped profiles: ${known.join(', ')}` },
    ]);
  }
  const profile = loadProfileFile(join(shippedProfileDir(), `${name}.yaml`), `profiles/${name}.yaml`, 'shipped');
  if (profile.id !== name) {
    throw new ConfigError(`profiles/${name}.yaml declares id "${profile.id}"`, [
      { file: `profiles/${name}.yaml`, line: 1, column: 1, message: `declares id "${profile.id}", expected "${name}"` },
    ]);
  }
  return profile;
}

/** Every profile the site names, loaded and validated; a broken one stops the assessment before it measures. */
export function loadSiteProfiles(site: Site, siteDir: string): Profile[] {
  const profiles: Profile[] = [];
  const problems: Diagnostic[] = [];
  const ids = new Map<string, number>();
  site.compliance.profiles.forEach((name, i) => {
    let profile: Profile;
    try {
      profile = loadProfileRef(name, siteDir, site.plugins);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const loc = site.locate(`/compliance/profiles/${i}`);
      // Problems inside a profile file point into it; the others point at the site's entry.
      for (const d of err.diagnostics)
        problems.push(d.file ? d : { ...d, file: loc.file, line: loc.line, column: loc.column, path: loc.path });
      return;
    }
    const prior = ids.get(profile.id);
    if (prior !== undefined) {
      const loc = site.locate(`/compliance/profiles/${i}`);
      problems.push({
        file: loc.file,
        line: loc.line,
        column: loc.column,
        path: loc.path,
        message: `profile "${profile.id}" is named twice (also entry #${prior + 1})`,
        hint: 'remove one of them',
      });
      return;
    }
    ids.set(profile.id, i);
    profiles.push(profile);
  });
  problems.push(...waiverProblems(site, profiles));
  if (problems.length) throw new ConfigError(`${problems.length} problem(s) with compliance profiles`, problems);
  return profiles;
}

function waiverProblems(site: Site, profiles: Profile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ruleIds = profiles.flatMap((p) => p.rules.map((r) => `${p.id}.${r.id}`));
  site.compliance.waivers.forEach((w, i) => {
    if (w.check !== COMPLIANCE_CHECK_ID) return;
    if (w.target && !profiles.some((p) => p.id === w.target)) {
      const loc = site.locate(`/compliance/waivers/${i}/target`);
      out.push({
        ...loc,
        message: `waiver target "${w.target}" is not a profile this site names`,
        hint:
          didYouMean(
            w.target,
            profiles.map((p) => p.id),
          ) ?? `compliance waivers name a profile (target) and/or a rule (finding: <profile>.<rule>)`,
      });
    }
    if (w.finding && !ruleIds.includes(w.finding)) {
      const loc = site.locate(`/compliance/waivers/${i}/finding`);
      out.push({
        ...loc,
        message: `waiver finding "${w.finding}" is not a rule of the named profiles`,
        hint: didYouMean(w.finding, ruleIds) ?? 'write finding: <profile>.<rule>, e.g. baseline.admin-mfa',
      });
    }
  });
  return out;
}

/**
 * Every profile the site names exists: shipped, a file relative to the site file, or (resolved and
 * checked when loaded) `<package>/<id>` from a plugin package. An unknown name is a configuration
 * error found before anything runs.
 */
export function assertProfilesExist(site: Site, siteDir: string): void {
  const known = shippedProfileIds();
  const problems: Diagnostic[] = [];
  site.compliance.profiles.forEach((name, i) => {
    const isPath = isProfilePath(name);
    if (!isPath && name.includes('/')) return;
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
        : (didYouMean(name, known) ??
          (known.length
            ? `shipped profiles: ${known.join(', ')}`
            : 'no compliance profiles ship with this version; give a path to a profile file')),
    });
  });
  if (problems.length) throw new ConfigError(`${problems.length} unknown compliance profile(s)`, problems);
}
