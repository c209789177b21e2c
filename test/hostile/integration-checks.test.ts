// The hostile-peer matrix for the integration checks: directory (LDAPS, LDAP + StartTLS, BER),
// sso (OIDC discovery + JWKS JSON, SAML metadata XML), api, storage (HTTPS and SMB2) and
// org-sync (HTTPS and LDAPS), each × peers that reset, stay silent, answer garbage, never stop
// sending, trickle, or speak the check's own protocol with absurd lengths, truncated messages,
// redirect loops, endless chunked bodies, documents that are huge, nested, wrongly typed, or carry
// DTDs and entities. TLS where the check expects TLS, with a lab certificate the CLI trusts (--ca).
//
// Every case runs the real CLI (one `siteready run <check>` over all of that check's peers) and
// must end in bounded time with exit 0 or 1, a report valid against the published schema, no
// stack trace, no result that is an error (an uncaught exception, or the runner's deadline instead
// of the check's own), text from the peer bounded and free of control characters, and nothing
// hostile called a pass or `ok`. Some cases also say which finding they must give.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import {
  crashSigns,
  GENERIC_BEHAVIOURS,
  hostileVerdictProblem,
  startHostileTcpPeer,
  type GenericBehaviour,
  type HostileOptions,
  type HostilePeer,
  type Script,
} from '../helpers/hostile-peers.js';
import { reportValidator, tempDir, type ReportResult, type TempDir } from '../helpers/peers.js';
import { englishReport, type EnglishResult } from '../helpers/report-text.js';
import {
  httpScripts,
  LDAP_PAYLOAD,
  LDAP_SCRIPTS,
  ldapDisconnectEchoPassword,
  ldapEchoPassword,
  ldapLongDiagnostic,
  OIDC_SCRIPTS,
  runCheckWritten,
  SAML_SCRIPTS,
  SMB_PAYLOAD,
  SMB_SCRIPTS,
  STARTTLS_SCRIPTS,
  type WrittenRun,
} from './integration-scripts.js';

/** Each task's deadline: silent peers must be reported by the check's own, shorter one. */
const TASK_TIMEOUT_S = 5;
/** Wall time one CLI run over all of a check's peers may take, whatever they do. */
const RUN_BOUND_MS = 40_000;
const BIND_DN = 'cn=svc-siteready,dc=hostile,dc=test';
/** Quotes, a backslash and non-ASCII: the forms a leak takes in JSON differ from the raw one. */
const PASSWORD = `s3"cr\\et-Pässwörd-密码-${process.pid}`;

/** A result whose findings carry their English text (`text`, `fix`), as a reader gets them. */
type Result = EnglishResult<ReportResult>;

interface Case {
  check: string;
  /** What the peer does wrong (counted once in the matrix, whatever the transport). */
  behaviour: string;
  /** The transport or protocol it is served on (https-, ldaps-, smb-, …), for the case's label. */
  via: string;
  peer: HostilePeer;
  target: string;
  /** What this result must show besides "not a pass" (a finding id, a code); a problem or undefined. */
  expect?: (r: Result) => string | undefined;
}

const tally = { checks: new Set<string>(), behaviours: new Set<string>(), cases: 0, passed: 0 };
const peers: HostilePeer[] = [];
let dir: TempDir;
let tls: NonNullable<HostileOptions['tls']>;
let caFile = '';
const started = Date.now();

async function peer(behaviour: GenericBehaviour | Script, opts: HostileOptions & { label: string }): Promise<HostilePeer> {
  const p = await startHostileTcpPeer(behaviour, opts);
  peers.push(p);
  return p;
}

/** Cases for every generic behaviour, `target(port)` as written on the command line. */
async function genericCases(check: string, prefix: string, target: (port: number) => string, opts: HostileOptions = {}): Promise<Case[]> {
  const out: Case[] = [];
  for (const b of GENERIC_BEHAVIOURS) {
    const p = await peer(b, { ...opts, label: `${prefix}${b}` });
    out.push({ check, behaviour: b, via: prefix, peer: p, target: target(p.port) });
  }
  return out;
}

