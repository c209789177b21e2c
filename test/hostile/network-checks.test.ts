// The hostile-peer matrix for the network checks: tcp, http, websocket, idle, interception, dns and
// sweep, each against peers that reset, stay silent, answer garbage, send without end, trickle, or
// break their protocol (HTTP heads and bodies, redirect loops, WebSocket frames glued to the 101,
// TLS records, DNS messages and its TCP fallback), directly, through an HTTP CONNECT proxy that
// misbehaves, and routed by a PAC file from a hostile server. Every check runs through the real
// CLI, several targets per invocation.
//
// Each case: the run ends in bounded time with exit 0 or 1, writes a report valid against the
// schema (and facts valid against their check's facts schema), prints no stack trace, has no
// `uncaught` error, and calls nothing hostile a pass (or `ok`). tcp and sweep measure the TCP handshake only (nothing is sent): a peer that completes it is
// open, whatever it does afterwards, and that is what they must say — except a peer that resets at
// once, which tcp reports. A protocol error must be known at once: such cases have a short bound.

import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { WebSocketServer } from 'ws';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { runCli } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import {
  crashSigns,
  GENERIC_BEHAVIOURS,
  hostileVerdictProblem,
  runCheck,
  startHostileTcpPeer,
  type CheckRun,
  type HostilePeer,
  type Script,
} from '../helpers/hostile-peers.js';
import { reportValidator, tempDir, type Report, type ReportResult, type TempDir } from '../helpers/peers.js';
import {
  DNS_BEHAVIOURS,
  DNS_ZONE,
  HTTP_SCRIPTS,
  PROXY_BEHAVIOURS,
  PROXY_ZONE,
  TLS_SCRIPTS,
  WS_SCRIPTS,
  startHostileDns,
  startHostileProxy,
} from './network-peers.js';

type Check = 'tcp' | 'http' | 'websocket' | 'idle' | 'interception' | 'dns' | 'sweep';
type Family = 'generic' | 'websocket' | 'http' | 'tls' | 'dns' | 'proxy' | 'pac' | 'control';

/** Behaviours whose peer never finishes: bounded by the probe's own deadline, not known at once. */
const SLOW = new Set([
  'silence',
  'trickle',
  'trickle-first',
  'upgrade-then-silence',
  'upgrade-then-trickle',
  'headers-trickle',
  'chunked-trickle',
  'garbage@dns',
  'wrong-id',
  // An answer to another question is dropped as if it never came.
  'wrong-question',
  'tc-silence',
  'tc-trickle',
  'tc-absurd-length',
]);
/**
 * Peers whose bytes break the protocol (checks that speak it: http, websocket, idle): the result is
 * a `fail` whose facts name the protocol broken (`failure.protocol`) — not a crash, not a timeout, not "unreachable".
 */
const PROTOCOL_ERRORS: Record<string, readonly string[]> = {
  http: [
    'garbage',
    'endless',
    'status-absurd',
    'header-garbage',
    'headers-endless',
    'content-length-absurd',
    'chunked-absurd-size',
    'chunked-garbage-size',
  ],
  websocket: [
    'garbage',
    'endless',
    ...Object.keys(WS_SCRIPTS).filter((b) => b.startsWith('glued-')),
    'upgrade-bad-accept',
    'upgrade-no-upgrade-header',
    'upgrade-unasked-extension',
    'upgrade-then-endless',
  ],
};
PROTOCOL_ERRORS.idle = PROTOCOL_ERRORS.websocket!;

/**
 * A protocol error, a reset, garbage: the verdict comes at once, far from any deadline. Generous
 * for a loaded machine (the whole suite runs beside this file), and still well below every task
 * deadline here — and the 15 s of a check's default deadline.
 */
const FAST_MS = 4000;
/** Per-task deadline (--task-timeout) of each check's invocations, in seconds. */
const TASK_TIMEOUT_S: Record<Check, number> = { tcp: 6, http: 7, websocket: 6, idle: 10, interception: 6, dns: 8, sweep: 6 };

