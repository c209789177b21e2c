// What a reader sees of a TLS audit: the grade, the matrix of versions × suite strength with the
// server's preference, every accepted suite, what capped the grade, the certificate, the
// handshake facts and HSTS, and the rule sets with the rules that failed.

import type { Block, Cell, KeyValueBlock, Message, PresentContext, TableBlock } from '../../src/plugin.js';
import { certificateKeyLabel } from '../../src/tls/key-strength.js';
import { hstsFailure, hstsProblem, listOf, phrase } from '../../src/tls/phrases.js';
import { RULE_SET_IDS } from '../../src/tls/rules.js';
import type { RuleSetId, SuiteStrength, TlsVersionName, Tristate } from '../../src/tls/types.js';
import type { TlsFacts } from './facts.js';
import { assess, isFailed, ruleSetMeasurement, type Assessment, type TlsOptions } from './judge.js';

const NEWEST_FIRST: readonly TlsVersionName[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2'];
/** Versions a server should not offer. */
const OBSOLETE: ReadonlySet<TlsVersionName> = new Set(['TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2']);
const STRENGTHS: readonly SuiteStrength[] = ['recommended', 'secure', 'weak', 'insecure'];
/** Offending items a row of the failed-rules table names. */
const OFFENDING_SHOWN = 6;
/** Probe errors listed; a server that stalls can time out dozens of probes the same way. */
const ERRORS_SHOWN = 20;

const m = (id: string, params?: Message['params']): Message => (params ? { id, params } : { id });
const versionName = (v: string): string => v.replace('TLSv', 'TLS ');

export function presentTls(facts: TlsFacts, { target, judgement }: PresentContext<TlsOptions>): Block[] {
  // The rule sets the judge applied: the ones it published a count for.
  const sets = RULE_SET_IDS.filter((s) => judgement.measurements?.some((x) => x.id === ruleSetMeasurement(s)));
  const a = assess(facts, sets, target.endpoint?.protocol);
  const errors = errorTable(facts);
  if (!a) return errors ? [errors] : [];
  // Another endpoint's result shows this server's audit in full; this one names it and its grade.
  if (facts.sameServerAs) return [sharedAudit(facts, a)];
  return [
    summary(facts, a),
    matrix(facts),
    ...(a.caps.length ? [capTable(a)] : []),
    certificate(facts),
    handshake(facts),
    suiteTable(facts),
    ...(sets.length ? [ruleSetTable(a, sets)] : []),
    ...(a.rules.some(isFailed) ? [failedRuleTable(a)] : []),
    ...(errors ? [errors] : []),
  ];
}

function summary(facts: TlsFacts, { grade }: Assessment): KeyValueBlock {
  const gradeCell = grade.gradeIgnoringTrust
    ? m('tls.value.grade-trust', { grade: grade.grade, score: grade.score, ignoringTrust: grade.gradeIgnoringTrust })
    : m('tls.value.grade', { grade: grade.grade, score: grade.score });
  return {
    kind: 'key-value',
    title: m('tls.block.audit'),
    items: [
      { label: m('tls.label.grade'), value: gradeCell },
      { label: m('tls.label.address'), value: `${facts.address ?? facts.host}:${facts.port}` },
      ...(facts.serverName ? [{ label: m('tls.label.server-name'), value: facts.serverName }] : []),
      ...(facts.path === 'proxy'
        ? [
            {
              label: m('tls.label.path'),
              value: m('tls.value.via-proxy', {
                proxy: facts.proxy ?? '',
                opened: facts.tunnels?.opened ?? 0,
                max: facts.tunnels?.max ?? 0,
              }),
            },
          ]
        : []),
      ...(facts.answeredBy === 'proxy-suspected' ? [{ label: m('tls.label.answered-by'), value: m('tls.value.proxy-suspected') }] : []),
      { label: m('tls.label.hellos'), value: m('tls.value.hellos', { probes: facts.probes ?? 0, ms: facts.durationMs ?? 0 }) },
    ],
  };
}

function sharedAudit(facts: TlsFacts, a: Assessment): KeyValueBlock {
  const full = summary(facts, a);
  return {
    kind: 'key-value',
    title: m('tls.block.audit'),
    items: [
      full.items[0]!,
      { label: m('tls.label.shared-audit'), value: m('tls.value.same-server', { endpoint: facts.sameServerAs ?? '' }) },
      { label: m('tls.label.server'), value: facts.auditKey ?? `${facts.address ?? facts.host}:${facts.port}` },
      { label: m('tls.label.hsts'), value: hsts(facts) },
    ],
  };
}

/** Versions × strength classes: how many suites of each the server accepts, as the SSL Labs report lists them. */
function matrix(facts: TlsFacts): TableBlock {
  const accepted = facts.accepted ?? [];
  const counts = (suites: ReadonlyArray<{ strength: SuiteStrength }>) =>
    Object.fromEntries(STRENGTHS.map((s) => [s, suites.filter((x) => x.strength === s).length || null])) as Record<
      SuiteStrength,
      number | null
    >;
  const rows: Array<Record<string, Cell>> = NEWEST_FIRST.map((v) => {
    const on = facts.versions?.[v];
    const state =
      on === true
        ? OBSOLETE.has(v)
          ? 'tls.state.obsolete'
          : 'tls.state.offered'
        : on === 'unknown'
          ? 'tls.state.unknown'
          : 'tls.state.not-offered';
    const pref = facts.preference?.[v];
    return {
      version: versionName(v),
      state: m(state),
      ...counts(accepted.filter((a) => a.version === v)),
      preference: pref ? m(`tls.pref.${pref}`) : null,
    };
  });
  const tlcp = facts.tlcp;
  if (tlcp && tlcp.offered !== false) {
    rows.push({
      version: 'TLCP',
      state: m(tlcp.offered === true ? 'tls.state.offered' : 'tls.state.unknown'),
      ...counts(tlcp.accepted),
      preference: null,
    });
  }
  return {
    kind: 'table',
    title: m('tls.block.matrix'),
    columns: [
      { key: 'version', label: m('tls.col.version') },
      { key: 'state', label: m('tls.col.state') },
      ...STRENGTHS.map((s) => ({ key: s, label: m(`tls.strength.${s}`), numeric: true })),
      { key: 'preference', label: m('tls.col.preference') },
    ],
    rows,
  };
}

function capTable({ caps }: Assessment): TableBlock {
  return {
    kind: 'table',
    title: m('tls.block.caps'),
    columns: [
      { key: 'cap', label: m('tls.col.cap') },
      { key: 'reason', label: m('tls.col.reason') },
      { key: 'source', label: m('tls.col.source') },
    ],
    rows: caps.map((c) => ({ cap: c.cap, reason: phrase(c.id, c.params), source: c.source })),
  };
}

function certificate(facts: TlsFacts): KeyValueBlock {
  const c = facts.certificate;
  const title = m('tls.block.certificate');
  if (!c) {
    const e = facts.certificateError;
    return {
      kind: 'key-value',
      title,
      items: [
        {
          label: m('tls.label.certificate-error'),
          value: e ? m(`tls.value.certificate-error.${e.stage}`, { error: e.message }) : m('tls.value.not-checked'),
        },
      ],
    };
  }
  const leaf = c.chain[0];
  const items: KeyValueBlock['items'] = [];
  if (leaf) {
    items.push(
      { label: m('tls.label.subject'), value: leaf.subject.replace(/\n/g, ', ') },
      { label: m('tls.label.issuer'), value: leaf.issuer.replace(/\n/g, ', ') },
      { label: m('tls.label.key'), value: certificateKeyLabel(leaf) },
      { label: m('tls.label.signature'), value: leaf.signatureAlgorithm },
    );
  }
  items.push(
    { label: m('tls.label.valid-until'), value: m('tls.value.expires', { date: c.notAfter.slice(0, 10), days: c.daysLeft }) },
    {
      label: m('tls.label.trust'),
      value: c.trusted ? m('tls.value.trusted') : m('tls.value.untrusted', { error: c.trustError ?? phrase('tls.item.unknown-reason') }),
    },
    {
      label: m('tls.label.name'),
      value: c.hostnameMatch ? m('tls.value.name-matches', { name: c.checkedName }) : m('tls.value.name-mismatch', { name: c.checkedName }),
    },
    {
      label: m('tls.label.chain'),
      value: m('tls.value.chain', {
        count: c.chain.length,
        issues: c.chainIssues?.length ? listOf(c.chainIssues.map((i) => m(`tls.chain.${i}`))) : m('tls.chain.none'),
      }),
    },
    { label: m('tls.label.ocsp-staple'), value: c.ocspStapled ? m(`tls.ocsp.${c.ocspStatus ?? 'unknown'}`) : m('tls.value.none') },
  );
  return { kind: 'key-value', title, items };
}

function tristate(v: Tristate | 'n/a' | undefined): Cell {
  if (v === true || v === false) return v;
  return m(v === 'n/a' ? 'tls.value.na' : 'tls.value.unknown');
}

function handshake(facts: TlsFacts): KeyValueBlock {
  const f = facts.facts;
  const items: KeyValueBlock['items'] = f
    ? [
        { label: m('tls.label.secure-renegotiation'), value: tristate(f.secureRenegotiation) },
        { label: m('tls.label.fallback-scsv'), value: tristate(f.fallbackScsv) },
        { label: m('tls.label.compression'), value: tristate(f.compression) },
        { label: m('tls.label.extended-master-secret'), value: tristate(f.extendedMasterSecret) },
        { label: m('tls.label.session-id'), value: tristate(f.sessionIdResumption) },
        { label: m('tls.label.session-ticket'), value: tristate(f.sessionTicket) },
        { label: m('tls.label.heartbeat'), value: tristate(f.heartbeat) },
        { label: m('tls.label.heartbleed'), value: tristate(f.heartbleed) },
        { label: m('tls.label.alpn'), value: f.alpn.length ? f.alpn.join(', ') : m('tls.value.none') },
        { label: m('tls.label.ocsp-stapling'), value: tristate(f.ocspStapling) },
      ]
    : [];
  items.push({ label: m('tls.label.groups'), value: facts.groups?.length ? facts.groups.join(', ') : m('tls.value.none') });
  if (facts.dhMinBits !== undefined) items.push({ label: m('tls.label.dh-min'), value: { value: facts.dhMinBits, unit: 'bit' } });
  items.push({ label: m('tls.label.hsts'), value: hsts(facts) });
  return { kind: 'key-value', title: m('tls.block.handshake'), items };
}

function hsts({ hsts: h }: TlsFacts): Cell {
  if (!h) return m('tls.value.not-checked');
  if (h.error) return m('tls.value.hsts-error', { error: hstsFailure(h.error) });
  if (!h.present) return h.invalid ? m('tls.value.hsts-invalid', { reason: hstsProblem(h.invalid) }) : m('tls.value.hsts-missing');
  const extras = [h.includeSubDomains ? 'includeSubDomains' : '', h.preload ? 'preload' : ''].filter(Boolean).join('; ');
  return m('tls.value.hsts', { maxAge: h.maxAgeSeconds ?? 0, extras: extras ? `; ${extras}` : '' });
}

/** Every accepted (version, suite), newest version first, each version in the server's order. */
function suiteTable(facts: TlsFacts): TableBlock {
  const accepted = [...(facts.accepted ?? [])].sort((x, y) => NEWEST_FIRST.indexOf(x.version) - NEWEST_FIRST.indexOf(y.version));
  return {
    kind: 'table',
    title: m('tls.block.suites'),
    columns: [
      { key: 'version', label: m('tls.col.version') },
      { key: 'code', label: m('tls.col.code') },
      { key: 'name', label: m('tls.col.suite') },
      { key: 'strength', label: m('tls.col.strength') },
      { key: 'kx', label: m('tls.col.kx') },
      { key: 'bits', label: m('tls.col.bits'), numeric: true },
      { key: 'fs', label: m('tls.col.forward-secrecy') },
      { key: 'aead', label: m('tls.col.aead') },
    ],
    rows: accepted.map((s) => ({
      version: versionName(s.version),
      code: s.code,
      name: s.name,
      strength: m(`tls.strength.${s.strength}`),
      kx: s.group ? `${s.kx} ${s.group}` : s.kx,
      bits: s.bits,
      fs: s.forwardSecrecy,
      aead: s.aead,
    })),
  };
}

function ruleSetTable({ rules }: Assessment, sets: readonly RuleSetId[]): TableBlock {
  return {
    kind: 'table',
    title: m('tls.block.rule-sets'),
    columns: [
      { key: 'set', label: m('tls.col.rule-set') },
      { key: 'result', label: m('tls.col.result') },
      { key: 'passed', label: m('tls.col.passed'), numeric: true },
      { key: 'failed', label: m('tls.col.failed'), numeric: true },
      { key: 'notEvaluated', label: m('tls.col.not-evaluated'), numeric: true },
    ],
    rows: sets.map((set) => {
      const mine = rules.filter((r) => r.ruleSet === set);
      const failed = mine.filter(isFailed).length;
      return {
        set: m(`tls.set.${set}`),
        result: m(failed ? 'tls.value.rules-failed' : 'tls.value.rules-passed'),
        passed: mine.filter((r) => r.passed).length,
        failed,
        notEvaluated: mine.filter((r) => r.evaluated === false).length,
      };
    }),
  };
}

function failedRuleTable({ rules }: Assessment): TableBlock {
  return {
    kind: 'table',
    title: m('tls.block.failed-rules'),
    columns: [
      { key: 'set', label: m('tls.col.rule-set') },
      { key: 'rule', label: m('tls.col.rule') },
      { key: 'level', label: m('tls.col.level') },
      { key: 'offending', label: m('tls.col.offending') },
    ],
    rows: rules.filter(isFailed).map((r) => ({
      set: m(`tls.set.${r.ruleSet}`),
      rule: m(`tls.rule.${r.id}`),
      level: m(`tls.level.${r.level}`),
      offending: listOf(r.offending, OFFENDING_SHOWN),
    })),
  };
}

/** Probes that ended in something other than an answer: timeouts, resets, replies that are not TLS. */
function errorTable(facts: TlsFacts): TableBlock | undefined {
  if (!facts.errors?.length) return undefined;
  return {
    kind: 'table',
    title: m('tls.block.errors'),
    columns: [
      { key: 'what', label: m('tls.col.probe') },
      { key: 'code', label: m('tls.col.code') },
      { key: 'message', label: m('tls.col.message') },
    ],
    rows: facts.errors.slice(0, ERRORS_SHOWN).map((e) => ({ what: e.what, code: e.code, message: e.message })),
    ...(facts.errors.length > ERRORS_SHOWN ? { note: m('tls.note.more-errors', { more: facts.errors.length - ERRORS_SHOWN }) } : {}),
  };
}