async function scriptCases(
  check: string,
  prefix: string,
  scripts: Record<string, Script>,
  target: (port: number) => string,
  opts: HostileOptions = {},
  expects: Record<string, Case['expect']> = {},
): Promise<Case[]> {
  const out: Case[] = [];
  for (const [name, script] of Object.entries(scripts)) {
    const p = await peer(script, { ...opts, label: `${prefix}${name}` });
    out.push({ check, behaviour: name, via: prefix, peer: p, target: target(p.port), ...(expects[name] ? { expect: expects[name] } : {}) });
  }
  return out;
}

const https = (path: string) => (port: number) => `https://127.0.0.1:${port}${path}`;

/** A finding whose id is `id` must be among the result's. */
const finding =
  (id: string): Case['expect'] =>
  (r) =>
    r.findings.some((f) => f.id === id) ? undefined : `expected finding ${id}, got ${r.findings.map((f) => f.id).join(', ') || 'none'}`;

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** What is wrong with one result; empty when the check handled the hostile peer. */
function resultProblems(c: Case, r: Result): string[] {
  const out: string[] = [];
  if (r.error) out.push(`error ${r.error.kind}: ${r.error.message}`);
  const bad = hostileVerdictProblem(r);
  if (bad) out.push(bad);
  // The text a reader gets, parameters from the peer included: the message and the remediation.
  for (const f of r.findings) {
    for (const [what, text] of [
      ['message', f.text],
      ['remediation', f.fix],
    ] as const) {
      if (text === undefined) continue;
      if (UNPRINTABLE.test(text))
        out.push(`finding ${f.id}'s ${what} carries control or bidi characters: ${JSON.stringify(text.slice(0, 120))}`);
      if (text.length > 4000) out.push(`finding ${f.id}'s ${what} is ${text.length} characters long`);
    }
  }
  const expected = c.expect?.(r);
  if (expected) out.push(expected);
  return out;
}

/** One run over all of a check's cases; each result is matched to its case by the peer's port in the target name. */
async function runMatrix(
  check: string,
  cases: Case[],
  env: NodeJS.ProcessEnv = {},
  formats: string[] = [],
): Promise<{ problems: string[]; run: WrittenRun }> {
  const run = await runCheckWritten(
    check,
    cases.map((c) => c.target),
    dir.path,
    formats,
    ['--ca', caFile, '--concurrency', '64', '--task-timeout', String(TASK_TIMEOUT_S)],
    env,
    RUN_BOUND_MS + 30_000,
  );
  const runProblems: string[] = [];
  if (run.cli.code !== 0 && run.cli.code !== 1) runProblems.push(`exit ${run.cli.code}`);
  if (run.cli.ms > RUN_BOUND_MS) runProblems.push(`took ${run.cli.ms} ms (bound ${RUN_BOUND_MS})`);
  const validate = await reportValidator();
  if (!validate(run.report)) runProblems.push(`report invalid: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  const crash = crashSigns(run.cli.stderr);
  if (crash.length) runProblems.push(`crash signs: ${crash.slice(0, 3).join(' | ')}`);
  const english = await englishReport(run.report);
  const problems: string[] = [];
  for (const c of cases) {
    const mine = english.results.filter((r) => new RegExp(`(^|\\D)${c.peer.port}(\\D|$)`).test(r.target));
    const own = mine.length === 1 ? resultProblems(c, mine[0]!) : [`${mine.length} results for ${c.target}`];
    const all = [...runProblems, ...own].map((p) => `${check} × ${c.via}${c.behaviour}: ${p}`);
    tally.checks.add(check);
    tally.behaviours.add(c.behaviour);
    tally.cases++;
    if (!all.length) tally.passed++;
    problems.push(...all);
  }
  return { problems, run };
}

beforeAll(async () => {
  dir = await tempDir('sr-hostile-integ-');
  const ca = createCertificateAuthority('siteready hostile integration CA');
  const leaf = issueCertificate(ca, { commonName: 'hostile.test', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  tls = { key: leaf.keyPem, cert: leaf.certPem };
  caFile = join(dir.path, 'ca.pem');
  await writeFile(caFile, ca.certPem);
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close().catch(() => undefined)));
  await dir?.remove();
  // The lead quotes this line: checks × behaviours, and how many cases held.
  console.log(
    `hostile matrix (integration checks): ${tally.checks.size} checks × ${tally.behaviours.size} behaviours → ${tally.cases} cases (each check × the behaviours of its protocols and transports), ${tally.passed} passed, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});

