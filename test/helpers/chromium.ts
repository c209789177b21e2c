// Headless Chromium for browser tests of the HTML report: one short-lived process per call, a
// fresh profile each time, every network-reaching feature off, and a hard timeout that kills the
// whole process group so a hung browser never outlives the test.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['chromium', 'chromium-browser'];

/** The Chromium binary on PATH, or undefined. */
export function findChromium(): string | undefined {
  for (const name of CANDIDATES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

export interface ChromiumRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const NO_NETWORK_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-default-browser-check',
  '--disable-dev-shm-usage',
];

/** Runs Chromium once on `url` with `args` (e.g. --dump-dom), in a temporary profile that is always removed. */
export async function runChromium(binary: string, args: string[], url: string, timeoutMs = 60_000): Promise<ChromiumRun> {
  const profile = await mkdtemp(join(tmpdir(), 'siteready-chromium-'));
  try {
    return await new Promise<ChromiumRun>((resolve, reject) => {
      const child = spawn(binary, [...NO_NETWORK_FLAGS, `--user-data-dir=${profile}`, ...args, url], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, HOME: profile },
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        // Chromium leaves helper processes (zygote, utility) behind now and then: end the group.
        killGroup();
        resolve({ code, stdout, stderr, timedOut });
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
