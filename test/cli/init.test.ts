// `siteready init`: the built CLI run without a terminal, every file it writes loaded back with the
// site loader and passed through `siteready validate`; and the pure parts (flags + answers → site,
// the dialogue, the YAML) over many combinations. Needs the build: `npm run build`.

import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSiteText } from '../../src/site/load.js';
import { catalogChoices } from '../../src/cli/init.js';
import { detectFromEnv, gsettingsString } from '../../src/cli/init-detect.js';
import { describeProblem, InputClosed, promptAnswers, type PromptIO } from '../../src/cli/init-prompt.js';
import {
  buildInitSite,
  parseLinks,
  parseProbe,
  parseProxyUrl,
  type CatalogChoice,
  type DetectedSettings,
  type InitAnswers,
  type InitFlags,
} from '../../src/cli/init-site.js';
import { renderInitYaml, scalar } from '../../src/cli/init-yaml.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const PROXY_PASSWORD = 'dummy-proxy-password';
const TOKEN = 'dummy-token-0123456789';

let dir: string;
/** An empty directory as PATH: no gsettings on it, so the desktop's own settings never leak in. */
let emptyBin: string;

/** The environment of every run: no proxy settings, English, no terminal. */
const CLEAN_ENV: NodeJS.ProcessEnv = {
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined,
  auto_proxy: undefined,
  AUTO_PROXY: undefined,
  LANG: 'en_US.UTF-8',
  LC_ALL: undefined,
  LC_MESSAGES: undefined,
  SITEREADY_PROXY_PASSWORD: undefined,
  SITEREADY_TOKEN: undefined,
};

function init(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['init', ...args], { cwd: dir, env: { ...CLEAN_ENV, PATH: emptyBin, ...env } });
}

function expectOk(r: CliResult): void {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
}

/** Loads the text as `validate` and `assess` would, with the secret variables set to dummies. */
function load(text: string) {
  return parseSiteText(text, 'site.yaml', {
    env: { SITEREADY_PROXY_PASSWORD: PROXY_PASSWORD, SITEREADY_TOKEN: TOKEN },
    secrets: 'placeholder',
    catalogCache: false,
  }).site;
}

/** The written file passes `siteready validate` run as a user would. */
async function expectValidates(file: string): Promise<void> {
  const r = await runCli(['validate', file], {
    cwd: dir,
    env: { ...CLEAN_ENV, PATH: emptyBin, SITEREADY_PROXY_PASSWORD: PROXY_PASSWORD, SITEREADY_TOKEN: TOKEN },
  });
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  expect(r.stdout).toContain(': valid');
}

function expectShape(text: string): void {
  expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./site.schema.json');
  const tail = text.trimEnd().split('\n').slice(-5).join('\n');
  expect(tail).toMatch(/siteready validate \S+/);
  expect(tail).toMatch(/siteready assess \S+/);
  expect(text).toContain('siteready profiles');
  expect(text).toContain('siteready platforms');
}