interface Case {
  check: Check;
  family: Family;
  behaviour: string;
  /** How the check reaches the peer: directly, through the hostile proxy, or from a site file. */
  via: 'direct' | 'tls' | 'proxy' | 'pac' | 'assess';
  /** The invocation it belongs to. */
  run: string;
  /** The target as given to the CLI (filled in once the peers listen). */
  target?: string;
  /** The result's target id. */
  id?: string;
}

// ---------------------------------------------------------------------------------------------
// The matrix, declared before anything listens (vitest names one test per case)

const CASES: Case[] = [];
const add = (check: Check, family: Family, via: Case['via'], run: string, behaviours: readonly string[]) => {
  for (const behaviour of behaviours) CASES.push({ check, family, behaviour, via, run });
};
const generic = GENERIC_BEHAVIOURS;
/** Peers that do not wait for the client: garbage, a flood, a trickle from the first moment. */
const SPEAK_FIRST = ['garbage', 'endless', 'trickle'] as const;
const speakFirst = SPEAK_FIRST.map((b) => `${b}-first`);
const ws = Object.keys(WS_SCRIPTS);
const http = Object.keys(HTTP_SCRIPTS);
const tls = Object.keys(TLS_SCRIPTS);
const proxied = [...PROXY_BEHAVIOURS];

add('tcp', 'generic', 'direct', 'tcp', generic);
add('tcp', 'generic', 'direct', 'tcp', speakFirst);
add('tcp', 'control', 'direct', 'tcp', ['control']);
add('tcp', 'proxy', 'proxy', 'tcp-proxy', proxied);
add('tcp', 'proxy', 'proxy', 'tcp-proxy-rst', ['accept-rst']);

add('http', 'generic', 'direct', 'http', generic);
add('http', 'generic', 'direct', 'http', speakFirst);
add('http', 'http', 'direct', 'http', http);
add('http', 'control', 'direct', 'http', ['control']);
add('http', 'generic', 'tls', 'https', generic);
add('http', 'http', 'tls', 'https', http);
add('http', 'tls', 'direct', 'https', tls);
add('http', 'control', 'tls', 'https', ['control']);
add(
  'http',
  'proxy',
  'proxy',
  'http-proxy',
  proxied.map((b) => `${b} (CONNECT)`),
);
add(
  'http',
  'proxy',
  'proxy',
  'http-proxy',
  proxied.map((b) => `${b} (absolute-form)`),
);
add('http', 'proxy', 'proxy', 'http-proxy-rst', ['accept-rst (CONNECT)', 'accept-rst (absolute-form)']);

// The PAC file that routes the endpoints comes from a hostile server: clients go DIRECT, and an
// endpoint that must use a proxy fails (one site file per PAC server).
const PAC_BEHAVIOURS = [
  'accept-rst',
  'silence',
  'garbage',
  'endless',
  'trickle',
  'chunked-endless',
  'content-length-endless',
  'chunked-trickle',
  'redirect-loop',
];
for (const b of PAC_BEHAVIOURS) add('http', 'pac', 'pac', `pac-${b}`, [b]);

add('websocket', 'generic', 'direct', 'websocket', generic);
add('websocket', 'generic', 'direct', 'websocket', speakFirst);
add('websocket', 'websocket', 'direct', 'websocket', ws);
add('websocket', 'control', 'direct', 'websocket', ['control']);
add('websocket', 'generic', 'tls', 'websocket-tls', generic);
add('websocket', 'websocket', 'tls', 'websocket-tls', ws);
add('websocket', 'proxy', 'proxy', 'websocket-proxy', proxied);
add('websocket', 'proxy', 'proxy', 'websocket-proxy-rst', ['accept-rst']);
add('websocket', 'websocket', 'assess', 'assess', ['glued-absurd-length', 'upgrade-then-rst', 'accept-rst']);

