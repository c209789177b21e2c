// A run that is interrupted, whose output goes nowhere, or whose check faults still ends with a
// written report, the right exit code and no stack trace. Through the built CLI, as a user (or a
// CI job killing it) meets it. Needs the build (npm test does it).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, requireTool, runCli } from '../helpers/cli.js';
import { crashSigns } from '../helpers/hostile-peers.js';

const execFileP = promisify(execFile);
let dir: string;
let silent: Server;
let silentPort: number;
const held = new Set<Socket>();

beforeAll(async () => {
  // Accepts and never answers: every http task runs until its deadline, so a run is in progress
  // for as long as a test needs to interrupt it.
  silent = createServer((s) => {
    s.on('error', () => undefined);
    held.add(s);
    s.on('close', () => held.delete(s));
  });
  silentPort = await new Promise<number>((resolve) =>
    silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
  );
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => silent.close(r));
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-nolose-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function slowSite(): Promise<string> {
  const path = join(dir, 'site.yaml');
  const endpoints = Array.from({ length: 4 }, (_, i) => `    - { name: slow${i}, url: "http://127.0.0.1:${silentPort}/p${i}" }`).join('\n');
  await writeFile(
    path,
    `version: 1\nsite: { name: Interrupted }\nplatform:\n  endpoints:\n${endpoints}\n    - { name: fast, host: 127.0.0.1, port: ${silentPort}, protocol: tcp }\nchecks:\n  http: { timeoutMs: 60000 }\n`,
  );
  return path;
}

interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function start(args: string[], stdio: 'pipe' | number = 'pipe'): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    stdio: ['ignore', stdio, 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, at: Date.now() });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once the run is measuring: a progress line (or the one given) is printed for a finished task. */
async function untilMeasuring(s: Spawned, line = /\[\d+\/\d+\]/): Promise<void> {
  for (let i = 0; i < 300 && !line.test(s.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
  expect(s.stderr(), 'the run never started measuring').toMatch(line);
}

describe('signals: the report of what was measured is written, marked incomplete', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s → exit %i, every requested format written', async (signal, code) => {
    const site = await slowSite();
    const s = start([
      'assess',
      site,
      '-f',
      'terminal,json=out/report.json,md=out/report.md,sarif=out/report.sarif,html=out/report.html,junit=out/report.xml',
    ]);
    await untilMeasuring(s, /pass\s+tcp:fast/);
    const sent = Date.now();
    s.child.kill(signal);
    const end = await s.exited;
    expect(end.code, s.stderr()).toBe(code);
    expect(end.at - sent).toBeLessThan(15_000);
    expect(crashSigns(s.stderr())).toEqual([]);
    expect(s.stderr()).toContain(`${signal}: stopping`);
    const report = JSON.parse(await readFile(join(dir, 'out/report.json'), 'utf8'));
    expect(report.complete).toBe(false);
    expect(report.interruption).toMatchObject({ kind: 'signal', signal });
    // The task that had finished is kept; the ones cut short say so.
    expect(report.results.find((r: { check: string; target: string }) => r.check === 'tcp' && r.target === 'fast').status).toBe('pass');
    expect(report.results.filter((r: { error?: { kind: string } }) => r.error?.kind === 'cancelled').length).toBeGreaterThan(0);
    for (const f of ['report.md', 'report.sarif', 'report.html', 'report.xml'])
      expect((await readFile(join(dir, 'out', f), 'utf8')).length).toBeGreaterThan(100);
    expect(s.stdout()).toMatch(/INCOMPLETE|interrupted/i);
  });

  it('a second Ctrl-C quits at once', async () => {
    const site = await slowSite();
    const s = start(['assess', site, '-f', 'json=out/report.json']);
    await untilMeasuring(s);
    s.child.kill('SIGINT');
    s.child.kill('SIGINT');
    const sent = Date.now();
    const end = await s.exited;
    expect(end.code).toBe(130);
    expect(end.at - sent).toBeLessThan(5_000);
    expect(crashSigns(s.stderr())).toEqual([]);
  });

  it('the demo, interrupted, still writes its JSON report', async () => {
    const s = start(['demo', '--report-file', 'demo.json']);
    await untilMeasuring(s);
    s.child.kill('SIGINT');
    const end = await s.exited;
    expect(end.code, s.stderr()).toBe(130);
    expect(crashSigns(s.stderr())).toEqual([]);
    const report = JSON.parse(await readFile(join(dir, 'demo.json'), 'utf8'));
    expect(report.interruption.signal).toBe('SIGINT');
  });
});

