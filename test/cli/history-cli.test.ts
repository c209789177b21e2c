// `--store`, `history` and `compare --store` on the built CLI, with SQLite files only (no server):
// bad input is a usage error with a hint; a store that cannot be opened costs no run — without a
// JSON file asked for, a copy is kept in the data directory and named, ready to import.

import { mkdir, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeSite, type TempDir } from '../helpers/peers.js';

let tmp: TempDir;
let server: Server;
let site: string;
const env = () => ({ XDG_DATA_HOME: join(tmp.path, 'data'), SITEREADY_STORE: '' });

beforeAll(async () => {
  tmp = await tempDir('sr-history-cli-');
  server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  site = await writeSite(tmp.path, {
    site: { name: 'Store lab' },
    platform: { name: 'IM', endpoints: [{ name: 'api', role: 'api', url: `https://127.0.0.1:${port}/`, checks: ['tcp'] }] },
  });
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await tmp?.remove();
});

describe('history on the command line', () => {
  it.each([
    [['history', '--store', 'mysql://db/x'], /unknown kind of store/],
    [['history', '--store', 'postgres://u:${SR_UNSET_VAR}@127.0.0.1/x'], /SR_UNSET_VAR\}, which is not set/],
    [['history', '--since', 'last tuesday'], /--since must be a date/],
    [['history', '--limit', '0'], /--limit must be a whole number/],
    [['history', '-f', 'sarif'], /unknown format "sarif"/],
    [['compare', '--site', 'X', 'a.json', 'b.json'], /--site picks stored runs by date: add --store/],
    [['compare', '--store', 'sqlite:none.sqlite', 'yesterday', '1'], /neither a run id nor a date/],
    [['report', 'r.json', '--store', '--rejudge'], /drop --rejudge/],
  ])('%j exits 2 with a message and no stack trace', async (args, message) => {
    const r = await runCli(args, { env: env(), cwd: tmp.path });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an empty store says so; a store that cannot be opened is exit 2', async () => {
    const empty = await runCli(['history', '--store', 'sqlite:empty.sqlite'], { env: env(), cwd: tmp.path });
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toContain('No runs in this store yet.');
    await mkdir(join(tmp.path, 'a-directory.sqlite'));
    const bad = await runCli(['history', '--store', 'sqlite:a-directory.sqlite'], { env: env(), cwd: tmp.path });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot open the history store sqlite:/);
  });

  it('a store that cannot be opened costs no run: a copy is kept, named, and imports later', async () => {
    const failed = await runCli(['assess', site, '--quiet', '--store', 'sqlite:a-directory.sqlite'], {
      env: env(),
      cwd: tmp.path,
      timeoutMs: 60_000,
    });
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stderr).toMatch(/could not be recorded in sqlite:/);
    const kept = await readdir(join(tmp.path, 'data', 'siteready', 'reports'));
    expect(kept).toHaveLength(1);
    const copy = join(tmp.path, 'data', 'siteready', 'reports', kept[0]!);
    expect(failed.stderr).toContain(`siteready report ${copy} --store`);

    const imported = await runCli(['report', copy, '--store', '-f', 'json', '-o', join(tmp.path, 'out.json')], {
      env: env(),
      cwd: tmp.path,
    });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/run recorded in sqlite:.*history\.sqlite as run 1/);

    // The default store (no value) is the file in the data directory; recording there removes no
    // file the user asked for, and a run recorded with no JSON file leaves no copy behind.
    const recorded = await runCli(['assess', site, '--quiet', '--store'], { env: env(), cwd: tmp.path, timeoutMs: 60_000 });
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(await readdir(join(tmp.path, 'data', 'siteready', 'reports'))).toEqual(kept);
    const list = await runCli(['history', '--json'], { env: env(), cwd: tmp.path });
    expect((JSON.parse(list.stdout) as { runs: unknown[] }).runs).toHaveLength(2);
  });
});
