// The README's CI examples run as written: the blocks marked `ci-example=…` are read from the
// README, the package is packed from a copy of the repository by the pack block's own commands,
// installed from the tarball into a scratch prefix by the jobs' own install step, and the jobs'
// steps run against a site file of loopback endpoints — once passing the gate, once failing it.
// Nothing is skipped: without npm or the packages' cache this fails, in CI and elsewhere.

import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile, copyFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { freePort } from '../../src/lab/demo-lab.js';

interface Shell {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The shell GitHub runs a `run:` step with (bash --noprofile --norc -eo pipefail). */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Shell> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The README's marked blocks, by name: ```yaml ci-example=github. */
function ciBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of markdown.matchAll(/^```\w+ ci-example=([\w-]+)\n([\s\S]*?)^```$/gm)) blocks.set(m[1]!, m[2]!);
  return blocks;
}

interface GithubStep {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number>;
  env?: Record<string, string>;
}
interface GithubJob {
  'runs-on': string | string[];
  if?: string;
  steps: GithubStep[];
}
interface GitlabJob {
  image: string;
  script: string[];
  artifacts?: { when?: string; paths?: string[]; reports?: { junit?: string } };
}

const INSTALL = /^npm install -g (\S+\.tgz)\s*$/;

let work: string;
let tarballDir: string;
let prefix: string;
let lockfile: string;
let blocks: Map<string, string>;
let server: Server;
let openPort: number;
let refusedPort: number;

/** Dependencies, build output and git data are what `npm ci` and the build recreate; the rest is the checkout. */
function checkoutFilter(src: string): boolean {
  const rel = relative(ROOT, src);
  if (rel === '') return true;
  const top = rel.split(sep)[0]!;
  if (['node_modules', 'dist', 'build', '.git'].includes(top)) return false;
  return !rel.split(sep).includes('node_modules') && !rel.endsWith('.tgz');
}

