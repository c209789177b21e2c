// Every shipped example validates; `plan` and `serve` behave on good and bad input.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { DEMO_SITE_ENV } from '../helpers/lab-env.js';
import { freePort } from '../../src/lab/demo-lab.js';

const ENV = {
  ...DEMO_SITE_ENV,
  PROXY_PASSWORD: 'example-password',
  SITEREADY_TOKEN: 'example-token-456',
};

describe('examples', () => {
  const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
  it('ships at least the demo, a small office and a bank branch', () => {
    expect(files).toEqual(expect.arrayContaining(['demo-site.yaml', 'small-office.yaml', 'bank-branch.yaml']));
  });
  for (const f of files) {
    it(`${f} validates`, async () => {
      const r = await runCli(['validate', `examples/${f}`], { env: ENV });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });
  }
});

describe('plan', () => {
  it('prints demand against the allowance without measuring', async () => {
    const r = await runCli(['plan', 'examples/small-office.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Headroom/);
    expect(r.stdout).toMatch(/Concurrent 1:1 video calls/);
  });

  it('--json gives headroom per direction', async () => {
    const r = await runCli(['plan', 'examples/small-office.yaml', '--json']);
    const plan = JSON.parse(r.stdout) as { headroomMbps: { down: number; up: number } };
    expect(plan.headroomMbps.down).toBeGreaterThan(plan.headroomMbps.up);
  });

  it('speaks Chinese', async () => {
    const r = await runCli(['plan', 'examples/small-office.yaml', '--lang', 'zh-CN']);
    expect(r.stdout).toMatch(/[\u4e00-\u9fff]/);
  });

  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  it('a site without demand is a configuration error (exit 2)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sr-plan-'));
    await writeFile(
      join(dir, 's.yaml'),
      'version: 1\nsite: { name: x }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: 1 }\n',
    );
    const r = await runCli(['plan', join(dir, 's.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no demand/);
  });

  // 100 users, 20 % in 1:1 video (and so audio): 20 × (1500 + 58) = 31.16 Mbit/s each way.
  const planSite = (links: string) =>
    'version: 1\nsite: { name: x }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: 1 }\n' +
    `network:\n  links:\n${links}` +
    'demand:\n  personas:\n    - { name: staff, users: 100, audio: 0.2, video: 0.2, meetings: 0 }\n';
  const writeSite = async (links: string) => {
    dir = await mkdtemp(join(tmpdir(), 'sr-plan-'));
    const file = join(dir, 's.yaml');
    await writeFile(file, planSite(links));
    return file;
  };

  it('exits 1 on a shortfall, text and --json alike', async () => {
    // 100 / 50 → allowance 30 / 15 against 31.16: short both ways.
    const file = await writeSite('    - { name: fibre, downMbps: 100, upMbps: 50 }\n');
    const r = await runCli(['plan', file]);
    expect(r.stdout).toContain('SHORTFALL');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = await runCli(['plan', file, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ shortfall: true, backupOnly: null, links: [{ name: 'fibre', role: 'primary' }] });
  });

  it('exits 0 when it fits; a backup link is not added, and a shortfall on it alone shows without exit 1', async () => {
    // Primary 500 / 500 → allowance 150: fits. Backup 100 / 50 → allowance 30 / 15: short 1.2 down, 16.2 up.
    const file = await writeSite(
      '    - { name: fibre, kind: internet, downMbps: 500, upMbps: 500 }\n' +
        '    - { name: lte, kind: lte, role: backup, downMbps: 100, upMbps: 50 }\n',
    );
    const r = await runCli(['plan', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Real-time demand fits within the allowance.');
    expect(r.stdout).toMatch(/lte\s+backup\s+failover only/);
    expect(r.stdout).toContain('On the backup link alone, real-time demand exceeds the allowance by 1.2 Mbit/s down, 16.2 Mbit/s up.');
    const j = await runCli(['plan', file, '--json']);
    expect(j.code).toBe(0);
    const plan = JSON.parse(j.stdout) as { perDirection: { down: { declaredMbps: number } }; backupOnly: { shortfall: boolean } };
    expect(plan.perDirection.down.declaredMbps).toBe(500);
    expect(plan.backupOnly.shortfall).toBe(true);
  });

  it('--help states the exit codes', async () => {
    const r = await runCli(['plan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*1 +shortfall/);
    expect(r.stdout).toMatch(/backup/);
  });

  it('a link role outside primary, backup and aggregate is a configuration error (exit 2)', async () => {
    const file = await writeSite('    - { name: fibre, role: standby, downMbps: 100, upMbps: 50 }\n');
    const r = await runCli(['plan', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/role/);
  });
});

describe('serve', () => {
  it('refuses to start without a token, and never takes one on the command line', async () => {
    const none = await runCli(['serve', '--listen', '127.0.0.1:0'], { env: { SITEREADY_TOKEN: '' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/SITEREADY_TOKEN/);
    const flag = await runCli(['serve', '--listen', '127.0.0.1:0', '--token', 'abcdefabcdefabcdef']);
    expect(flag.code).toBe(2);
  });

  it('refuses a short token and a bad --listen', async () => {
    expect((await runCli(['serve', '--listen', '127.0.0.1:0'], { env: { SITEREADY_TOKEN: 'short' } })).code).toBe(2);
    expect((await runCli(['serve', '--listen', 'nonsense'], { env: { SITEREADY_TOKEN: 'long-enough-token-123' } })).code).toBe(2);
  });

  it('serves until SIGTERM, then stops cleanly; run throughput/latency work against it', async () => {
    const port = await freePort();
    const token = 'serve-test-token-0123456789';
    const child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${port}`], {
      env: { ...process.env, SITEREADY_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (c) => reject(new Error(`serve exited ${c}: ${log}`)));
      });
      const t = await runCli(['run', 'throughput', `127.0.0.1:${port}`, '--duration', '1', '--transport', 'tcp', '--json', '-q'], {
        env: { SITEREADY_TOKEN: token },
      });
      expect(t.code).toBe(0);
      const tr = JSON.parse(t.stdout) as { results: Array<{ measurements: Array<{ id: string; value: number }> }> };
      const ids = tr.results[0]!.measurements.map((m) => m.id);
      expect(ids).toEqual(expect.arrayContaining(['throughput-down', 'throughput-up']));
      expect(tr.results[0]!.measurements.find((m) => m.id === 'throughput-down')!.value).toBeGreaterThan(0);
      const l = await runCli(['run', 'latency', `127.0.0.1:${port}`, '--duration', '1', '--profile', 'audio', '--json', '-q'], {
        env: { SITEREADY_TOKEN: token },
      });
      const lr = JSON.parse(l.stdout) as { results: Array<{ status: string; measurements: Array<{ id: string }> }> };
      expect(lr.results[0]!.status).toBe('pass');
      expect(lr.results[0]!.measurements.map((m) => m.id)).toEqual(
        expect.arrayContaining(['rtt-p50', 'rtt-p95', 'jitter', 'loss', 'reorder']),
      );
      // The token is in no output, and in no log line.
      expect(t.stdout + l.stdout + log).not.toContain(token);
      const wrong = await runCli(['run', 'latency', `127.0.0.1:${port}`, '--duration', '1', '--json', '-q'], {
        env: { SITEREADY_TOKEN: 'not-the-right-token' },
      });
      const wr = JSON.parse(wrong.stdout) as { results: Array<{ status: string; findings: Array<{ id: string }> }> };
      expect(wr.results[0]!.status).toBe('error');
      expect(wr.results[0]!.findings[0]!.id).toBe('latency.probe-unauthorized');
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code).toBe(0);
    }
    expect(log).toMatch(/"msg":"reflector stopped"/);
  });
});

describe('compliance profiles named in the site', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  it('an unknown profile is a configuration error with its line (exit 2)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sr-prof-'));
    await writeFile(
      join(dir, 's.yaml'),
      'version: 1\nsite: { name: x }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: 1 }\ncompliance:\n  profiles: [no-such-profile]\n',
    );
    const r = await runCli(['validate', join(dir, 's.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s\.yaml:7:\d+: error: .*unknown compliance profile "no-such-profile"/);
  });
  it('a profile given as a path must exist', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sr-prof-'));
    await writeFile(
      join(dir, 's.yaml'),
      'version: 1\nsite: { name: x }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: 1 }\ncompliance:\n  profiles: [./mine.yaml]\n',
    );
    const r = await runCli(['validate', join(dir, 's.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/profile file "\.\/mine\.yaml" not found/);
  });
});
