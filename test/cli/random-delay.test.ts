// `assess --random-delay`: fleets on one schedule spread their runs. A delay is drawn below the
// bound, a signal during it still ends in a written report marked incomplete, and a bad value is
// a usage error before anything waits.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';

let dir: string;
let site: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-delay-'));
  site = join(dir, 'site.yaml');
  // Nothing listens on port 1: every check ends at once.
  await writeFile(
    site,
    'version: 1\nsite: { name: Delayed }\nplatform:\n  endpoints:\n    - { name: web, host: 127.0.0.1, port: 1, protocol: tcp }\n',
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('assess --random-delay', () => {
  it('refuses a value that is not a duration, before waiting', async () => {
    const run = await runCli(['assess', site, '--random-delay', 'soon', '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--random-delay must be a duration up to 24h, got "soon"');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('says how long it waits, then measures', async () => {
    const out = join(dir, 'r.json');
    const run = await runCli(['assess', site, '--random-delay', '1500ms', '-f', `json=${out}`]);
    expect(run.stderr).toMatch(/waiting [01] s before measuring \(--random-delay\)/);
    const report = JSON.parse(await readFile(out, 'utf8')) as { complete: boolean; results: unknown[] };
    expect(report.complete).toBe(true);
    expect(report.results.length).toBeGreaterThan(0);
  });

  it('a signal during the wait still writes the report, marked incomplete', async () => {
    const out = join(dir, 'r.json');
    const child = spawn(process.execPath, [BIN, 'assess', site, '--random-delay', '24h', '-f', `json=${out}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    for (let i = 0; i < 200 && !stderr.includes('before measuring'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain('before measuring');
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const report = JSON.parse(await readFile(out, 'utf8')) as { complete: boolean; interruption?: { signal?: string } };
    expect(report.complete).toBe(false);
    expect(report.interruption?.signal).toBe('SIGTERM');
  }, 30_000);
});