add('idle', 'generic', 'direct', 'idle', generic);
add('idle', 'websocket', 'direct', 'idle', ws);
add('idle', 'control', 'direct', 'idle', ['control']);
add('idle', 'proxy', 'proxy', 'idle-proxy', proxied);
add('idle', 'proxy', 'proxy', 'idle-proxy-rst', ['accept-rst']);
add('idle', 'websocket', 'assess', 'assess', ['glued-absurd-length', 'upgrade-then-rst', 'accept-rst']);

add('interception', 'generic', 'direct', 'interception', generic);
add('interception', 'generic', 'direct', 'interception', speakFirst);
add('interception', 'tls', 'direct', 'interception', tls);
add('interception', 'proxy', 'proxy', 'interception-proxy', proxied);
add('interception', 'proxy', 'proxy', 'interception-proxy-rst', ['accept-rst']);

add('dns', 'dns', 'direct', 'dns', DNS_BEHAVIOURS);
add('dns', 'control', 'direct', 'dns', ['control', 'control-tcp', 'control-no-aaaa']);
add('dns', 'dns', 'direct', 'dns-udp-closed', ['udp-port-closed']);
add('dns', 'dns', 'direct', 'dns-tcp-rst', ['tc-accept-rst']);

add('sweep', 'generic', 'direct', 'sweep', generic);
add('sweep', 'generic', 'direct', 'sweep', speakFirst);

const key = (c: Case) => `${c.check}|${c.via}|${c.behaviour}`;

// ---------------------------------------------------------------------------------------------
// What a case's result must (not) be

/** Problems with one case's result: empty when the case holds. */
function problems(c: Case, r: ReportResult | undefined, taskTimeoutS: number): string[] {
  if (!r) return ['no result for this target'];
  const out: string[] = [];
  if (r.error?.kind === 'uncaught') out.push(`uncaught: ${r.error.message}`);
  // The check's own deadlines classify a peer that never finishes, before the task's deadline does.
  if (r.status === 'error') out.push(`status error (${r.error?.kind}: ${r.error?.message})`);
  const slow =
    SLOW.has(c.behaviour) ||
    SLOW.has(`${c.behaviour}@${c.check}`) ||
    (c.family === 'proxy' && SLOW.has(c.behaviour.replace(/ \(.*\)$/, '')));
  const bound = slow || c.family === 'control' ? taskTimeoutS * 1000 + 1000 : FAST_MS;
  const ms = (r as ReportResult & { durationMs?: number }).durationMs;
  if (ms === undefined || ms > bound) out.push(`took ${ms} ms (bound ${bound} ms)`);
  const classification = (r.facts as { classification?: string } | undefined)?.classification;
  if (c.family === 'control') {
    // A warning is a pass with a remark (a resolver that drops AAAA is slow for clients too).
    if (!(r.status === 'pass' || (r.status === 'warn' && classification === 'ok')))
      out.push(`control did not pass: ${r.status} ${JSON.stringify(r.facts).slice(0, 300)}`);
    return out;
  }
  // A handshake-only check: a peer that completed the handshake is open — the truth at that layer.
  if (c.check === 'tcp' && c.via === 'direct' && c.behaviour !== 'accept-rst') {
    if (classification !== 'ok') out.push(`expected the honest "ok" of a completed handshake, got ${classification}`);
    return out;
  }
  if ((c.via === 'direct' || c.via === 'tls' || c.via === 'assess') && PROTOCOL_ERRORS[c.check]?.includes(c.behaviour)) {
    const { kind } = failureOf(r);
    if (r.status !== 'fail' || kind !== 'protocol-error')
      out.push(`expected a fail of kind protocol-error, got ${r.status} ${classification} kind ${kind}`);
  }
  const verdict = hostileVerdictProblem(r);
  // idle's classification is the path's (the WebSocket opened); its verdict is the idle fate.
  if (verdict && !(c.check === 'idle' && classification === 'ok' && r.status === 'fail')) out.push(verdict);
  return out;
}

/**
 * What a result's facts say of its failure: the error code, and kind protocol-error when the peer
 * broke its protocol. The connection checks keep the failure in `facts.failure`; dns keeps its
 * failure kind and resolver code beside its classification.
 */