describe('outputs', () => {
  it('a closed stdout ends quietly: --help | head -1', async () => {
    const s = start(['--help']);
    s.child.stdout!.once('data', () => s.child.stdout!.destroy());
    const end = await s.exited;
    expect(end.code).toBe(0);
    expect(s.stderr()).toBe('');
  });

  it('a closed stdout ends quietly: assess --json | head -c 100, the gate decides the exit code', async () => {
    const site = join(dir, 'quick.yaml');
    await writeFile(
      site,
      `version: 1\nsite: { name: Quick }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: ${silentPort}, protocol: tcp }\n`,
    );
    const s = start(['assess', site, '--json', '--quiet']);
    let seen = 0;
    s.child.stdout!.on('data', (d: Buffer) => {
      seen += d.length;
      if (seen >= 100) s.child.stdout!.destroy();
    });
    const end = await s.exited;
    expect(end.code).toBe(0);
    expect(crashSigns(s.stderr())).toEqual([]);
  });

  it('stdout on a full device: exit 2 with the reason; the files are still written', async () => {
    const site = join(dir, 'quick.yaml');
    await writeFile(
      site,
      `version: 1\nsite: { name: Quick }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: ${silentPort}, protocol: tcp }\n`,
    );
    const full = openSync('/dev/full', 'w');
    try {
      const s = start(['assess', site, '-f', 'terminal,json=report.json', '--quiet'], full);
      const end = await s.exited;
      expect(end.code, s.stderr()).toBe(2);
      expect(s.stderr()).toMatch(/cannot write to standard output \(ENOSPC/);
      expect(crashSigns(s.stderr())).toEqual([]);
      expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')).site.name).toBe('Quick');
    } finally {
      closeSync(full);
    }
  });

  it('an output path that cannot be written is found before measuring: exit 2 naming the path', async () => {
    const site = await slowSite();
    await mkdir(join(dir, 'a-directory'));
    await writeFile(join(dir, 'a-file'), 'x');
    for (const [target, why] of [
      ['json=a-directory', /is a directory/],
      ['html=a-file/report.html', /directory cannot be created|ENOTDIR|not a directory/i],
      ['sarif=/proc/version/x.sarif', /cannot be created|ENOTDIR|not a directory/i],
    ] as const) {
      const r = await runCli(['assess', site, '-f', `terminal,${target}`, '--quiet'], { cwd: dir, timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(target.slice(target.indexOf('=') + 1));
      expect(r.stderr).toMatch(why);
      // Refused in a moment, not after the http tasks' 60 s deadline.
      expect(r.ms).toBeLessThan(15_000);
      expect(crashSigns(r.stderr)).toEqual([]);
    }
  });

  it.skipIf(!requireTool(process.getuid?.() === 0, 'root (to mount a small tmpfs)'))(
    'a disk that fills up: refused before measuring, or — filling during the write — the other formats still written',
    async () => {
      const site = join(dir, 'quick.yaml');
      await writeFile(
        site,
        `version: 1\nsite: { name: Quick }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: ${silentPort}, protocol: tcp }\n`,
      );
      // Sixty refused endpoints: a JSON report of ~180 KiB.
      const many = join(dir, 'many.yaml');
      const endpoints = Array.from({ length: 60 }, (_, i) => `    - { name: e${i}, host: 127.0.0.1, port: 1, protocol: tcp }`).join('\n');
      await writeFile(many, `version: 1\nsite: { name: Quick }\nplatform:\n  endpoints:\n${endpoints}\n`);
      const mnt = join(dir, 'small');
      await mkdir(mnt);
      // 96 KiB: the 64 KiB pre-flight probe fits, the report does not.
      await execFileP('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', mnt]);
      try {
        const late = await runCli(['assess', many, '-f', `json=${join(mnt, 'r.json')},md=r.md`, '--quiet'], { cwd: dir });
        expect(late.code, late.stderr).toBe(2);
        expect(late.stderr).toContain(join(mnt, 'r.json'));
        expect(late.stderr).toMatch(/ENOSPC/);
        expect(crashSigns(late.stderr)).toEqual([]);
        expect(await readFile(join(dir, 'r.md'), 'utf8')).toContain('Quick');
        const { readdir } = await import('node:fs/promises');
        expect(await readdir(mnt)).toEqual([]);
        await writeFile(join(mnt, 'fill'), Buffer.alloc(60 * 1024));
        const early = await runCli(['assess', site, '-f', `json=${join(mnt, 'r.json')}`, '--quiet'], { cwd: dir });
        expect(early.code).toBe(2);
        expect(early.stderr).toMatch(/no space left/);
      } finally {
        await execFileP('umount', [mnt]);
      }
    },
  );

  it('report files are replaced whole: no temporary file is left beside them', async () => {
    const site = join(dir, 'quick.yaml');
    await writeFile(
      site,
      `version: 1\nsite: { name: Quick }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: ${silentPort}, protocol: tcp }\n`,
    );
    await writeFile(join(dir, 'report.json'), 'old');
    const r = await runCli(['assess', site, '-f', 'json=report.json,md=report.md', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')).site.name).toBe('Quick');
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('the process guard', () => {
  it('a check whose code throws where nothing catches it costs that task, not the run', async () => {
    const plugin = join(dir, 'faulty.mjs');
    const api = join(ROOT, 'dist/src/plugin-api.js');
    await writeFile(
      plugin,
      `import { defineCheck } from ${JSON.stringify(api)};
const base = { title: 'F', failureTitle: 'F', description: 'f', category: 'network', severity: 'low', weight: 1, references: [] };
const targets = (site) => site.platform.endpoints.map((e) => ({ id: e.name, endpoint: e }));
export default [
  defineCheck({ meta: { ...base, id: 'acme/throws-later' }, messages: { en: {} }, targets,
    run: () => new Promise(() => { setTimeout(() => { throw new Error('boom from a timer'); }, 50); }) }),
  defineCheck({ meta: { ...base, id: 'acme/rejects' }, messages: { en: {} }, targets,
    run: () => { Promise.reject(new Error('nobody handles me')); return new Promise(() => undefined); } }),
];
`,
    );
    const site = join(dir, 'site.yaml');
    await writeFile(
      site,
      `version: 1\nsite: { name: Guarded }\nplugins: [./faulty.mjs]\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: ${silentPort}, protocol: tcp }\n`,
    );
    const r = await runCli(['assess', site, '-f', 'json=report.json', '--quiet', '--task-timeout', '20'], { cwd: dir, timeoutMs: 30_000 });
    expect(crashSigns(r.stderr)).toEqual([]);
    expect(r.code, r.stderr).toBe(0);
    // Charged in a moment, not at the task deadline.
    expect(r.ms).toBeLessThan(15_000);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    const byCheck = (id: string) => report.results.find((x: { check: string }) => x.check === id);
    expect(byCheck('acme/throws-later')).toMatchObject({ status: 'error', error: { kind: 'uncaught' } });
    expect(byCheck('acme/throws-later').error.message).toContain('boom from a timer');
    expect(byCheck('acme/rejects')).toMatchObject({ status: 'error', error: { kind: 'uncaught' } });
    expect(byCheck('acme/rejects').error.message).toContain('nobody handles me');
    expect(byCheck('tcp').status).toBe('pass');
    expect(r.stderr).toMatch(/acme\/throws-later on a: .*boom from a timer/);
  });
});
