// Where this machine says its proxy is, read from local configuration only: the environment
// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, auto_proxy) and, on Linux, the GNOME proxy setting. The
// network is never asked: no WPAD DNS lookup, no fetch of wpad.dat — writing a starting file must
// not send anything anywhere.

import { execFile } from 'node:child_process';
import type { DetectedSettings } from './init-site.js';

/** gsettings answers in milliseconds; a desktop session that hangs must not hold up `init`. */
const GSETTINGS_TIMEOUT_MS = 2000;

function firstSet(env: NodeJS.ProcessEnv, names: string[]): { value: string; source: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, source: name };
  }
  return undefined;
}

/**
 * The proxy settings in the environment. HTTPS_PROXY comes first: the messaging clients' traffic
 * is TLS, tunnelled through the proxy as HTTPS is. `auto_proxy` names a PAC file (Chromium and
 * some desktop environments read it).
 */
export function detectFromEnv(env: NodeJS.ProcessEnv): DetectedSettings {
  const proxy = firstSet(env, ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']);
  const noProxy = firstSet(env, ['NO_PROXY', 'no_proxy']);
  const pac = firstSet(env, ['auto_proxy', 'AUTO_PROXY']);
  return { ...(proxy ? { proxy } : {}), ...(noProxy ? { noProxy } : {}), ...(pac ? { pac } : {}) };
}

/** A GVariant string as gsettings prints it ('auto', 'http://…') → its text. */
export function gsettingsString(out: string): string | undefined {
  const m = /^'(.*)'$/s.exec(out.trim());
  if (!m) return undefined;
  return m[1]!.replace(/\\(.)/g, '$1');
}

function gsettingsGet(key: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    // execFile, not a shell: nothing here is interpreted; a missing gsettings is ENOENT, skipped.
    execFile('gsettings', ['get', 'org.gnome.system.proxy', key], { timeout: GSETTINGS_TIMEOUT_MS, windowsHide: true }, (err, stdout) =>
      resolve(err ? undefined : gsettingsString(String(stdout))),
    );
  });
}

/**
 * The PAC URL of the GNOME desktop, when its proxy mode is "auto" (an autoconfig URL left behind
 * under another mode is not in use). Undefined wherever there is no gsettings or no such setting.
 */
export async function detectGnomePac(platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform !== 'linux') return undefined;
  const mode = await gsettingsGet('mode');
  if (mode !== 'auto') return undefined;
  const url = await gsettingsGet('autoconfig-url');
  return url?.trim() || undefined;
}

/** Everything detectable, the environment first; the desktop setting only fills in a PAC file. */
export async function detectProxySettings(env: NodeJS.ProcessEnv = process.env): Promise<DetectedSettings> {
  const fromEnv = detectFromEnv(env);
  if (fromEnv.pac) return fromEnv;
  const gnome = await detectGnomePac();
  return gnome ? { ...fromEnv, pac: { value: gnome, source: 'GNOME proxy settings (org.gnome.system.proxy autoconfig-url)' } } : fromEnv;
}
