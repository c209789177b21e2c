// deploy/: the artifacts that schedule siteready on engines organisations already run. Each is
// checked with what a reviewer would use: the Kubernetes manifests against the API's field names
// (strict schemas), their commands against siteready's own options; the systemd units with
// systemd-analyze; the Ansible role with --syntax-check and a real run of it on this host
// (connection local, into a temporary prefix), twice, the second changing nothing.

import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, requireTool, runCli } from '../helpers/cli.js';
import { hasTool, tempDir, type TempDir } from '../helpers/peers.js';
import { K8S_SCHEMAS } from './k8s-schemas.js';

const run = promisify(execFile);
const DEPLOY = join(ROOT, 'deploy');
const TOKEN = 'deploy-test-token-0123456789abcdef';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await tempDir('sr-deploy-');
});
afterAll(async () => {
  await tmp?.remove();
});

/** The long options a command accepts, from its --help. */
async function optionsOf(command: string): Promise<Set<string>> {
  const help = await runCli([command, '--help']);
  expect(help.code).toBe(0);
  return new Set(help.stdout.match(/--[a-z][a-z-]*/g) ?? []);
}

function expectKnownOptions(args: string[], known: Set<string>): void {
  for (const a of args) if (a.startsWith('--')) expect(known, `${a} is not an option`).toContain(a.split('=')[0]);
}

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: any };

async function kustomizeObjects(): Promise<K8sObject[]> {
  const dir = join(DEPLOY, 'kubernetes');
  const k = parse(await readFile(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const objects: K8sObject[] = [];
  for (const file of k.resources) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      objects.push(doc.toJS() as K8sObject);
    }
  }
  return objects;
}

describe('deploy/kubernetes', () => {
  it('every object is one the API knows, with its fields spelt and placed as the API has them', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const objects = await kustomizeObjects();
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'CronJob', 'Deployment', 'Namespace', 'Secret', 'Service']);
    for (const o of objects) {
      const schema = K8S_SCHEMAS[`${o.apiVersion}/${o.kind}`];
      expect(schema, `${o.apiVersion} ${o.kind}`).toBeDefined();
      const validate = ajv.compile(schema!);
      expect(validate(o) ? [] : validate.errors, `${o.kind} ${o.metadata.name}`).toEqual([]);
    }
    if (hasTool('kubectl')) {
      // kustomize builds it (offline) too: the same objects.
      const { stdout } = await run('kubectl', ['kustomize', join(DEPLOY, 'kubernetes')]);
      expect(parseAllDocuments(stdout).length).toBe(objects.length);
    }
  });

  it("the CronJob runs assess on its site file with siteready's options, on a valid schedule; the site file validates", async () => {
    const objects = await kustomizeObjects();
    const cron = objects.find((o) => o.kind === 'CronJob')!;
    expect(cron.spec.schedule).toMatch(/^(\S+\s+){4}\S+$/);
    expect(() => new Intl.DateTimeFormat('en', { timeZone: cron.spec.timeZone })).not.toThrow();
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    const args: string[] = pod.containers[0].args;
    expect(args[0]).toBe('assess');
    expectKnownOptions(args, await optionsOf('assess'));
    const mount = pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'site');
    expect(args[1]).toBe(`${mount.mountPath}/site.yaml`);
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === pod.volumes[0].configMap.name)!;
    const site = join(tmp.path, 'k8s-site.yaml');
    await writeFile(site, configMap.data['site.yaml']);
    const v = await runCli(['validate', site], { env: { SITEREADY_TOKEN: TOKEN } });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    // The secret the job reads holds the variables its args and site file use.
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === pod.containers[0].envFrom[0].secretRef.name)!;
    expect(Object.keys(secret.stringData).sort()).toEqual(['SITEREADY_STORE', 'SITEREADY_TOKEN']);
  });

  it('the reflector runs serve with its options; the Service exposes the TCP and UDP ports it listens on', async () => {
    const objects = await kustomizeObjects();
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const c = deployment.spec.template.spec.containers[0];
    expect(c.args[0]).toBe('serve');
    expectKnownOptions(c.args, await optionsOf('serve'));
    expect(c.args).toContain('0.0.0.0:7000');
    const service = objects.find((o) => o.kind === 'Service')!;
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: { protocol: string; port: number }) => `${p.protocol}/${p.port}`).sort()).toEqual([
      'TCP/7000',
      'UDP/7000',
    ]);
    expect(deployment.spec.replicas).toBe(1);
  });
});

/** A stand-in for the installed command at an absolute path, as ExecStart= needs one. */
async function fakeInstalled(): Promise<string> {
  const bin = join(tmp.path, 'bin', 'siteready');
  await mkdir(join(tmp.path, 'bin'), { recursive: true });
  await writeFile(bin, `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`);
  await chmod(bin, 0o755);
  return bin;
}