beforeAll(async () => {
  emptyBin = await mkdtemp(join(tmpdir(), 'siteready-init-bin-'));
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-init-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('siteready init (built CLI, non-interactive)', () => {
  it('one cloud platform with every site field: a preset, links with figures, a valid file', async () => {
    const r = await init([
      '--platform',
      'microsoft-teams',
      '--name',
      'Shanghai branch',
      '--size',
      'medium',
      '--users',
      '300',
      '--country',
      'cn',
      '--link',
      'internet:200/50',
      '--yes',
    ]);
    expectOk(r);
    expect(r.stderr).toContain('Wrote site.yaml');
    const text = await readFile(join(dir, 'site.yaml'), 'utf8');
    expectShape(text);
    const site = load(text);
    expect(site.site).toEqual({ name: 'Shanghai branch', size: 'medium', users: 300, country: 'CN' });
    expect(site.network.links).toEqual([{ name: 'internet', kind: 'internet', downMbps: 200, upMbps: 50 }]);
    expect(site.platform.preset).toBe('microsoft-teams');
    expect(site.platform.catalogs?.map((c) => c.id)).toEqual(['microsoft-teams']);
    expect(site.network.proxy).toBeUndefined();
    await expectValidates('site.yaml');
  });

  it('several platforms (comma-separated and repeated), several links: platforms: [...]', async () => {
    const r = await init([
      'branch.yaml',
      '--platform',
      'microsoft-teams,zoom',
      '--platform',
      'feishu',
      '--name',
      'Shenzhen branch',
      '--link',
      'internet:500/200',
      '--link',
      'mpls:50/50,lte:20/5',
      '--yes',
    ]);
    expectOk(r);
    const text = await readFile(join(dir, 'branch.yaml'), 'utf8');
    expectShape(text);
    expect(text).toContain('siteready validate branch.yaml');
    const site = load(text);
    expect(site.platforms).toEqual(['microsoft-teams', 'zoom', 'feishu']);
    expect(site.platform.preset).toBeUndefined();
    expect(site.platform.catalogs?.map((c) => c.id)).toEqual(['microsoft-teams', 'zoom', 'feishu']);
    expect(site.network.links.map((l) => [l.name, l.downMbps, l.upMbps])).toEqual([
      ['internet', 500, 200],
      ['mpls', 50, 50],
      ['lte', 20, 5],
    ]);
    await expectValidates('branch.yaml');
  });

  it('a self-hosted template with --domain: platform.parameters.domain, endpoints on that host', async () => {
    const r = await init(['--platform', 'mattermost', '--domain', 'chat.example.com', '--name', 'HQ', '--yes']);
    expectOk(r);
    const site = load(await readFile(join(dir, 'site.yaml'), 'utf8'));
    expect(site.platform.preset).toBe('mattermost');
    expect(site.platform.parameters).toEqual({ domain: 'chat.example.com' });
    expect(site.platform.endpoints.some((e) => e.host === 'chat.example.com')).toBe(true);
    // No figures were given: the one default link is there, with a note of what to fill in.
    expect(site.network.links).toEqual([{ name: 'internet', kind: 'internet' }]);
    await expectValidates('site.yaml');
  });

  it('a template among several platforms: platforms: [...] plus platform.parameters', async () => {
    const r = await init(['--platform', 'zoom,matrix', '--domain', 'example.org', '--name', 'HQ', '--yes']);
    expectOk(r);
    const site = load(await readFile(join(dir, 'site.yaml'), 'utf8'));
    expect(site.platforms).toEqual(['zoom', 'matrix']);
    expect(site.platform.parameters).toEqual({ domain: 'example.org' });
    await expectValidates('site.yaml');
  });

  it('a proxy with user:password in HTTPS_PROXY: the user and ${SITEREADY_PROXY_PASSWORD} are written, never the password', async () => {
    const user = 'svc-siteready';
    const password = 'Pa55:w0rd/with@odd&chars';
    const url = `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@proxy.corp.example:3128/`;
    const r = await init(['--platform', 'zoom', '--name', 'HQ', '--yes'], { HTTPS_PROXY: url });
    expectOk(r);
    const text = await readFile(join(dir, 'site.yaml'), 'utf8');
    expect(text).toContain(`username: ${user}`);
    expect(text).toContain('password: ${SITEREADY_PROXY_PASSWORD}');
    expect(text).toMatch(/set\s+#?\s*SITEREADY_PROXY_PASSWORD/);
    for (const form of [
      password,
      encodeURIComponent(password),
      Buffer.from(`${user}:${password}`).toString('base64'),
      Buffer.from(`${user}:${password}`).toString('base64').replace(/=+$/, ''),
      'Pa55',
    ]) {
      expect(text).not.toContain(form);
      expect(r.stdout).not.toContain(form);
      expect(r.stderr).not.toContain(form);
    }
    expect(r.stderr).toContain('SITEREADY_PROXY_PASSWORD');
    const site = load(text);
    expect(site.network.proxy).toMatchObject({ url: 'http://proxy.corp.example:3128', username: user, password: PROXY_PASSWORD });
    await expectValidates('site.yaml');
  });

  it('HTTP_PROXY when HTTPS_PROXY is unset; NO_PROXY becomes noProxy; a port as written is kept', async () => {
    const r = await init(['--platform', 'slack', '--name', 'HQ', '--yes'], {
      HTTP_PROXY: 'proxy.corp.example:80',
      NO_PROXY: 'localhost, .corp.example,*.internal.example,10.0.0.0/8',
    });
    expectOk(r);
    const text = await readFile(join(dir, 'site.yaml'), 'utf8');
    expect(text).not.toContain('password:');
    const site = load(text);
    expect(site.network.proxy).toEqual({
      url: 'http://proxy.corp.example:80',
      noProxy: ['localhost', '.corp.example', '*.internal.example', '10.0.0.0/8'],
    });
    await expectValidates('site.yaml');
  });

  it('--pac writes network.proxy.pac (and wins over a proxy URL from the environment, kept as a comment)', async () => {
    const r = await init(['--platform', 'webex', '--name', 'HQ', '--pac', 'http://wpad.corp.example/wpad.dat', '--yes'], {
      HTTPS_PROXY: 'http://proxy.corp.example:8080',
    });
    expectOk(r);
    const text = await readFile(join(dir, 'site.yaml'), 'utf8');
    expect(text).toContain('# url: http://proxy.corp.example:8080');
    const site = load(text);
    expect(site.network.proxy).toEqual({ pac: 'http://wpad.corp.example/wpad.dat' });
    await expectValidates('site.yaml');
  });

  it('a PAC URL from auto_proxy, and from the GNOME setting when its mode is auto', async () => {
    let r = await init(['a.yaml', '--platform', 'zoom', '--name', 'HQ', '--yes'], { auto_proxy: 'http://pac.corp.example/proxy.pac' });
    expectOk(r);
    expect(load(await readFile(join(dir, 'a.yaml'), 'utf8')).network.proxy).toEqual({ pac: 'http://pac.corp.example/proxy.pac' });

    const fakeBin = join(dir, 'bin');
    await mkdir(fakeBin);
    const gsettings = join(fakeBin, 'gsettings');
    await writeFile(
      gsettings,
      `#!/bin/sh\ncase "$3" in\n  mode) echo "'auto'" ;;\n  autoconfig-url) echo "'http://wpad.corp.example/wpad.dat'" ;;\nesac\n`,
    );
    await chmod(gsettings, 0o755);
    r = await init(['b.yaml', '--platform', 'zoom', '--name', 'HQ', '--yes'], { PATH: fakeBin });
    expectOk(r);
    if (process.platform === 'linux') {
      expect(load(await readFile(join(dir, 'b.yaml'), 'utf8')).network.proxy).toEqual({ pac: 'http://wpad.corp.example/wpad.dat' });
      expect(r.stderr).toContain('GNOME');
    }
    await expectValidates('b.yaml');

    // --no-detect-proxy: nothing from the environment or the desktop.
    r = await init(['c.yaml', '--platform', 'zoom', '--name', 'HQ', '--no-detect-proxy', '--yes'], {
      PATH: fakeBin,
      HTTPS_PROXY: 'http://proxy.corp.example:8080',
    });
    expectOk(r);
    expect(load(await readFile(join(dir, 'c.yaml'), 'utf8')).network.proxy).toBeUndefined();
  });

  it('--probe host:port: probe section with token ${SITEREADY_TOKEN}, never a token value', async () => {
    const r = await init(['--platform', 'zoom', '--name', 'HQ', '--probe', 'reflector.dc1.example:7001', '--yes'], {
      SITEREADY_TOKEN: 'must-not-be-copied-0123',
    });
    expectOk(r);
    const text = await readFile(join(dir, 'site.yaml'), 'utf8');
    expect(text).toContain('token: ${SITEREADY_TOKEN}');
    expect(text).not.toContain('must-not-be-copied');
    expect(load(text).probe).toEqual({ host: 'reflector.dc1.example', port: 7001, token: TOKEN });
    await expectValidates('site.yaml');
  });

  it('an existing file is left alone without --force (exit 2 with a hint), replaced with it', async () => {
    await writeFile(join(dir, 'site.yaml'), 'mine\n');
    let r = await init(['--platform', 'zoom', '--name', 'HQ', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists');
    expect(r.stderr).toContain('--force');
    expect(await readFile(join(dir, 'site.yaml'), 'utf8')).toBe('mine\n');

    r = await init(['--platform', 'zoom', '--name', 'HQ', '--force', '--yes']);
    expectOk(r);
    expect(load(await readFile(join(dir, 'site.yaml'), 'utf8')).platform.preset).toBe('zoom');
    // Written through a temporary file renamed over the target: nothing is left beside it.
    expect((await readdir(dir)).sort()).toEqual(['site.yaml']);
  });

  it('an unknown platform: exit 2 with a did-you-mean, nothing written', async () => {
    const r = await init(['--platform', 'microsoft-tems', '--name', 'HQ', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown platform "microsoft-tems"');
    expect(r.stderr).toContain('did you mean "microsoft-teams"');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a template without --domain: exit 2 naming --domain, with an example command', async () => {
    const r = await init(['--platform', 'rocketchat', '--name', 'HQ', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--domain');
    expect(r.stderr).toContain('rocketchat');
    expect(r.stderr).toMatch(/for example: siteready init .*--platform rocketchat --domain chat\.example\.com --yes/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('stdin not a terminal, no --yes: never asks; what is missing is named, with an example (exit 2)', async () => {
    const r = await init([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--platform');
    expect(r.stderr).toContain('--name');
    expect(r.stderr).toMatch(/for example: siteready init --name .* --platform microsoft-teams --yes/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('wrong values are each named, in Chinese with --lang zh-CN', async () => {
    const r = await init([
      '--platform',
      'zoom',
      '--name',
      'HQ',
      '--country',
      'UK',
      '--users',
      'many',
      '--link',
      'x:fast',
      '--lang',
      'zh-CN',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"UK" 不是');
    expect(r.stderr).toContain('"GB"');
    expect(r.stderr).toContain('"many"');
    expect(r.stderr).toContain('"x:fast"');
  });

  it('- writes the file to stdout only: it parses, nothing else on stdout, no file created', async () => {
    const r = await init(['-', '--platform', 'google-meet', '--name', 'HQ', '--country', 'DE', '--yes'], {
      HTTPS_PROXY: 'http://proxy.corp.example:3128',
    });
    expectOk(r);
    expectShape(r.stdout);
    const site = load(r.stdout);
    expect(site.site).toEqual({ name: 'HQ', country: 'DE' });
    expect(site.platform.preset).toBe('google-meet');
    expect(site.network.proxy?.url).toBe('http://proxy.corp.example:3128');
    expect(await readdir(dir)).toEqual([]);
    await writeFile(join(dir, 'from-stdout.yaml'), r.stdout);
    await expectValidates('from-stdout.yaml');
  });

  it('--help exits 0 with examples', async () => {
    const r = await init(['--help']);
    expectOk(r);
    expect(r.stdout).toMatch(/^Usage: siteready init/m);
    expect(r.stdout).toContain('Examples');
  });
});

// ---- the pure parts ------------------------------------------------------------------------

const catalogs: CatalogChoice[] = catalogChoices();
const saas = catalogs.filter((c) => c.kind === 'saas').map((c) => c.id);
const templates = catalogs.filter((c) => c.kind === 'self-hosted').map((c) => c.id);

describe('buildInitSite (flags + answers → site)', () => {
  it('knows the shipped catalogs, cloud and templates', () => {
    expect(saas).toContain('microsoft-teams');
    expect(templates).toEqual(expect.arrayContaining(['matrix', 'mattermost', 'rocketchat', 'jitsi']));
    expect(catalogs.find((c) => c.id === 'matrix')?.parameters).toEqual(['domain']);
  });

  it('flags win over answers; answers fill in the rest', () => {
    const r = buildInitSite(
      { platform: ['zoom'], name: 'From flag' },
      { name: 'From answer', country: 'jp', users: '1,200', size: 'Large', link: 'fibre:1000/1000' },
      { catalogs },
    );
    expect(r.problems).toEqual([]);
    expect(r.site).toMatchObject({
      name: 'From flag',
      country: 'JP',
      users: 1200,
      size: 'large',
      links: [{ name: 'fibre', downMbps: 1000, upMbps: 1000 }],
      platforms: ['zoom'],
    });
  });

  it('names what is missing: name, platform, and a template’s domain', () => {
    expect(buildInitSite({}, {}, { catalogs }).missing).toEqual(['name', 'platform']);
    const r = buildInitSite({ platform: ['jitsi'], name: 'x' }, {}, { catalogs });
    expect(r.missing).toEqual(['domain']);
    expect(r.site).toBeUndefined();
    expect(buildInitSite({ platform: ['jitsi'], name: 'x' }, { domain: 'meet.example.org' }, { catalogs }).site?.domain).toBe(
      'meet.example.org',
    );
  });

  it('an unknown platform is a problem with did-you-mean candidates, in both languages', () => {
    const r = buildInitSite({ platform: ['zom'], name: 'x' }, {}, { catalogs });
    expect(r.problems).toHaveLength(1);
    expect(describeProblem('en', r.problems[0]!).hint).toContain('did you mean "zoom"?');
    expect(describeProblem('zh-CN', r.problems[0]!).hint).toContain('"zoom"');
  });

  it('--domain without a template is noted, not written', () => {
    const r = buildInitSite({ platform: ['zoom'], name: 'x', domain: 'chat.example.com' }, {}, { catalogs });
    expect(r.site?.domain).toBeUndefined();
    expect(r.notes.map((n) => n.id)).toContain('domainUnused');
  });

  it('proxy credentials: user kept, password only noted; a SOCKS proxy is left out with a note', () => {
    const detected: DetectedSettings = { proxy: { value: 'https://u%5Cdom:secret@proxy:8443', source: 'HTTPS_PROXY' } };
    const r = buildInitSite({ platform: ['zoom'], name: 'x' }, {}, { catalogs, detected });
    expect(r.site?.proxy).toMatchObject({ url: 'https://proxy:8443', username: 'u\\dom', password: true });
    expect(JSON.stringify(r)).not.toContain('secret');

    const socks = buildInitSite(
      { platform: ['zoom'], name: 'x' },
      {},
      { catalogs, detected: { proxy: { value: 'socks5://p:1080', source: 'HTTPS_PROXY' } } },
    );
    expect(socks.site?.proxy).toBeUndefined();
    expect(socks.notes.map((n) => n.id)).toContain('proxyScheme');

    // Given on the command line, a URL that cannot be written is an error — and its password is not echoed.
    const flag = buildInitSite({ platform: ['zoom'], name: 'x', proxy: 'http://u:topsecret@' }, {}, { catalogs });
    expect(flag.problems.map((p) => p.field)).toEqual(['proxy']);
    expect(JSON.stringify(flag)).not.toContain('topsecret');
  });

  it('a detected PAC file beside a proxy URL: the URL is written, the PAC file kept as a comment', () => {
    const detected: DetectedSettings = {
      proxy: { value: 'http://proxy:3128', source: 'HTTPS_PROXY' },
      pac: { value: 'file:///etc/proxy.pac', source: 'auto_proxy' },
      noProxy: { value: 'localhost', source: 'NO_PROXY' },
    };
    const r = buildInitSite({ platform: ['zoom'], name: 'x' }, {}, { catalogs, detected });
    expect(r.site?.proxy).toMatchObject({ url: 'http://proxy:3128', noProxy: ['localhost'], commentedPac: { pac: '/etc/proxy.pac' } });
  });
});

describe('field parsers', () => {
  it('links', () => {
    expect(parseLinks('internet:200/50')).toEqual({ ok: true, value: [{ name: 'internet', kind: 'internet', downMbps: 200, upMbps: 50 }] });
    expect(parseLinks(['wan1:1.5', 'sd-wan'])).toEqual({
      ok: true,
      value: [
        { name: 'wan1', downMbps: 1.5 },
        { name: 'sd-wan', kind: 'sd-wan' },
      ],
    });
    for (const bad of ['internet:0/5', 'internet:-1/5', ':200/50', 'a b', 'x:1/2/3', 'x:fast']) expect(parseLinks(bad).ok, bad).toBe(false);
    expect(parseLinks('a:1/1,a:2/2')).toMatchObject({ ok: false, problem: { id: 'duplicateLink' } });
  });

  it('probe addresses', () => {
    expect(parseProbe('reflector.dc1.example')).toEqual({ ok: true, value: { host: 'reflector.dc1.example', port: 7000 } });
    expect(parseProbe('[2001:db8::1]:7100')).toEqual({ ok: true, value: { host: '2001:db8::1', port: 7100 } });
    expect(parseProbe('10.0.0.5:7000')).toEqual({ ok: true, value: { host: '10.0.0.5', port: 7000 } });
    for (const bad of ['', 'host:0', 'host:70000', 'http://host:7000', 'a b:1']) expect(parseProbe(bad).ok, bad).toBe(false);
  });

  it('proxy URLs keep the port as written and drop the path', () => {
    expect(parseProxyUrl('proxy.corp.example:80', 'x')).toMatchObject({ ok: true, value: { url: 'http://proxy.corp.example:80' } });
    expect(parseProxyUrl('https://proxy.corp.example/', 'x')).toMatchObject({ ok: true, value: { url: 'https://proxy.corp.example' } });
    expect(parseProxyUrl('http://[2001:db8::1]:3128', 'x')).toMatchObject({ ok: true, value: { url: 'http://[2001:db8::1]:3128' } });
  });

  it('environment and gsettings readings', () => {
    expect(detectFromEnv({ https_proxy: ' http://p:1 ', HTTP_PROXY: 'http://q:2', no_proxy: 'a,b', auto_proxy: 'http://w/x.pac' })).toEqual(
      {
        proxy: { value: 'http://p:1', source: 'https_proxy' },
        noProxy: { value: 'a,b', source: 'no_proxy' },
        pac: { value: 'http://w/x.pac', source: 'auto_proxy' },
      },
    );
    expect(detectFromEnv({})).toEqual({});
    expect(gsettingsString("'http://wpad/wpad.dat'\n")).toBe('http://wpad/wpad.dat');
    expect(gsettingsString("''")).toBe('');
    expect(gsettingsString('@as []')).toBeUndefined();
  });

  it('scalars read back as the same string', async () => {
    const { parse } = await import('yaml');
    for (const s of [
      'plain',
      'true',
      'null',
      '1.0',
      '0x1F',
      'a: b',
      'x #y',
      '-dash',
      '上海',
      '"q"',
      "it's",
      '*.corp',
      '.corp',
      'http://p:1',
      'ends:',
    ]) {
      expect(parse(`k: ${scalar(s)}`), s).toEqual({ k: s });
      expect(parse(`k: [${scalar(s, 'flow')}]`), s).toEqual({ k: [s] });
    }
  });
});

describe('the dialogue (scripted answers instead of a terminal)', () => {
  function scripted(answers: string[]): PromptIO & { said: string[]; asked: string[] } {
    const said: string[] = [];
    const asked: string[] = [];
    return {
      said,
      asked,
      ask: async (q) => {
        asked.push(q);
        return answers.shift();
      },
      say: (l) => said.push(l),
    };
  }

  it('asks for what the flags did not give, again after a wrong answer, and the answers build a valid site', async () => {
    const io = scripted([
      '',
      'Branch 7',
      'mattermost,zom',
      'mattermost,zoom',
      'not a host!',
      'chat.example.com',
      'XX',
      'cn',
      '',
      'huge',
      'small',
      'internet:100/20',
    ]);
    const answers = await promptAnswers({}, catalogs, 'en', io, 'site.yaml');
    expect(answers).toEqual({
      name: 'Branch 7',
      platform: 'mattermost,zoom',
      domain: 'chat.example.com',
      country: 'cn',
      size: 'small',
      link: 'internet:100/20',
    });
    expect(io.said.join('\n')).toContain('did you mean "zoom"?');
    expect(io.said.join('\n')).toContain('"XX" is not an ISO 3166-1');
    const r = buildInitSite({}, answers, { catalogs });
    expect(r.problems).toEqual([]);
    const site = load(renderInitYaml(r.site!, { file: 'site.yaml' }));
    expect(site.platforms).toEqual(['mattermost', 'zoom']);
    expect(site.site).toEqual({ name: 'Branch 7', size: 'small', country: 'CN' });
  });

  it('asks nothing the flags gave; input that ends is InputClosed', async () => {
    const io = scripted([]);
    const flags: InitFlags = { name: 'x', platform: ['zoom'], country: 'CN', users: '5', size: 'small', link: ['internet'] };
    expect(await promptAnswers(flags, catalogs, 'en', io, 'site.yaml')).toEqual({});
    expect(io.asked).toEqual([]);
    await expect(promptAnswers({}, catalogs, 'zh-CN', scripted(['x']), 'site.yaml')).rejects.toBeInstanceOf(InputClosed);
  });
});

describe('every combination round-trips through the site loader with no problems', () => {
  const proxies: Array<DetectedSettings | undefined> = [
    undefined,
    {
      proxy: { value: 'http://alice:pw@proxy.corp.example:3128', source: 'HTTPS_PROXY' },
      noProxy: { value: '.corp.example,10.0.0.0/8', source: 'NO_PROXY' },
    },
    { proxy: { value: 'proxy:8080', source: 'HTTP_PROXY' }, pac: { value: 'http://wpad/wpad.dat', source: 'auto_proxy' } },
    { pac: { value: 'file:///etc/proxy.pac', source: 'GNOME' } },
  ];
  const platformSets = [['microsoft-teams'], ['zoom', 'dingtalk'], ['matrix'], ['slack', 'jitsi', 'rocketchat'], [...saas]];
  const extras: Array<{ flags: InitFlags; answers: InitAnswers }> = [
    { flags: {}, answers: {} },
    {
      flags: { size: 'enterprise', users: '10000000', country: 'us', link: ['internet:1000/1000', 'mpls:100/100', 'backup-lte'] },
      answers: {},
    },
    { flags: { probe: '[::1]:7000', pac: 'proxy.pac' }, answers: { name: 'ignored' } },
  ];
  const names = ['HQ', 'Shanghai branch: floor #2', '上海分行', 'true', 'O\'Brien & Co. ("EU")'];

  let n = 0;
  for (const platforms of platformSets)
    for (const detected of proxies)
      for (const { flags, answers } of extras) {
        const name = names[n++ % names.length]!;
        it(`${platforms.join(',')} · ${detected ? Object.keys(detected).join('+') : 'no proxy'} · ${Object.keys(flags).join('+') || 'defaults'} · ${name}`, () => {
          const r = buildInitSite({ ...flags, platform: platforms, name, domain: 'chat.example.com' }, answers, { catalogs, detected });
          expect(r.problems).toEqual([]);
          const text = renderInitYaml(r.site!, { file: 'site.yaml' });
          expect(text.startsWith('# yaml-language-server: $schema=./site.schema.json\n')).toBe(true);
          expect(text).not.toMatch(/:pw@|password: pw/);
          const site = load(text);
          expect(site.site.name).toBe(name);
          expect([site.platform.preset ?? site.platforms].flat()).toEqual(platforms);
          if (platforms.some((p) => templates.includes(p))) expect(site.platform.parameters).toEqual({ domain: 'chat.example.com' });
        });
      }
});