function failureOf(r: ReportResult): { kind?: string; code?: string } {
  const facts = (r.facts ?? {}) as { failure?: { protocol?: string; code?: string }; kind?: string; code?: string };
  if (facts.failure)
    return { ...(facts.failure.protocol ? { kind: 'protocol-error' } : {}), ...(facts.failure.code ? { code: facts.failure.code } : {}) };
  return { ...(facts.kind ? { kind: facts.kind } : {}), ...(facts.code ? { code: facts.code } : {}) };
}

/** A sweep result holds one entry per host:port; the case is the entry for its peer. */
function sweepProblems(c: Case, report: Report, port: number): string[] {
  const r = report.results.find((x) => x.check === 'sweep' && x.target === 'hostile');
  if (!r) return ['no sweep result'];
  const out: string[] = [];
  if (r.error?.kind === 'uncaught') out.push(`uncaught: ${r.error.message}`);
  const entry = (r.facts.targets as Array<{ port: number; classification: string }> | undefined)?.find((t) => t.port === port);
  if (!entry) return [...out, `no entry for port ${port}`];
  // Handshake level, like nmap -sT: open, or refused when the reset beat the connect callback.
  const honest = c.behaviour === 'accept-rst' ? ['ok', 'refused'] : ['ok'];
  if (!honest.includes(entry.classification)) out.push(`classified ${entry.classification}, expected ${honest.join(' or ')}`);
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Outcome {
  problems: string[];
  status?: string;
  classification?: string;
  kind?: string;
  code?: string;
  ms?: number;
}

const outcomes = new Map<string, Outcome>();
const runProblems = new Map<string, string[]>();

describe('hostile peers × network checks', () => {
  let tmp: TempDir;
  const peers: HostilePeer[] = [];
  const servers: Array<HttpServer | HttpsServer> = [];
  let validate: ValidateFunction;
  let t0 = 0;

  beforeAll(async () => {
    t0 = Date.now();
    tmp = await tempDir('sr-hostile-net-');
    validate = await reportValidator();
    const ca = createCertificateAuthority('siteready hostile CA');
    const leaf = issueCertificate(ca, { commonName: 'hostile.test', ipAddresses: ['127.0.0.1'] });
    const caFile = join(tmp.path, 'ca.pem');
    await writeFile(caFile, ca.certPem);
    const tlsOpt = { key: leaf.keyPem, cert: leaf.certPem };

    const peer = async (behaviour: string, script: Script | (typeof GENERIC_BEHAVIOURS)[number], wrapTls = false) => {
      const p = await startHostileTcpPeer(script, { label: behaviour, ...(wrapTls ? { tls: tlsOpt } : {}) });
      peers.push(p);
      return p.port;
    };
    const genericPorts = async (wrapTls = false) =>
      Object.fromEntries(await Promise.all(generic.map(async (b) => [b, await peer(b, b, wrapTls)] as const)));
    const scriptPorts = async (scripts: Record<string, Script>, wrapTls = false) =>
      Object.fromEntries(await Promise.all(Object.entries(scripts).map(async ([b, s]) => [b, await peer(b, s, wrapTls)] as const)));
    const plain = {
      ...(await genericPorts()),
      ...Object.fromEntries(
        await Promise.all(
          SPEAK_FIRST.map(
            async (b) =>
              [`${b}-first`, peers[peers.push(await startHostileTcpPeer(b, { label: `${b}-first`, speakFirst: true })) - 1]!.port] as const,
          ),
        ),
      ),
    };
    const plainTls = await genericPorts(true);
    const wsPlain = await scriptPorts(WS_SCRIPTS);
    const wsTls = await scriptPorts(WS_SCRIPTS, true);
    const httpPlain = await scriptPorts(HTTP_SCRIPTS);
    const httpTls = await scriptPorts(HTTP_SCRIPTS, true);
    const tlsRaw = await scriptPorts(TLS_SCRIPTS);

    // Controls: well-behaved peers in the same invocations, which must pass (the harness is not vacuous).
    const good = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    const echo = new WebSocketServer({ server: good });
    echo.on('connection', (sock) => sock.on('error', () => undefined));
    const goodTls = createHttpsServer(tlsOpt, (_req, res) => res.writeHead(200).end('ok'));
    for (const s of [good, goodTls]) {
      servers.push(s);
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    }
    const goodPort = (good.address() as { port: number }).port;
    const goodTlsPort = (goodTls.address() as { port: number }).port;

    const dns = await startHostileDns();
    const dnsTcpRst = await startHostileDns({ tcpAcceptRst: true });
    const closedUdp = await startHostileDns();
    const closedUdpServer = closedUdp.server;
    await closedUdp.close();
    peers.push(dns, dnsTcpRst);
    const proxy = await startHostileProxy();
    const proxyRst = await startHostileProxy({ acceptRst: true });
    peers.push(proxy, proxyRst);

    // Targets.
    const hp = (port: number) => `127.0.0.1:${port}`;
    for (const c of CASES) {
      // A PAC case's target is its PAC server, set where its site file is written.
      if (c.via === 'pac') continue;
      const b = c.behaviour;
      const label = b.replace(/ \(.*\)$/, '');
      switch (c.run) {
        case 'tcp':
        case 'sweep':
          c.target = hp(b === 'control' ? goodPort : plain[b]!);
          break;
        case 'http':
          c.target = `http://${hp(b === 'control' ? goodPort : (plain[b] ?? httpPlain[b])!)}/`;
          break;
        case 'https':
          c.target = `https://${hp(b === 'control' ? goodTlsPort : (c.family === 'tls' ? tlsRaw[b] : c.family === 'generic' ? plainTls[b] : httpTls[b])!)}/`;
          break;
        case 'websocket':
        case 'idle':
          c.target = `ws://${hp(b === 'control' ? goodPort : (plain[b] ?? wsPlain[b])!)}/`;
          break;
        case 'websocket-tls':
          c.target = `wss://${hp((plainTls[b] ?? wsTls[b])!)}/`;
          break;
        case 'interception':
          c.target = hp((plain[b] ?? tlsRaw[b])!);
          break;
        case 'assess':
          c.target = `ws://${hp((plain[b] ?? wsPlain[b])!)}/`;
          break;
        case 'dns':
          c.target = `${{ control: 'ok', 'control-tcp': 'tc-ok', 'control-no-aaaa': 'no-aaaa' }[b] ?? b}.${DNS_ZONE}:443`;
          break;
        case 'dns-udp-closed':
        case 'dns-tcp-rst':
          c.target = `tc-anything.${DNS_ZONE}:443`;
          break;
        default: {
          // Through a proxy: the host names the proxy's behaviour. Only the proxy is dialled: for
          // anyone else the name does not resolve (the hostile DNS answers NXDOMAIN outside its zone).
          const host = `${label}.${PROXY_ZONE}`;
          const scheme =
            c.check === 'http'
              ? b.endsWith('(absolute-form)')
                ? 'http'
                : 'https'
              : c.check === 'websocket' || c.check === 'idle'
                ? 'ws'
                : '';
          // Plain HTTP goes to the proxy in absolute form; its path keeps the two targets' names apart.
          c.target = scheme ? `${scheme}://${host}/${b.endsWith('(absolute-form)') ? 'plain' : ''}` : `${host}:443`;
        }
      }
      c.id =
        c.check === 'dns'
          ? c.target.replace(/:\d+$/, '')
          : c.target
              .replace(/^(https?|wss?):\/\//i, '')
              .replace(/[^A-Za-z0-9._-]+/g, '-')
              .replace(/^-+|-+$/g, '');
    }

    // Invocations: every run's targets at once (-c), a few runs side by side.
    const noProxy = { HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '', NO_PROXY: '', no_proxy: '' };
    const viaProxy = (port: number) => ({ ...noProxy, HTTPS_PROXY: `http://127.0.0.1:${port}`, HTTP_PROXY: `http://127.0.0.1:${port}` });
    const runs = new Map<string, { check: Check; env: Record<string, string>; extra: string[] }>([
      ['tcp', { check: 'tcp', env: noProxy, extra: [] }],
      ['tcp-proxy', { check: 'tcp', env: viaProxy(proxy.port), extra: ['--dns-server', dns.server] }],
      ['tcp-proxy-rst', { check: 'tcp', env: viaProxy(proxyRst.port), extra: ['--dns-server', dns.server] }],
      ['http', { check: 'http', env: noProxy, extra: [] }],
      ['https', { check: 'http', env: noProxy, extra: ['--ca', caFile] }],
      ['http-proxy', { check: 'http', env: viaProxy(proxy.port), extra: ['--dns-server', dns.server] }],
      ['http-proxy-rst', { check: 'http', env: viaProxy(proxyRst.port), extra: ['--dns-server', dns.server] }],
      ['websocket', { check: 'websocket', env: noProxy, extra: [] }],
      ['websocket-tls', { check: 'websocket', env: noProxy, extra: ['--ca', caFile] }],
      ['websocket-proxy', { check: 'websocket', env: viaProxy(proxy.port), extra: ['--dns-server', dns.server] }],
      ['websocket-proxy-rst', { check: 'websocket', env: viaProxy(proxyRst.port), extra: ['--dns-server', dns.server] }],
      ['idle', { check: 'idle', env: noProxy, extra: ['--ladder', '1s'] }],
      ['idle-proxy', { check: 'idle', env: viaProxy(proxy.port), extra: ['--ladder', '1s', '--dns-server', dns.server] }],
      ['idle-proxy-rst', { check: 'idle', env: viaProxy(proxyRst.port), extra: ['--ladder', '1s', '--dns-server', dns.server] }],
      ['interception', { check: 'interception', env: noProxy, extra: [] }],
      ['interception-proxy', { check: 'interception', env: viaProxy(proxy.port), extra: ['--dns-server', dns.server] }],
      ['interception-proxy-rst', { check: 'interception', env: viaProxy(proxyRst.port), extra: ['--dns-server', dns.server] }],
      ['dns', { check: 'dns', env: noProxy, extra: ['--dns-server', dns.server] }],
      ['dns-udp-closed', { check: 'dns', env: noProxy, extra: ['--dns-server', closedUdpServer] }],
      ['dns-tcp-rst', { check: 'dns', env: noProxy, extra: ['--dns-server', dnsTcpRst.server] }],
    ]);

    const judgeRun = async (name: string, check: Check, got: CheckRun) => {
      const issues: string[] = [];
      if (got.cli.code !== 0 && got.cli.code !== 1) issues.push(`exit ${got.cli.code}`);
      const crash = crashSigns(got.cli.stderr);
      if (crash.length) issues.push(`crash signs on stderr:\n${crash.slice(0, 8).join('\n')}`);
      if (!validate(got.report)) issues.push(`report invalid: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
      runProblems.set(name, issues);
      for (const c of CASES.filter((x) => x.run === name && x.check === check)) {
        const r = got.report.results.find((x) => x.check === c.check && x.target === c.id);
        // What a hostile peer made the check measure must still be facts a saved report can be judged on.
        const schema = r
          ? (await factsSchemaProblems([r as ReportResult & { factsVersion?: number }])).map((p) => `facts do not match the schema: ${p}`)
          : [];
        outcomes.set(key(c), {
          problems: [...issues, ...problems(c, r, TASK_TIMEOUT_S[check]), ...schema],
          ...(r
            ? { status: r.status, classification: r.facts?.classification, ...failureOf(r), ms: (r as { durationMs?: number }).durationMs }
            : {}),
        });
      }
    };

    // The longest runs (idle holds its ladder, dns waits out silent resolvers) start first.
    const order = (name: string) => (name.startsWith('idle') ? 0 : name.startsWith('dns') ? 1 : 2);
    const byLength = [...runs].sort(([a], [b]) => (a === 'tcp' ? -1 : b === 'tcp' ? 1 : order(a) - order(b)));
    const jobs: Array<() => Promise<void>> = byLength.map(([name, spec]) => async () => {
      const targets = CASES.filter((c) => c.run === name).map((c) => c.target!);
      const args = ['-c', '24', '--task-timeout', String(TASK_TIMEOUT_S[spec.check]), ...spec.extra];
      try {
        await judgeRun(name, spec.check, await runCheck(spec.check, targets, tmp.path, args, spec.env, 60_000));
      } catch (err) {
        for (const c of CASES.filter((x) => x.run === name)) outcomes.set(key(c), { problems: [String(err)] });
      }
    });

    // PAC files from hostile servers.
    for (const b of PAC_BEHAVIOURS) {
      jobs.push(async () => {
        const [c] = CASES.filter((x) => x.run === `pac-${b}`);
        const pacUrl = `http://127.0.0.1:${(plain[b] ?? httpPlain[b])!}/proxy.pac`;
        c!.target = pacUrl;
        c!.id = 'forced';
        const site = join(tmp.path, `pac-${b}.yaml`);
        const url = `http://127.0.0.1:${goodPort}/`;
        await writeFile(
          site,
          JSON.stringify({
            version: 1,
            site: { name: `hostile PAC ${b}` },
            network: { proxy: { pac: pacUrl } },
            platform: {
              endpoints: [
                { name: 'auto', url, role: 'api', checks: ['http'] },
                { name: 'forced', url: `${url}forced`, role: 'api', via: 'proxy', checks: ['http'] },
              ],
            },
          }),
        );
        const out = join(tmp.path, `pac-${b}.json`);
        const cli = await runCli(['assess', site, '--format', `json=${out}`, '--quiet', '--task-timeout', String(TASK_TIMEOUT_S.http)], {
          env: noProxy,
          timeoutMs: 60_000,
        });
        try {
          const report = JSON.parse(await readFile(out, 'utf8')) as Report;
          await judgeRun(`pac-${b}`, 'http', { cli, report });
          // The endpoint that may go direct does, and says why.
          const auto = report.results.find((x) => x.check === 'http' && x.target === 'auto');
          const o = outcomes.get(key(c!))!;
          if (auto?.status !== 'pass' || !/^PAC failed: /.test(String(auto.facts.route)))
            o.problems.push(`the via: auto endpoint did not go DIRECT with the reason: ${auto?.status} ${JSON.stringify(auto?.facts)}`);
          if (o.code !== 'PAC_FAILED') o.problems.push(`expected code PAC_FAILED on the via: proxy endpoint, got ${o.code}`);
        } catch (err) {
          outcomes.set(key(c!), { problems: [`no report (exit ${cli.code}): ${String(err)}\n${cli.stderr}`] });
        }
      });
    }

    // From a site file: websocket and idle against frames glued to the 101 and resets, as `assess` runs them.
    jobs.push(async () => {
      const mine = CASES.filter((c) => c.run === 'assess');
      const behaviours = [...new Set(mine.map((c) => c.behaviour))];
      const endpoints = behaviours.map((b) => ({ name: b, url: mine.find((c) => c.behaviour === b)!.target, role: 'signalling' }));
      const site = join(tmp.path, 'assess.yaml');
      await writeFile(
        site,
        JSON.stringify({ version: 1, site: { name: 'hostile assess' }, platform: { endpoints }, checks: { idle: { ladder: ['1s'] } } }),
      );
      for (const c of mine) c.id = c.behaviour;
      const out = join(tmp.path, 'assess.json');
      const cli = await runCli(
        ['assess', site, '--format', `json=${out}`, '--quiet', '-c', '24', '--task-timeout', String(TASK_TIMEOUT_S.idle)],
        { env: noProxy, timeoutMs: 60_000 },
      );
      try {
        const report = JSON.parse(await readFile(out, 'utf8')) as Report;
        for (const check of ['websocket', 'idle'] as const) await judgeRun('assess', check, { cli, report });
      } catch (err) {
        for (const c of mine) outcomes.set(key(c), { problems: [`no report (exit ${cli.code}): ${String(err)}\n${cli.stderr}`] });
      }
    });

    // The sweep, from a site file (it sweeps what network.sweeps names).
    jobs.push(async () => {
      const mine = CASES.filter((c) => c.run === 'sweep');
      const ports = mine.map((c) => Number(c.target!.split(':')[1]));
      const site = join(tmp.path, 'sweep.yaml');
      await writeFile(
        site,
        JSON.stringify({
          version: 1,
          site: { name: 'hostile sweep' },
          network: { sweeps: [{ name: 'hostile', hosts: ['127.0.0.1'], ports }] },
          platform: { endpoints: [{ name: 'anchor', host: '127.0.0.1', port: goodPort, protocol: 'tcp' }] },
          checks: { sweep: { connectTimeoutMs: 1000 } },
        }),
      );
      const out = join(tmp.path, 'sweep.json');
      const cli = await runCli(['assess', site, '--format', `json=${out}`, '--quiet', '--task-timeout', String(TASK_TIMEOUT_S.sweep)], {
        env: noProxy,
        timeoutMs: 60_000,
      });
      try {
        const report = JSON.parse(await readFile(out, 'utf8')) as Report;
        const issues = [
          ...(cli.code === 0 || cli.code === 1 ? [] : [`exit ${cli.code}`]),
          ...crashSigns(cli.stderr),
          ...(validate(report) ? [] : [`report invalid: ${JSON.stringify(validate.errors?.slice(0, 3))}`]),
        ];
        runProblems.set('sweep', issues);
        for (const c of mine) outcomes.set(key(c), { problems: [...issues, ...sweepProblems(c, report, Number(c.target!.split(':')[1]))] });
      } catch (err) {
        for (const c of mine) outcomes.set(key(c), { problems: [`no report (exit ${cli.code}): ${String(err)}\n${cli.stderr}`] });
      }
    });

    // The direct tcp run first and alone: whether a reset comes within a round trip of the
    // handshake must not depend on this process being busy feeding endless peers. Then the rest,
    // four invocations at a time: most of their time is spent waiting on peers.
    await jobs.shift()!();
    const queue = [...jobs];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await job();
      }),
    );
  }, 180_000);

  afterAll(async () => {
    const hostile = CASES.filter((c) => c.family !== 'control');
    const clean = hostile.filter((c) => outcomes.get(key(c))?.problems.length === 0).length;
    const checks = new Set(hostile.map((c) => c.check));
    const behaviours = new Set(hostile.map((c) => `${c.family}:${c.behaviour.replace(/ \(.*\)$/, '')}`));
    const vias = (v: Case['via']) => hostile.filter((c) => c.via === v).length;
    console.log(
      `hostile-peer matrix (network checks): ${checks.size} checks × ${behaviours.size} peer behaviours → ${hostile.length} cases ` +
        `(${vias('direct')} direct, ${vias('tls')} inside TLS, ${vias('proxy')} through a hostile proxy, ${vias('pac')} with a hostile PAC server, ${vias('assess')} from a site file); ` +
        `${clean}/${hostile.length} held, ${CASES.length - hostile.length} controls; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    // SITEREADY_MATRIX_DUMP=file.json keeps what every case got, for a closer look.
    if (process.env.SITEREADY_MATRIX_DUMP) {
      await writeFile(
        process.env.SITEREADY_MATRIX_DUMP,
        JSON.stringify(
          CASES.map((c) => ({ ...c, ...outcomes.get(key(c)) })),
          null,
          1,
        ),
      );
    }
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.closeAllConnections();
            s.close(() => r());
          }),
      ),
    );
    await tmp?.remove();
  });

  it.each(CASES.map((c) => ({ ...c, name: `${c.check} × ${c.behaviour} (${c.via})` })))('$name', (c) => {
    const o = outcomes.get(key(c));
    expect(o, 'the case ran').toBeDefined();
    expect(o!.problems, `${c.target} → ${o!.status} ${o!.classification ?? ''} ${o!.code ?? ''} in ${o!.ms} ms`).toEqual([]);
  });
});