describe.runIf(requireTool(hasTool('systemd-analyze'), 'systemd-analyze'))('deploy/systemd', () => {
  it('systemd-analyze verifies the units; the timer fires; ExecStart uses options siteready has', async () => {
    const bin = await fakeInstalled();
    const dir = join(tmp.path, 'units');
    await mkdir(dir);
    const units = (await readdir(join(DEPLOY, 'systemd'))).filter((f) => /\.(service|timer)$/.test(f));
    expect(units.sort()).toEqual(['siteready-assess.service', 'siteready-assess.timer', 'siteready-reflector.service']);
    for (const u of units) {
      const text = (await readFile(join(DEPLOY, 'systemd', u), 'utf8')).replaceAll('/usr/local/bin/siteready', bin);
      await writeFile(join(dir, u), text);
    }
    const verify = await run('systemd-analyze', ['verify', ...units.map((u) => join(dir, u))]).catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect('code' in verify ? verify.stderr : '').toBe('');
    const timer = await readFile(join(DEPLOY, 'systemd', 'siteready-assess.timer'), 'utf8');
    const calendar = /^OnCalendar=(.+)$/m.exec(timer)![1]!;
    await run('systemd-analyze', ['calendar', calendar]);
    expect(timer).toMatch(/^RandomizedDelaySec=\S+/m);
    for (const [unit, command] of [
      ['siteready-assess.service', 'assess'],
      ['siteready-reflector.service', 'serve'],
    ] as const) {
      const text = (await readFile(join(DEPLOY, 'systemd', unit), 'utf8')).replace(/\\\n\s*/g, ' ');
      const exec = /^ExecStart=(.+)$/m.exec(text)![1]!.split(/\s+/);
      expect(exec[1]).toBe(command);
      expectKnownOptions(exec, await optionsOf(command));
    }
  });
});

describe.runIf(requireTool(hasTool('ansible-playbook'), 'ansible-playbook (ansible-core)'))('deploy/ansible', () => {
  const env = {
    ...process.env,
    ANSIBLE_ROLES_PATH: join(DEPLOY, 'ansible', 'roles'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
  };

  it('the playbook passes --syntax-check', async () => {
    const { stdout } = await run(
      'ansible-playbook',
      ['-i', join(DEPLOY, 'ansible', 'inventory.example.ini'), join(DEPLOY, 'ansible', 'site.yml'), '--syntax-check'],
      {
        env,
      },
    );
    expect(stdout).toContain('playbook: ');
  });

  it('the role installs siteready from a bundle and sets up the site and timer; run again, it changes nothing', async () => {
    // The self-contained bundle a branch without registry access gets, made from npm's cache only.
    const made = await run(process.execPath, [join(ROOT, 'scripts', 'make-bundle.mjs'), '--out', tmp.path, '--offline'], {
      cwd: ROOT,
      timeout: 240_000,
    });
    const bundle = made.stdout.trim().split('\n').pop()!;
    expect(bundle).toMatch(/siteready-\d+\.\d+\.\d+-linux-x64-node\d+\.tgz$/);
    const prefix = join(tmp.path, 'prefix');
    const vars = {
      siteready_bundle_file: bundle,
      siteready_prefix: prefix,
      siteready_create_user: false,
      siteready_user: 'root',
      siteready_group: 'root',
      siteready_config_dir: join(tmp.path, 'etc'),
      siteready_state_dir: join(tmp.path, 'state'),
      siteready_unit_dir: join(tmp.path, 'systemd'),
      siteready_manage_services: false,
      siteready_site_yaml:
        'version: 1\nsite: { name: Branch via Ansible }\nplatform:\n  endpoints:\n    - { name: web, url: "https://im.example.com/" }\nprobe: { host: reflector.example.com, port: 7000, token: "${SITEREADY_TOKEN}" }\n',
      siteready_environment: { SITEREADY_TOKEN: TOKEN, SITEREADY_STORE: 'postgres://siteready:pw@history.example.internal/siteready' },
    };
    await mkdir(vars.siteready_unit_dir);
    const varsFile = join(tmp.path, 'vars.json');
    await writeFile(varsFile, JSON.stringify(vars));
    const play = join(tmp.path, 'play.yml');
    await writeFile(play, '- hosts: localhost\n  gather_facts: true\n  roles:\n    - role: siteready\n');
    const playbook = () =>
      run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', play, '-e', `@${varsFile}`], { env, timeout: 240_000 }).catch(
        (e: { stdout: string; stderr: string }) => {
          throw new Error(`ansible-playbook failed:\n${e.stdout}\n${e.stderr}`);
        },
      );
    const first = await playbook();
    expect(first.stdout).toMatch(/localhost\s+: ok=\d+\s+changed=[1-9]/);

    const version = await run(join(prefix, 'bin', 'siteready'), ['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
    // Installed, it measures: the plain-TCP check against a closed loopback port, from the installed copy.
    const measured = await run(join(prefix, 'bin', 'siteready'), ['run', 'tcp', '127.0.0.1:1', '--json']).catch(
      (e: { stdout: string }) => e,
    );
    expect(JSON.parse(measured.stdout).results[0].classification).toBe('refused');
    const envFile = join(vars.siteready_config_dir, 'siteready.env');
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(envFile, 'utf8')).toContain(`SITEREADY_TOKEN="${TOKEN}"`);
    const service = await readFile(join(vars.siteready_unit_dir, 'siteready-assess.service'), 'utf8');
    expect(service).toContain(
      `ExecStart=${prefix}/bin/siteready assess ${vars.siteready_config_dir}/site.yaml --quiet --store \${SITEREADY_STORE}`,
    );
    const units = ['siteready-assess.service', 'siteready-assess.timer'].map((u) => join(vars.siteready_unit_dir, u));
    const verify = await run('systemd-analyze', ['verify', ...units]).catch((e: { stderr: string }) => e);
    expect('stderr' in verify && !('stdout' in verify) ? verify.stderr : '').toBe('');

    const second = await playbook();
    expect(second.stdout).toMatch(/localhost\s+: ok=\d+\s+changed=0\s/);
  }, 300_000);
});
