// History in real databases: two `assess` runs into a SQLite file and into a real PostgreSQL
// (the distribution's server, started here as the postgres user in a temporary directory) show up
// in `history`; then the database is killed in the middle of a third run: the run still writes its
// JSON report, keeps the gate's exit code and says how to import it; once PostgreSQL is back,
// `report --store` imports it and history shows three runs. The password never shows anywhere.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import type { Report } from '../../src/report/model.js';
import { requireTool, runCli, type CliResult } from '../helpers/cli.js';
import { delay, freePort, hasTool, startProcess, tempDir, writeSite, type Peer, type TempDir } from '../helpers/peers.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;
const available = requireTool(
  existsSync(join(PG_BIN, 'postgres')) && existsSync(join(PG_BIN, 'initdb')) && hasTool('runuser') && isRoot,
  'root, runuser and the PostgreSQL 15 server (postgresql)',
);

// Long and distinctive: any leak of it into output is easy to see.
const PASSWORD = 'pg-Secret-7f3e9a1c-history';
let tmp: TempDir;
let pgdata: string;
let pgPort: number;
let postgres: Peer | undefined;
let server: Server;
let httpsPort: number;
let onRequest: (() => Promise<void>) | undefined;
let site: string;
const outputs: string[] = [];

function asPostgres(cmd: string, args: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: tmp.path, encoding: 'utf8', stdio: 'pipe' });
}

async function startPostgres(): Promise<void> {
  let last: unknown;
  // After a kill, the old server's processes may hold its shared memory for a moment.
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      postgres = await startProcess(
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          join(PG_BIN, 'postgres'),
          '-D',
          pgdata,
          '-p',
          String(pgPort),
          '-k',
          tmp.path,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'max_connections=20',
          '-c',
          'shared_buffers=16MB',
        ],
        { name: 'postgres', ready: /ready to accept connections/, timeoutMs: 30_000, cwd: tmp.path },
      );
      return;
    } catch (err) {
      last = err;
      await delay(250);
    }
  }
  throw last;
}

