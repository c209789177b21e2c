// A CI job that explains itself, through the built CLI: the gate's reasons on stderr whatever
// went to stdout (even with --quiet), and GitHub annotations on stdout under Actions unless stdout
// carries a machine-readable report. Needs the build.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURE } from '../report/report-fixture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sr-ci-explains-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Outside Actions unless a test says otherwise, whatever runs this suite. */
const NOT_ACTIONS = { GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '' };
const ACTIONS = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: '', GITHUB_WORKSPACE: '' };

describe('the gate says why it failed, on stderr', () => {
  it('report --fail-on high with nothing on stdout: one line per reason, also with --quiet', async () => {
    const r = await runCli(
      ['report', FIXTURE, '--fail-on', 'high', '--min-grade', 'A', '--quiet', '--format', `json=${join(dir, 'r.json')}`],
      {
        env: NOT_ACTIONS,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'siteready: gate failed: grade B is below A (--min-grade A)',
      'siteready: gate failed: 1 unwaived finding(s) of severity high or higher (--fail-on high)',
    ]);
  });

  it('in the reader’s language', async () => {
    const r = await runCli(['report', FIXTURE, '--fail-under', '90', '--lang', 'zh-CN', '--format', `junit=${join(dir, 'r.xml')}`], {
      env: NOT_ACTIONS,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('siteready: 门禁未通过：得分 86 低于 90（--fail-under 90）\n');
  });

  it('a passing gate, or none, prints nothing', async () => {
    const pass = await runCli(['report', FIXTURE, '--fail-on', 'critical', '--format', `json=${join(dir, 'p.json')}`], {
      env: NOT_ACTIONS,
    });
    expect(pass.code).toBe(0);
    expect(pass.stderr).toBe('');
    const none = await runCli(['report', FIXTURE, '--json'], { env: NOT_ACTIONS });
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('');
  });

  it('the SARIF of a failing gate is a successful run that records the gate', async () => {
    const file = join(dir, 'g.sarif');
    const r = await runCli(['report', FIXTURE, '--fail-on', 'high', '--format', `sarif=${file}`], { env: NOT_ACTIONS });
    expect(r.code).toBe(1);
    const log = JSON.parse(await readFile(file, 'utf8')) as {
      runs: Array<{ invocations: Array<{ executionSuccessful: boolean; properties: { gate: { passed: boolean } } }> }>;
    };
    expect(log.runs[0]!.invocations[0]).toMatchObject({ executionSuccessful: true, properties: { gate: { passed: false } } });
  });
});

describe('GitHub annotations', () => {
  it('under Actions, the blockers go to stdout as workflow commands after the terminal report', async () => {
    const r = await runCli(['report', FIXTURE, '--fail-on', 'high'], { env: ACTIONS });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('siteready readiness report');
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands.length).toBeGreaterThan(3);
    expect(commands[0]).toMatch(/^::error file=examples\/demo-site\.yaml,line=\d+,col=\d+,title=compliance · /);
    expect(r.stderr).toMatch(/gate failed: .*\(--fail-on high\)/);
  });

  it('with every format in files, stdout carries the annotations alone', async () => {
    const r = await runCli(['report', FIXTURE, '--quiet', '--format', `sarif=${join(dir, 'a.sarif')}`], { env: ACTIONS });
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .every((l) => /^::(error|warning|notice) /.test(l)),
    ).toBe(true);
  });

  it('stdout carrying a machine format gets none, and stderr says so once', async () => {
    const r = await runCli(['report', FIXTURE, '--json'], { env: ACTIONS });
    expect(r.code).toBe(0);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(r.stderr).toBe(
      'siteready: no GitHub annotations: standard output carries the json report (write it to a file with --format json=FILE to get them)\n',
    );
  });

  it('none outside Actions, nor with --no-annotations', async () => {
    const outside = await runCli(['report', FIXTURE, '--format', `json=${join(dir, 'o.json')}`], { env: NOT_ACTIONS });
    expect(outside.stdout).toBe('');
    const off = await runCli(['report', FIXTURE, '--no-annotations', '--format', `json=${join(dir, 'o.json')}`], { env: ACTIONS });
    expect(off.stdout).toBe('');
  });
});
