// Negotiate (Kerberos / SPNEGO) proxy authentication against real peers: an MIT KDC with a realm of
// the test's own, squid authenticating with negotiate_kerberos_auth against a keytab for
// HTTP/proxy.<domain>, a dnsmasq that gives the proxy's names to siteready, and siteready run with
// KRB5_CONFIG / KRB5CCNAME pointing at the test's realm and credential caches.
//
// With a ticket, tcp, http (CONNECT and plain absolute-form) and websocket go through the proxy.
// Without one, with a proxy name the KDC has no principal for (an IP address, an alias, a domain
// of another realm), with a ticket the proxy cannot accept, with the KDC out of reach or without
// the kerberos module, the proxy-auth-required finding says which, in English and Chinese.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { requireTool } from '../helpers/cli.js';
import { kdcToolsMissing, startKdc, type Kdc } from '../helpers/kdc.js';
import {
  freePort,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  startProcess,
  tempDir,
  waitForTcp,
  withRetries,
  writeSite,
  type Peer,
  type Report,
  type ReportResult,
} from '../helpers/peers.js';
import {
  assessWithEnv,
  cleanupAll,
  isRoot,
  settleAll,
  startHttpUpstream,
  startTlsUpstream,
  type EnvRun,
  type Upstream,
} from '../helpers/proxies.js';
import { englishReport, type EnglishReport, type EnglishResult } from '../helpers/report-text.js';

const NEGOTIATE_HELPERS = [
  '/usr/lib/squid/negotiate_kerberos_auth',
  '/usr/lib64/squid/negotiate_kerberos_auth',
  '/usr/libexec/squid/negotiate_kerberos_auth',
];