describe('hostile peers: integration checks', () => {
  let directoryRun: WrittenRun | undefined;

  it('directory: LDAPS and StartTLS peers that break BER or LDAP end in findings, never a pass', async () => {
    const ldaps = (port: number) => `ldaps://127.0.0.1:${port}`;
    const cases = [
      ...(await genericCases('directory', 'ldaps-', ldaps, { tls, payload: LDAP_PAYLOAD })),
      ...(await scriptCases(
        'directory',
        'ldaps-',
        LDAP_SCRIPTS,
        ldaps,
        { tls },
        { 'ldap-echo-request': finding('directory.not-ldap'), 'ber-absurd-length': finding('directory.not-ldap') },
      )),
      ...(await scriptCases(
        'directory',
        'ldap-',
        STARTTLS_SCRIPTS,
        (port) => `ldap://127.0.0.1:${port}`,
        {},
        { 'starttls-wrong-op': finding('directory.not-ldap'), 'starttls-then-garbage': finding('directory.tls-failure') },
      )),
      ...(await scriptCases(
        'directory',
        'ldaps-',
        {
          'slapd-echoes-password': ldapEchoPassword,
          'disconnect-echoes-password': ldapDisconnectEchoPassword,
          'ldap-long-diagnostic': ldapLongDiagnostic,
        },
        ldaps,
        { tls },
        {
          'slapd-echoes-password': finding('directory.invalid-credentials'),
          'disconnect-echoes-password': (r) =>
            finding('directory.not-ldap')!(r) ??
            (r.facts.messageWithheld === true ? undefined : 'the failure message that quotes the password was kept'),
          'ldap-long-diagnostic': (r) =>
            finding('directory.invalid-credentials')!(r) ??
            (r.findings[0]!.text.length < 600 ? undefined : `a ${r.findings[0]!.text.length}-character message`),
        },
      )),
    ];
    const { problems, run } = await runMatrix('directory', cases, { SITEREADY_LDAP_BIND_DN: BIND_DN, SITEREADY_LDAP_PASSWORD: PASSWORD }, [
      'sarif',
      'md',
    ]);
    directoryRun = run;
    expect(problems).toEqual([]);
  }, 90_000);

  it('directory: a server echoing the bind password in diagnosticMessage puts it in no written report, in no form', async () => {
    expect(directoryRun, 'the directory matrix ran').toBeDefined();
    const forms = {
      raw: PASSWORD,
      'JSON-escaped': JSON.stringify(PASSWORD).slice(1, -1),
      'JSON-escaped (ASCII only)': JSON.stringify(PASSWORD)
        .slice(1, -1)
        .replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`),
      base64: Buffer.from(PASSWORD).toString('base64'),
      'base64(dn:password)': Buffer.from(`${BIND_DN}:${PASSWORD}`).toString('base64'),
      'URL-encoded': encodeURIComponent(PASSWORD),
    };
    for (const [format, text] of Object.entries(directoryRun!.texts)) {
      for (const [form, value] of Object.entries(forms))
        expect(text.includes(value), `${form} password in the ${format} report`).toBe(false);
    }
    const r = (await englishReport(directoryRun!.report)).results.find((x) =>
      x.findings.some((f) => f.id === 'directory.invalid-credentials'),
    );
    expect(r?.findings.find((f) => f.id === 'directory.invalid-credentials')?.text).toMatch(/not shown/);
  });

  it('sso: OIDC and SAML peers that break HTTP, JSON or XML end in findings, never a pass', async () => {
    const oidc = https('/');
    const saml = https('/saml/metadata');
    const cases = [
      ...(await genericCases('sso', 'https-', oidc, { tls })),
      ...(await scriptCases(
        'sso',
        'https-',
        httpScripts(200),
        oidc,
        { tls },
        { 'redirect-self': finding('sso.redirect-loop'), 'chunked-endless': finding('sso.not-json') },
      )),
      ...(await scriptCases(
        'sso',
        'oidc-',
        OIDC_SCRIPTS,
        oidc,
        { tls },
        { 'json-wrong-types': finding('sso.wrong-type'), 'jwks-deep': finding('sso.jwks-invalid'), 'json-huge': finding('sso.not-json') },
      )),
      ...(await scriptCases(
        'sso',
        'saml-',
        SAML_SCRIPTS,
        saml,
        { tls },
        { 'xml-billion-laughs': finding('sso.metadata-invalid'), 'xml-deep': finding('sso.metadata-invalid') },
      )),
    ];
    const { problems } = await runMatrix('sso', cases);
    expect(problems).toEqual([]);
  }, 90_000);

  it('api: peers that break HTTP or redirect forever end in findings, never a pass', async () => {
    const api = https('/api/v1/employees');
    const cases = [
      ...(await genericCases('api', 'https-', api, { tls })),
      // 401 with a challenge is what a protected API answers: the check would pass it if it were whole.
      ...(await scriptCases(
        'api',
        'https-',
        httpScripts(401),
        api,
        { tls },
        {
          'redirect-ping-pong': finding('api.redirect-loop'),
          'chunked-endless': finding('api.body-too-large'),
          'redirect-bad-scheme': finding('api.bad-redirect'),
        },
      )),
    ];
    const { problems } = await runMatrix('api', cases);
    expect(problems).toEqual([]);
  }, 90_000);

  it('storage: HTTPS peers with redirect loops and endless bodies, SMB2 peers with broken answers, end in findings', async () => {
    const bucket = https('/chat-files/');
    const smb = (port: number) => `smb://127.0.0.1:${port}`;
    const cases = [
      ...(await genericCases('storage', 'https-', bucket, { tls })),
      // 403 is what an S3 or WebDAV root answers without credentials: the check would pass it if it were whole.
      ...(await scriptCases(
        'storage',
        'https-',
        httpScripts(403, 'application/xml'),
        bucket,
        { tls },
        {
          'redirect-self': finding('storage.redirect-loop'),
          'redirect-ping-pong': finding('storage.redirect-loop'),
          'redirect-endless': finding('storage.redirect-loop'),
          'redirect-bad-scheme': finding('storage.bad-redirect'),
          'chunked-endless': finding('storage.body-too-large'),
          'content-length-absurd': finding('storage.body-too-large'),
        },
      )),
      ...(await genericCases('storage', 'smb-', smb, { payload: SMB_PAYLOAD })),
      ...(await scriptCases(
        'storage',
        '',
        SMB_SCRIPTS,
        smb,
        {},
        {
          'smb-dialect-0x0041': (r) =>
            finding('storage.not-smb')!(r) ??
            (r.facts.code === 'SMB_BAD_DIALECT' ? undefined : `code ${r.facts.code}, expected SMB_BAD_DIALECT`),
        },
      )),
    ];
    const { problems } = await runMatrix('storage', cases);
    expect(problems).toEqual([]);
  }, 90_000);

  it('org-sync: HTTPS and LDAPS sources that misbehave end in findings, never a pass', async () => {
    const org = https('/org/departments');
    const ldaps = (port: number) => `ldaps://127.0.0.1:${port}`;
    const cases = [
      ...(await genericCases('org-sync', 'https-', org, { tls })),
      ...(await scriptCases(
        'org-sync',
        'https-',
        httpScripts(401),
        org,
        { tls },
        {
          'redirect-self': finding('org-sync.redirect-loop'),
          'redirect-endless': finding('org-sync.redirect-loop'),
          'chunked-endless': finding('org-sync.body-too-large'),
          'content-length-absurd': finding('org-sync.body-too-large'),
        },
      )),
      ...(await genericCases('org-sync', 'ldaps-', ldaps, { tls, payload: LDAP_PAYLOAD })),
      ...(await scriptCases('org-sync', 'ldaps-', LDAP_SCRIPTS, ldaps, { tls }, { 'ldap-echo-request': finding('org-sync.not-ldap') })),
    ];
    const { problems } = await runMatrix('org-sync', cases);
    expect(problems).toEqual([]);
  }, 90_000);
});