const npmEnv = {
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

beforeAll(async () => {
  blocks = ciBlocks(await readFile(join(ROOT, 'README.md'), 'utf8'));
  work = await mkdtemp(join(tmpdir(), 'sr-readme-ci-'));
  const checkout = join(work, 'siteready');
  await cp(ROOT, checkout, { recursive: true, filter: checkoutFilter });
  lockfile = join(checkout, 'package-lock.json');
  // The pack block, as written, in the copy: `npm ci` works from npm's cache.
  const pack = await bash(blocks.get('pack') ?? 'false', checkout, npmEnv);
  expect(pack.code, `${pack.stdout}\n${pack.stderr}`).toBe(0);
  tarballDir = checkout;
  prefix = join(work, 'prefix');

  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  openPort = (server.address() as AddressInfo).port;
  refusedPort = await freePort();
}, 300_000);

afterAll(async () => {
  server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The tarball the pack block wrote, copied to where the examples expect it (tools/). */
async function workspace(name: string, port: number): Promise<string> {
  const ws = join(work, name);
  await mkdir(join(ws, 'tools'), { recursive: true });
  await mkdir(join(ws, 'sites'), { recursive: true });
  const tgz = (await readdir(tarballDir)).filter((f) => /^siteready-.*\.tgz$/.test(f));
  expect(tgz).toHaveLength(1);
  await copyFile(join(tarballDir, tgz[0]!), join(ws, 'tools', tgz[0]!));
  await writeFile(
    join(ws, 'sites', 'shanghai.yaml'),
    [
      'version: 1',
      'site: { name: Shanghai branch, users: 40 }',
      'network:',
      '  links:',
      '    - { name: internet, kind: internet, downMbps: 500, upMbps: 200 }',
      'platform:',
      '  name: Example IM',
      '  endpoints:',
      `    - { name: api, url: "http://127.0.0.1:${port}/health" }`,
      '',
    ].join('\n'),
  );
  return ws;
}

let installed: Promise<void> | undefined;

/**
 * Runs the examples' install step once. `npm install -g` of a tarball resolves the dependencies'
 * version ranges against the registry (a global install reads no lockfile), so it needs the
 * network unless npm's cache already holds every package's metadata. It is tried as written with
 * the cache alone; when that is not enough (ENOTCACHED), the tarball is installed into the same
 * global layout with the repository's lockfile (`npm ci --omit=dev --offline`), which needs only
 * the packages themselves — what a global install would have put there, minus the optional DSCP
 * build, which no step here uses.
 */
function install(command: string, ws: string): Promise<void> {
  installed ??= (async () => {
    const asWritten = await bash(command, ws, { ...npmEnv, npm_config_prefix: prefix, npm_config_offline: 'true' });
    if (asWritten.code === 0) return;
    expect(asWritten.stderr, asWritten.stderr).toMatch(/ENOTCACHED/);
    const tgz = (await bash(`ls ${INSTALL.exec(command)![1]}`, ws)).stdout.trim();
    const dest = join(prefix, 'lib', 'node_modules', 'siteready');
    await mkdir(dest, { recursive: true });
    const untar = await bash(`tar -xzf "${tgz}" -C "${dest}" --strip-components=1`, ws);
    expect(untar.code, untar.stderr).toBe(0);
    await copyFile(lockfile, join(dest, 'package-lock.json'));
    const ci = await bash('npm ci --omit=dev --offline --ignore-scripts', dest, npmEnv);
    expect(ci.code, ci.stderr).toBe(0);
    await mkdir(join(prefix, 'bin'), { recursive: true });
    await symlink(join('..', 'lib', 'node_modules', 'siteready', 'bin', 'siteready.js'), join(prefix, 'bin', 'siteready'));
  })();
  return installed;
}

/** PATH as a runner has it after the install: the prefix's bin, then this Node. */
function pathEnv(): string {
  return [join(prefix, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

interface StepRun {
  job: string;
  step: GithubStep;
  result?: Shell;
}

/** Runs every job of the workflow in order, as a runner would for a push (each step stops the job when it fails, unless `if: always()`). */
async function runWorkflow(ws: string): Promise<StepRun[]> {
  const workflow = parseYaml(blocks.get('github')!) as { jobs: Record<string, GithubJob> };
  const runs: StepRun[] = [];
  for (const [name, job] of Object.entries(workflow.jobs)) {
    let failed = false;
    for (const step of job.steps) {
      if (failed && !/always\(\)/.test(step.if ?? '')) continue;
      if (step.uses?.startsWith('actions/setup-node@')) {
        // A current LTS (even major, 22 or later) or the LTS alias.
        const v = String(step.with?.['node-version']);
        expect(v === 'lts/*' || (Number(v) >= 22 && Number(v) % 2 === 0), `node-version ${v}`).toBe(true);
      }
      if (!step.run) {
        runs.push({ job: name, step });
        continue;
      }
      const install_ = INSTALL.exec(step.run.trim());
      if (install_) {
        await install(step.run.trim(), ws);
        runs.push({ job: name, step, result: { code: 0, stdout: '', stderr: '' } });
        continue;
      }
      // Secrets are the CI system's; any value stands in for them here.
      const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, v.replace(/\$\{\{[^}]*\}\}/g, 'ci-secret')]));
      const result = await bash(step.run, ws, {
        ...env,
        PATH: pathEnv(),
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: ws,
        GITHUB_STEP_SUMMARY: join(ws, '..', `${basename(ws)}-summary.md`),
      });
      runs.push({ job: name, step, result });
      if (result.code !== 0) failed = true;
    }
  }
  return runs;
}

/** The GitLab job's script, line by line as GitLab runs it: the first failing line ends it. */
async function runGitlab(ws: string): Promise<{ job: GitlabJob; results: Shell[] }> {
  const jobs = parseYaml(blocks.get('gitlab')!) as Record<string, GitlabJob>;
  const [job] = Object.values(jobs);
  expect(job!.image).toMatch(/^node:(2[2-9]|[3-9]\d)$/);
  const results: Shell[] = [];
  for (const line of job!.script) {
    if (INSTALL.test(line.trim())) {
      await install(line.trim(), ws);
      continue;
    }
    const r = await bash(line, ws, { PATH: pathEnv(), CI: 'true', GITLAB_CI: 'true', GITHUB_ACTIONS: '' });
    results.push(r);
    if (r.code !== 0) break;
  }
  return { job: job!, results };
}

describe('README CI examples', () => {
  it('are marked, install the packed tarball, use a current LTS and gate on high findings', () => {
    expect([...blocks.keys()].sort()).toEqual(['github', 'gitlab', 'pack']);
    const workflow = parseYaml(blocks.get('github')!) as { jobs: Record<string, GithubJob> };
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run?.trim() ?? ''));
    expect(runs.filter((r) => r.startsWith('npm install -g'))).toEqual(runs.filter((r) => INSTALL.test(r)));
    expect(runs.some((r) => /^siteready assess .*--fail-on high/s.test(r) && /sarif=siteready\.sarif/.test(r))).toBe(true);
    // The runner inside the network never runs a pull request's files.
    for (const job of Object.values(workflow.jobs)) {
      const selfHosted = ([] as string[]).concat(job['runs-on']).includes('self-hosted');
      if (selfHosted) expect(job.if).toMatch(/github\.event_name != 'pull_request'/);
    }
  });

  it('GitHub Actions: every step passes against reachable endpoints; SARIF and artifacts are where the upload steps look', async () => {
    const ws = await workspace('github-pass', openPort);
    const runs = await runWorkflow(ws);
    for (const r of runs.filter((x) => x.result)) {
      expect(r.result!.code, `${r.job}: ${r.step.run}\n${r.result!.stdout}\n${r.result!.stderr}`).toBe(0);
    }
    const assess = runs.find((r) => r.step.run?.startsWith('siteready assess'))!;
    expect(assess.result!.stdout).toContain('Gate passed.');
    expect(assess.result!.stdout).not.toMatch(/^::error /m);
    const upload = runs.find((r) => r.step.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    const sarif = JSON.parse(await readFile(join(ws, String(upload.step.with!.sarif_file)), 'utf8')) as { version: string };
    expect(sarif.version).toBe('2.1.0');
    const artifact = runs.find((r) => r.step.uses?.startsWith('actions/upload-artifact@'))!;
    expect(await readdir(join(ws, String(artifact.step.with!.path)))).toEqual(expect.arrayContaining(['report.json', 'siteready.xml']));
  }, 180_000);

  it('GitHub Actions: a refused endpoint fails the gate (exit 1) with its reason and annotations; the always() uploads still find their files', async () => {
    const ws = await workspace('github-fail', refusedPort);
    const runs = await runWorkflow(ws);
    const validate = runs.find((r) => r.step.run?.startsWith('siteready validate'))!;
    expect(validate.result!.code, validate.result!.stderr).toBe(0);
    const assess = runs.find((r) => r.step.run?.startsWith('siteready assess'))!;
    expect(assess.result!.code).toBe(1);
    expect(assess.result!.stderr).toMatch(
      /^siteready: gate failed: \d+ unwaived finding\(s\) of severity high or higher \(--fail-on high\)$/m,
    );
    expect(assess.result!.stdout).toMatch(/^::error file=sites\/shanghai\.yaml,line=9,col=\d+,title=tcp · api::/m);
    const upload = runs.find((r) => r.step.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    expect(upload.step.if).toMatch(/always\(\)/);
    expect(await exists(join(ws, String(upload.step.with!.sarif_file)))).toBe(true);
    const artifact = runs.find((r) => r.step.uses?.startsWith('actions/upload-artifact@'))!;
    expect(await exists(join(ws, String(artifact.step.with!.path), 'report.json'))).toBe(true);
  }, 180_000);

  it('GitLab CI: passes against reachable endpoints, fails the gate against a refused one; the artifacts are there either way', async () => {
    for (const [name, port, code] of [
      ['gitlab-pass', openPort, 0],
      ['gitlab-fail', refusedPort, 1],
    ] as const) {
      const ws = await workspace(name, port);
      const { job, results } = await runGitlab(ws);
      const last = results.at(-1)!;
      expect(last.code, `${last.stdout}\n${last.stderr}`).toBe(code);
      if (code) expect(last.stderr).toMatch(/gate failed: .*\(--fail-on high\)/);
      // No GitHub annotations outside GitHub.
      expect(last.stdout).not.toMatch(/^::/m);
      expect(job.artifacts?.when).toBe('always');
      for (const p of [...(job.artifacts?.paths ?? []), job.artifacts!.reports!.junit!]) expect(await exists(join(ws, p)), p).toBe(true);
    }
  }, 180_000);
});