async function firstExecutable(paths: string[]): Promise<string | undefined> {
  for (const p of paths)
    if (
      await access(p, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return p;
  return undefined;
}

const helper = await firstExecutable(NEGOTIATE_HELPERS);
const kerberosModule = await import('kerberos').then(
  () => true,
  () => false,
);
const missingKdcTools = kdcToolsMissing();
const available =
  requireTool(hasTool('squid'), 'squid') &&
  requireTool(hasTool('dnsmasq'), 'dnsmasq') &&
  requireTool(
    missingKdcTools.length === 0,
    `the MIT Kerberos tools ${missingKdcTools.join(', ')} (krb5-kdc, krb5-admin-server, krb5-user)`,
  ) &&
  requireTool(helper !== undefined, `squid's negotiate_kerberos_auth (looked in ${NEGOTIATE_HELPERS.join(', ')})`) &&
  requireTool(kerberosModule, 'the kerberos npm module (an optional dependency: it builds during npm ci when libkrb5-dev is installed)');

// Relaxed "slow" thresholds: these tests are about the path and its findings, not speed.
const CHECKS = {
  tcp: { connectTimeoutMs: 2000, slowMs: 3000 },
  http: { connectTimeoutMs: 2000, slowMs: 5000 },
  websocket: { connectTimeoutMs: 2000, slowMs: 3000, pings: 2 },
  dns: { slowMs: 4000 },
};

/** A base64 SPNEGO token after "Negotiate": what must never reach any output. */
const TOKEN = /Negotiate\s+[A-Za-z0-9+/]{16,}/;

/** A finding with its English text (`text`, `fix`) rendered from the catalogs. */
function finding(r: EnglishResult<ReportResult>, id: string) {
  const f = r.findings.find((x) => x.id === id);
  if (!f) throw new Error(`${r.check}:${r.target} has no finding ${id}; has ${r.findings.map((x) => x.id).join(', ') || 'none'}`);
  return f;
}

describe.skipIf(!available)('Negotiate (Kerberos) proxy authentication: MIT KDC + squid negotiate_kerberos_auth', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  const id = randomBytes(3).toString('hex');
  // Names of this test only: the realm's domain, one outside it, and the proxy's names in both.
  const domain = `krb${id}.test`;
  const foreignDomain = `elsewhere${id}.test`;
  const proxyHost = `proxy.${domain}`;
  const aliasHost = `alias.${domain}`;
  const otherHost = `other.${domain}`;
  const foreignHost = `proxy.${foreignDomain}`;
  const password = `Kerb-${randomBytes(8).toString('hex')}`;
  let dir = '';
  let kdc: Kdc;
  let user = '';
  let squid: NegotiateSquid;
  let upstream: Upstream;
  let plain: Upstream;
  let ntlmPort = 0;
  const runs: Record<string, EnvRun> = {};
  const english: Record<string, EnglishReport<Report>> = {};

  beforeAll(async () => {
    const tmp = await tempDir('sr-krb-');
    cleanups.push(() => tmp.remove());
    dir = tmp.path;
    const started = <T extends { stop: () => Promise<void> }>(p: Promise<T>): Promise<T> => p.then((x) => (cleanups.push(x.stop), x));

    kdc = await started(startKdc({ dir, domains: [domain] }));
    user = await kdc.addUser('alice', password);
    const proxySpn = await kdc.addService(`HTTP/${proxyHost}`);
    // Known to the KDC, so a ticket is issued, but not in the proxy's keytab: the proxy refuses it.
    await kdc.addService(`HTTP/${otherHost}`);

    const ca = createCertificateAuthority('siteready kerberos-test CA');
    const leaf = issueCertificate(ca, { commonName: 'app.krb.test', dnsNames: ['app.krb.test'], ipAddresses: ['127.0.0.1'] });
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca.certPem);

    const dns = await started(
      startDnsmasq({
        dir,
        records: [proxyHost, aliasHost, otherHost, foreignHost].map((h) => `--address=/${h}/127.0.0.1`),
      }),
    );
    [upstream, plain, squid] = await settleAll([
      started(startTlsUpstream(leaf)),
      started(startHttpUpstream()),
      started(startNegotiateSquid({ helper: helper!, kdc, spn: proxySpn })),
    ]);
    const ntlm = await started(startNtlmOnlyStub());
    ntlmPort = ntlm.port;

    // A credential cache per run: concurrent runs each add their own service tickets to it.
    const ticket = async (name: string) => {
      const ccache = `FILE:${join(dir, `${name}.ccache`)}`;
      await kdc.kinit(user, password, ccache);
      return ccache;
    };
    // The realm as siteready sees it, but with the KDC's port closed.
    const unreachableConf = join(dir, 'krb5-kdc-down.conf');
    const closedPort = await freePort();
    await writeFile(unreachableConf, (await readFile(kdc.krb5Conf, 'utf8')).replaceAll(`127.0.0.1:${kdc.port}`, `127.0.0.1:${closedPort}`));
    // Hides the kerberos module from siteready's loader, as on a machine where it failed to build.
    const hook = join(dir, 'hide-kerberos.mjs');
    await writeFile(
      hook,
      "import { register } from 'node:module';\n" +
        `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
          "export async function resolve(specifier, context, next) { if (specifier === 'kerberos') { const e = new Error(\"Cannot find package 'kerberos'\"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(specifier, context); }",
        )}));\n`,
    );

    const U = upstream.port;
    const all = [
      { name: 'https', role: 'api', url: `https://127.0.0.1:${U}/krb`, checks: ['tcp', 'http'] },
      { name: 'wss', role: 'signalling', url: `wss://127.0.0.1:${U}/ws`, checks: ['tcp', 'websocket'] },
      { name: 'plain', role: 'web', url: `http://127.0.0.1:${plain.port}/krb-plain`, checks: ['http'] },
    ];
    const site = (proxyUrl: string, name: string, endpoints: unknown[] = all.filter((e) => e.name !== 'wss')) => ({
      site: { name },
      network: { dns: { servers: [dns.server], timeoutMs: 2000 }, proxy: { url: proxyUrl } },
      platform: { endpoints },
      security: { trust: { caFile } },
      checks: CHECKS,
    });
    const viaName = `http://${proxyHost}:${squid.port}`;
    const krb = (ccache: string, extra: NodeJS.ProcessEnv = {}) => ({ KRB5_CONFIG: kdc.krb5Conf, KRB5CCNAME: ccache, ...extra });
    const empty = `FILE:${join(dir, 'empty.ccache')}`;
    const cases: Record<string, [Record<string, unknown>, NodeJS.ProcessEnv, boolean?]> = {
      // loud: terminal report, every result, --debug on stderr: more places a token could leak.
      ticket: [site(viaName, 'negotiate with a ticket', all), krb(await ticket('ticket')), true],
      noTicket: [site(viaName, 'negotiate, no ticket', all), krb(empty)],
      noTicketZh: [
        site(viaName, 'negotiate, no ticket (zh-CN)'),
        krb(empty, { LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8', LC_MESSAGES: undefined }),
        true,
      ],
      byAddress: [site(`http://127.0.0.1:${squid.port}`, 'proxy by IP address'), krb(await ticket('by-address'))],
      byAlias: [site(`http://${aliasHost}:${squid.port}`, 'proxy by an alias'), krb(await ticket('by-alias'))],
      foreignRealm: [site(`http://${foreignHost}:${squid.port}`, 'proxy in a domain of another realm'), krb(await ticket('foreign'))],
      refused: [site(`http://${otherHost}:${squid.port}`, 'a ticket the proxy cannot accept'), krb(await ticket('refused'))],
      kdcDown: [site(viaName, 'KDC out of reach'), { KRB5_CONFIG: unreachableConf, KRB5CCNAME: await ticket('kdc-down') }],
      noModule: [
        site(viaName, 'no kerberos module'),
        krb(await ticket('no-module'), { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` }),
      ],
      ntlmOnly: [site(`http://127.0.0.1:${ntlmPort}`, 'NTLM-only proxy'), krb(await ticket('ntlm'))],
    };
    await settleAll(
      Object.entries(cases).map(async ([name, [s, env, loud]]) => {
        const path = await writeSite(dir, s, `${name}.yaml`);
        runs[name] = await assessWithEnv(path, dir, `${name}.json`, { env, loud: Boolean(loud) });
        english[name] = await englishReport(runs[name].report);
      }),
    );
  }, 150_000);

  afterAll(async () => {
    await cleanupAll(cleanups);
  });

  const get = (run: string, check: string, target: string) => result(english[run]!, check, target);
  /** The proxy-auth-required finding of every failing (check, target) of a run, checked alike. */
  const authFindings = (
    run: string,
    pairs: Array<[string, string]> = [
      ['http', 'https'],
      ['tcp', 'https'],
      ['http', 'plain'],
    ],
  ) =>
    pairs.map(([check, target]) => {
      const r = get(run, check, target);
      expect(r.status, `${run} ${check}:${target}`).toBe('fail');
      expect(r.facts).toMatchObject({ classification: 'proxy-auth-required', path: 'proxy' });
      return finding(r, `${check}.proxy-auth-required`);
    });

  it('every run exits 0 and writes a schema-valid report', async () => {
    const validate = await reportValidator();
    for (const [name, run] of Object.entries(runs)) {
      expect(run.cli.code, `${name}: ${run.cli.stderr}`).toBe(0);
      expect(validate(run.report), `${name}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
      expect(
        run.report.results.filter((r) => r.status === 'error'),
        name,
      ).toEqual([]);
    }
  });

  describe('with a ticket', () => {
    it('tcp, http (CONNECT and absolute-form) and websocket are ok through the proxy', () => {
      const proxy = `http://${proxyHost}:${squid.port}`;
      expect(get('ticket', 'http', 'https').facts).toMatchObject({ classification: 'ok', path: 'proxy', proxy, status: 200 });
      expect(get('ticket', 'tcp', 'https').facts).toMatchObject({ classification: 'ok', path: 'proxy', proxy });
      expect(get('ticket', 'tcp', 'wss').facts).toMatchObject({ classification: 'ok', path: 'proxy', proxy });
      const ws = get('ticket', 'websocket', 'wss');
      expect(ws.facts).toMatchObject({ classification: 'ok', path: 'proxy', proxy });
      expect(ws.facts.pingRttMs).toHaveLength(2);
      expect(get('ticket', 'http', 'plain').facts).toMatchObject({ classification: 'ok', path: 'proxy', proxy, status: 200 });
    });

    it('squid authenticated the user by Kerberos, for CONNECT and for the plain request', async () => {
      const log = await squid.log();
      const mine = log.split('\n').filter((l) => l.includes(user));
      expect(
        mine.some((l) => l.includes(`CONNECT 127.0.0.1:${upstream.port}`)),
        log,
      ).toBe(true);
      expect(
        mine.some((l) => l.includes(`GET http://127.0.0.1:${plain.port}/krb-plain`)),
        log,
      ).toBe(true);
      // The proxy consumed the credentials: nothing reached the origin.
      const seen = plain.requests.find((q) => q.url === '/krb-plain');
      expect(seen).toBeDefined();
      expect(seen!.headers['proxy-authorization']).toBeUndefined();
      // The KDC issued the service ticket for the name in the proxy URL.
      expect(await kdc.log()).toContain(`HTTP/${proxyHost}@${kdc.realm}`);
    });

    it('no token and no password appears in stdout, stderr (--debug) or the report', () => {
      for (const name of ['ticket', 'noTicketZh']) {
        const { cli, text } = runs[name]!;
        expect(cli.stdout).toMatch(/siteready|就绪/); // the terminal report was rendered
        for (const [where, out] of [
          ['stdout', cli.stdout],
          ['stderr', cli.stderr],
          ['report', text],
        ] as const) {
          expect(TOKEN.test(out), `${name} ${where} contains a Negotiate token`).toBe(false);
          expect(out.includes(password), `${name} ${where} contains the password`).toBe(false);
        }
      }
    });
  });

  it('no ticket: proxy-auth-required, with the kinit / KRB5CCNAME hint', () => {
    for (const f of [
      ...authFindings('noTicket'),
      ...authFindings('noTicket', [
        ['tcp', 'wss'],
        ['websocket', 'wss'],
      ]),
    ]) {
      expect(f.evidence).toMatchObject({
        status: 407,
        schemes: ['Negotiate'],
        sentCredentials: false,
        negotiate: { outcome: 'no-ticket', spn: `HTTP/${proxyHost}` },
      });
      // The Kerberos mechanism's own reason names the cache it looked in.
      expect(f.evidence?.negotiate.error).toContain('empty.ccache');
      expect(f.text).toContain('no Kerberos ticket is available to answer Negotiate');
      expect(f.remediation?.id).toBe('path.proxy-auth-required.fix');
      expect(f.fix).toMatch(/only offers NTLM\/Negotiate/);
      expect(f.fix).toContain('kinit user@REALM');
      expect(f.fix).toContain('KRB5CCNAME');
    }
  });

  it('no ticket, in Chinese: the terminal report says it in zh-CN (the JSON report keeps message ids)', () => {
    for (const f of authFindings('noTicketZh')) expect(f.evidence).toMatchObject({ negotiate: { outcome: 'no-ticket' } });
    const out = runs.noTicketZh!.cli.stdout;
    expect(out).toContain(
      `代理 http://${proxyHost}:${squid.port} 要求身份验证（407；支持 Negotiate）；没有可用于应答 Negotiate 的 Kerberos 票据`,
    );
    expect(out).toContain('运行 siteready 的用户需要持有 Kerberos 票据：请先执行 `kinit user@REALM`');
    expect(out).toContain('非默认的凭据缓存通过 KRB5CCNAME 指定');
    expect(out).not.toContain('no Kerberos ticket is available');
  });

  it.each([
    ['byAddress', () => '127.0.0.1'],
    ['byAlias', () => aliasHost],
  ])('a proxy name without a service principal (%s): the SPN finding', (run, host) => {
    const spn = `HTTP/${host()}`;
    for (const f of authFindings(run)) {
      expect(f.evidence).toMatchObject({
        status: 407,
        sentCredentials: false,
        negotiate: { outcome: 'spn-unknown', spn, unknownPrincipal: `${spn}@${kdc.realm}` },
      });
      expect(f.text).toContain(`the Kerberos KDC has no service principal ${spn}`);
      expect(f.fix).toContain('IP address or a DNS alias');
      expect(f.fix).toContain(`kvno ${spn}`);
    }
  });

  it('a proxy in a domain of another realm: the SPN finding names the missing cross-realm principal', () => {
    const foreignRealm = foreignDomain.toUpperCase();
    for (const f of authFindings('foreignRealm')) {
      expect(f.evidence).toMatchObject({
        negotiate: { outcome: 'spn-unknown', spn: `HTTP/${foreignHost}`, unknownPrincipal: `krbtgt/${foreignRealm}@${kdc.realm}` },
      });
      expect(f.fix).toContain('[domain_realm]');
    }
  });

  it('a ticket the proxy does not accept: "refused the Kerberos ticket", not "no ticket"', async () => {
    for (const f of authFindings('refused')) {
      expect(f.evidence).toMatchObject({
        status: 407,
        schemes: ['Negotiate'],
        sentCredentials: true,
        negotiate: { outcome: 'refused', spn: `HTTP/${otherHost}` },
      });
      expect(f.text).toMatch(
        new RegExp(`\\(407; it offers Negotiate\\) and refused the Kerberos ticket for HTTP/${otherHost.replaceAll('.', '\\.')}\\.$`),
      );
      expect(f.text).not.toContain('refused the ones configured');
      expect(f.fix).toContain('keytab');
    }
    expect(await kdc.log()).toContain(`HTTP/${otherHost}@${kdc.realm}`);
  });

  it('the KDC out of reach: says so, with the port to open', () => {
    for (const f of authFindings('kdcDown')) {
      expect(f.evidence).toMatchObject({ negotiate: { outcome: 'kdc-unreachable', spn: `HTTP/${proxyHost}` } });
      expect(f.text).toContain('could not be reached');
      expect(f.fix).toContain('port 88');
    }
  });

  it('the kerberos module missing: how to install it', () => {
    for (const f of authFindings('noModule')) {
      expect(f.evidence).toMatchObject({ negotiate: { outcome: 'module-unavailable', spn: `HTTP/${proxyHost}` } });
      expect(f.text).toContain("siteready's Kerberos module is not available");
      expect(f.fix).toContain('libkrb5-dev');
      expect(f.fix).toContain('npm rebuild kerberos');
    }
  });

  it('an NTLM-only proxy stays unsupported, with the allow-list workaround', () => {
    for (const f of authFindings('ntlmOnly', [
      ['http', 'https'],
      ['tcp', 'https'],
    ])) {
      expect(f.evidence).toMatchObject({ status: 407, schemes: ['NTLM'], sentCredentials: false });
      expect(f.evidence?.negotiate).toBeUndefined();
      expect(f.fix).toMatch(/^This proxy only offers NTLM, which siteready does not speak/);
      expect(f.fix).toContain("exempt the platform's hosts from proxy authentication");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// squid with Negotiate, and a proxy that only offers NTLM

interface NegotiateSquid {
  port: number;
  log(): Promise<string>;
  stop(): Promise<void>;
}

const SQUID_USER = 'proxy';

/**
 * squid that wants Negotiate for everything, validated by negotiate_kerberos_auth against a keytab
 * for `spn`. Its files live in a directory of its own that the squid user (when started as root)
 * can read: the keytab, a copy of the realm's krb5.conf, the helper's replay cache.
 */
async function startNegotiateSquid(opts: { helper: string; kdc: Kdc; spn: string }): Promise<NegotiateSquid> {
  const ids = isRoot() ? await userIds(SQUID_USER) : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'sr-squid-krb-'));
  try {
    const keytab = join(dir, 'proxy.keytab');
    const krb5Conf = join(dir, 'krb5.conf');
    const rcache = join(dir, 'rcache');
    await opts.kdc.exportKeytab(opts.spn, keytab);
    await copyFile(opts.kdc.krb5Conf, krb5Conf);
    await mkdir(rcache);
    const squid = await withRetries(5, async () => {
      const port = await freePort();
      const conf = join(dir, 'squid.conf');
      await writeFile(
        conf,
        [
          `http_port 127.0.0.1:${port}`,
          `pid_filename ${dir}/squid.pid`,
          `cache_log ${dir}/cache.log`,
          `access_log stdio:${dir}/access.log`,
          'cache_store_log none',
          'cache deny all',
          'cache_mem 4 MB',
          `coredump_dir ${dir}`,
          'visible_hostname siteready-test-squid-krb',
          'pinger_enable off',
          'shutdown_lifetime 0 seconds',
          'connect_timeout 5 seconds',
          'dns_nameservers 127.0.0.1',
          'hosts_file none',
          ...(ids ? [`cache_effective_user ${SQUID_USER}`] : []),
          `auth_param negotiate program ${opts.helper} -k ${keytab} -s ${opts.spn} -c ${rcache}`,
          'auth_param negotiate children 2 startup=1 idle=1',
          'auth_param negotiate keep_alive on',
          'acl authenticated proxy_auth REQUIRED',
          'http_access deny !authenticated',
          // It listens on loopback only: whoever authenticates may use it.
          'http_access allow all',
          '',
        ].join('\n'),
      );
      if (ids) {
        // Started as root, squid runs its helpers (and writes its logs) as SQUID_USER.
        await chmod(dir, 0o750);
        for (const f of ['', 'squid.conf', 'proxy.keytab', 'krb5.conf', 'rcache']) await chown(join(dir, f), ids.uid, ids.gid);
      }
      // `env` execs squid, which hands the realm's configuration on to its helpers.
      const peer: Peer = await startProcess(
        'env',
        [`KRB5_CONFIG=${krb5Conf}`, `KRB5_KTNAME=FILE:${keytab}`, 'squid', '-N', '-d', '1', '-f', conf],
        {
          name: 'squid (negotiate)',
          timeoutMs: 20_000,
          ready: () =>
            waitForTcp('127.0.0.1', port, 200).then(
              () => true,
              () => false,
            ),
        },
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await readFile(join(dir, 'cache.log'), 'utf8').catch(() => '')}`);
      });
      return { port, peer };
    });
    let stopping: Promise<void> | undefined;
    return {
      port: squid.port,
      log: () => readFile(join(dir, 'access.log'), 'utf8').catch(() => ''),
      stop: () =>
        (stopping ??= (async () => {
          await squid.peer.stop();
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`squid runs as "${name}" when started as root, and there is no such user`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Answers every request with 407 offering NTLM only: a proxy siteready cannot authenticate to. */
async function startNtlmOnlyStub(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!buf.includes('\r\n\r\n')) return;
      const body = 'Proxy authentication required\n';
      socket.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nServer: corp-gateway\r\nProxy-Authenticate: NTLM\r\n' +
          `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  let stopping: Promise<void> | undefined;
  return {
    port,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })),
  };
}