function postmasterPid(): number | undefined {
  try {
    return Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL the server, as a crash or an operator's kill -9 would, and wait until it is gone. */
async function killPostgres(): Promise<void> {
  const pid = postmasterPid();
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && alive(pid); i++) await delay(50);
  await postgres?.stop();
  postgres = undefined;
}

const pgUrl = () => `postgres://siteready:\${SR_TEST_PG_PASSWORD}@127.0.0.1:${pgPort}/postgres`;
const env = () => ({ SR_TEST_PG_PASSWORD: PASSWORD, XDG_DATA_HOME: join(tmp.path, 'data') });

async function cli(args: string[]): Promise<CliResult> {
  const run = await runCli(args, { env: env(), timeoutMs: 120_000, cwd: tmp.path });
  outputs.push(run.stdout, run.stderr);
  return run;
}

async function assess(name: string, store: string): Promise<{ run: CliResult; report: string }> {
  const report = join(tmp.path, `${name}.json`);
  const run = await cli(['assess', site, '-f', `terminal,json=${report}`, '--quiet', '--store', store]);
  return { run, report };
}

interface HistoryJson {
  runs: Array<{
    id: number;
    site: string;
    startedAt: string;
    score: number | null;
    grade: string | null;
    verdict: string;
    complete: boolean;
  }>;
}

async function history(store: string): Promise<HistoryJson> {
  const run = await cli(['history', '--store', store, '--site', 'History lab', '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as HistoryJson;
}

beforeAll(async () => {
  if (!available) return;
  tmp = await tempDir('sr-history-pg-');
  execFileSync('chown', ['postgres:postgres', tmp.path]);
  pgdata = join(tmp.path, 'pgdata');
  writeFileSync(join(tmp.path, 'pwfile'), `${PASSWORD}\n`);
  execFileSync('chown', ['postgres:postgres', join(tmp.path, 'pwfile')]);
  asPostgres(join(PG_BIN, 'initdb'), [
    '-D',
    pgdata,
    '-U',
    'siteready',
    '--auth=scram-sha-256',
    `--pwfile=${join(tmp.path, 'pwfile')}`,
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  pgPort = await freePort();
  await startPostgres();

  const ca = createCertificateAuthority('history lab CA');
  const leaf = issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
  writeFileSync(join(tmp.path, 'ca.pem'), ca.certPem);
  server = createServer({ key: leaf.keyPem, cert: `${leaf.certPem}${ca.certPem}` }, (_req, res) => {
    const hook = onRequest;
    onRequest = undefined;
    void (hook ?? (() => Promise.resolve()))().then(() => res.end('ok'));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  httpsPort = (server.address() as AddressInfo).port;
  site = await writeSite(tmp.path, {
    site: { name: 'History lab' },
    security: { trust: { caFile: join(tmp.path, 'ca.pem') } },
    platform: { name: 'IM', endpoints: [{ name: 'api', role: 'api', url: `https://127.0.0.1:${httpsPort}/health`, checks: ['http'] }] },
  });
}, 120_000);

afterAll(async () => {
  if (!available) return;
  try {
    await killPostgres();
  } finally {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await tmp?.remove();
  }
}, 60_000);

describe.runIf(available)('history in SQLite and PostgreSQL', () => {
  it('two assess runs into a SQLite file show up in history, and compare takes stored runs', async () => {
    const store = `sqlite:${join(tmp.path, 'runs.sqlite')}`;
    const first = await assess('sqlite-1', store);
    const second = await assess('sqlite-2', store);
    for (const r of [first, second]) {
      expect(r.run.code, r.run.stderr).toBeLessThan(2);
      expect(r.run.stderr).not.toMatch(/could not be recorded/);
      expect(existsSync(r.report)).toBe(true);
    }
    const { runs } = await history(store);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.startedAt > runs[1]!.startedAt).toBe(true);
    expect(runs.every((r) => r.site === 'History lab' && r.grade !== undefined)).toBe(true);

    const compare = await cli(['compare', '--store', store, String(runs[1]!.id), String(runs[0]!.id), '--json']);
    expect(compare.code, compare.stderr).toBe(0);
    expect(JSON.parse(compare.stdout)).toMatchObject({ before: { file: expect.stringContaining(`run ${runs[1]!.id}`) } });
  });

  it('two assess runs into PostgreSQL show up in history; a database killed mid-run loses nothing; the import lands it', async () => {
    const first = await assess('pg-1', pgUrl());
    const second = await assess('pg-2', pgUrl());
    for (const r of [first, second]) {
      expect(r.run.code, r.run.stderr).toBeLessThan(2);
      expect(r.run.stderr).not.toMatch(/could not be recorded/);
    }
    expect((await history(pgUrl())).runs).toHaveLength(2);
    const gateCode = second.run.code;

    // The third run: PostgreSQL is killed while the run is measuring (the endpoint answers only
    // once the server is gone).
    onRequest = killPostgres;
    const third = await assess('pg-3', pgUrl());
    expect(onRequest).toBeUndefined();
    expect(postgres).toBeUndefined();
    expect(third.run.code, third.run.stderr).toBe(gateCode);
    const saved = JSON.parse(readFileSync(third.report, 'utf8')) as Report;
    expect(saved.site.name).toBe('History lab');
    expect(third.run.stderr).toMatch(/could not be recorded in postgres:\/\/siteready:\*\*\*@127\.0\.0\.1/);
    expect(third.run.stderr).toContain(`siteready report ${third.report} --store`);

    // Down: history says so (exit 2), without a stack trace.
    const down = await cli(['history', '--store', pgUrl()]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot open the history store/);
    expect(down.stderr).not.toMatch(/\n\s+at /);

    await startPostgres();
    const imported = await cli(['report', third.report, '--store', pgUrl(), '--quiet', '-f', 'json', '-o', join(tmp.path, 'again.json')]);
    expect(imported.code, imported.stderr).toBe(gateCode);
    const { runs } = await history(pgUrl());
    expect(runs).toHaveLength(3);
    expect(runs[0]!.startedAt).toBe(new Date(saved.startedAt).toISOString());

    // Importing it again adds nothing.
    const twice = await cli(['report', third.report, '--store', pgUrl(), '-f', 'json', '-o', join(tmp.path, 'again.json')]);
    expect(twice.stderr).toMatch(/already in/);
    expect((await history(pgUrl())).runs).toHaveLength(3);

    // HTML history with the trend chart, and a stored run compared by date with one by id.
    const page = join(tmp.path, 'history.html');
    expect((await cli(['history', '--store', pgUrl(), '-f', `html=${page}`])).code).toBe(0);
    expect(readFileSync(page, 'utf8')).toContain('<svg');
    const byDate = await cli(['compare', '--store', pgUrl(), runs[2]!.startedAt, String(runs[0]!.id), '--json']);
    expect(byDate.code, byDate.stderr).toBe(0);
  });

  it('a wrong password is refused without showing either password', async () => {
    const wrong = await cli(['history', '--store', `postgres://siteready:Wrong-${PASSWORD}@127.0.0.1:${pgPort}/postgres`]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/password authentication failed|cannot open/);
  });

  it('no output of any command shows the password', () => {
    expect(outputs.join('\n')).not.toContain(PASSWORD);
  });
});
