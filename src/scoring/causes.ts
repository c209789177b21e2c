// Findings grouped by root cause: one proxy name that does not resolve fails every proxied check,
// one unreachable reflector every probe check, one legacy server every TLS rule. A reader fixes
// causes, not findings: each cause carries the findings it explains, its worst severity, and how
// many results fixing it would unblock. Grouping reads only what results already say (finding
// evidence, classification, the facts' reflector or host), so it works on re-judged reports too.

import type { Message, Severity } from '../plugin-api.js';
import type { TaskResult } from '../runner/run.js';
import { severityRank } from './score.js';
import { byCodeUnit } from '../util/order.js';

export type CauseKind = 'proxy' | 'resolver' | 'dns' | 'reflector' | 'path' | 'tls-server' | 'finding';

export interface CauseMember {
  resultKey: string;
  check: string;
  target: string;
  findingIndex: number;
  severity: Severity;
}

export interface Cause {
  /** Stable within a report: the grouping key. */
  id: string;
  kind: CauseKind;
  severity: Severity;
  /** What went wrong, as one sentence (core message id, or the lead finding's own message). */
  title: Message;
  /** The finding that stands for the cause (the most severe, first in result order). */
  lead: CauseMember;
  members: CauseMember[];
}

/** Resolver failures that say the resolver is broken, not that the name is missing. */
const RESOLVER_KINDS = new Set(['timeout', 'servfail', 'refused', 'no-resolver']);
const PATH_CLASSES = new Set(['refused', 'filtered', 'unreachable', 'timeout']);

/** Classifications the core catalog words (`class.*`); others are shown as they are. */
const WORDED = new Set(['refused', 'filtered', 'unreachable', 'timeout', 'dns-failure', 'proxy-auth-required', 'proxy-denied', 'unusable']);
const classWord = (c: string): Message | string => (WORDED.has(c) ? { id: `class.${c}` } : c);

/** Why a TLS audit through the proxy did not happen, as the path checks classify the same failure. */
const NOT_AUDITED_AS: Record<string, string> = {
  'proxy-unreachable': 'from-failure',
  'proxy-auth': 'proxy-auth-required',
  'connect-refused': 'proxy-denied',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): string | undefined => (typeof v === 'number' || typeof v === 'string' ? String(v) : undefined);

interface Keyed {
  key: string;
  kind: CauseKind;
  title: Message;
}

function keyOf(r: TaskResult, findingIndex: number): Keyed {
  const f = r.findings[findingIndex]!;
  const ev = f.evidence ?? {};
  const params = f.message.params ?? {};
  const facts = r.facts ?? {};
  const host = str(params.host) ?? str(facts.host);
  const port = num(params.port) ?? num(facts.port);
  const classification = r.classification ?? str((facts.failure as Record<string, unknown> | undefined)?.classification);

  // An audit the proxy prevented is the proxy's failure too: the same cause as the other checks'.
  const notAudited = f.id.endsWith('.not-audited') && str(ev.proxy) ? NOT_AUDITED_AS[str(ev.reason) ?? ''] : undefined;
  if (notAudited) {
    const proxy = str(ev.proxy)!;
    const how =
      notAudited === 'from-failure' ? (str((ev.failure as Record<string, unknown> | undefined)?.classification) ?? 'unusable') : notAudited;
    return { key: `proxy:${proxy}:${how}`, kind: 'proxy', title: { id: 'cause.proxy', params: { proxy, classification: classWord(how) } } };
  }
  if (ev.hop === 'proxy' || f.id.endsWith('.proxy-unreachable') || (classification?.startsWith('proxy-') ?? false)) {
    const proxy = str(ev.proxy) ?? str(facts.proxy) ?? '-';
    const how = classification ?? 'unusable';
    return { key: `proxy:${proxy}:${how}`, kind: 'proxy', title: { id: 'cause.proxy', params: { proxy, classification: classWord(how) } } };
  }
  if (f.id.endsWith('.dns-failure')) {
    const kind = str(ev.kind) ?? 'other';
    if (RESOLVER_KINDS.has(kind)) {
      const resolver = Array.isArray(ev.resolver) ? ev.resolver.join(', ') : (str(ev.resolver) ?? 'system');
      return { key: `resolver:${resolver}:${kind}`, kind: 'resolver', title: { id: 'cause.resolver', params: { resolver, kind } } };
    }
    const name = host ?? r.target;
    return { key: `dns:${name}`, kind: 'dns', title: { id: 'cause.dns', params: { host: name, kind } } };
  }
  const reflector = facts.reflector as { host?: unknown; port?: unknown } | undefined;
  if (reflector && facts.failure) {
    const at = `${str(reflector.host) ?? '-'}:${num(reflector.port) ?? '-'}`;
    const how = classification ?? 'unusable';
    return {
      key: `reflector:${at}:${how}`,
      kind: 'reflector',
      title: { id: 'cause.reflector', params: { reflector: at, classification: classWord(how) } },
    };
  }
  if (classification && PATH_CLASSES.has(classification) && host) {
    const at = port ? `${host}:${port}` : host;
    return {
      key: `path:${at}:${classification}`,
      kind: 'path',
      title: { id: 'cause.path', params: { target: at, classification: classWord(classification) } },
    };
  }
  if (r.check === 'tls' && host) {
    const at = port ? `${host}:${port}` : host;
    return { key: `tls:${at}`, kind: 'tls-server', title: { id: 'cause.tls-server', params: { server: at } } };
  }
  // The same finding on the same host (HSTS missing on every URL of one server) is one thing to fix.
  return { key: `finding:${r.check}:${f.id}:${host ?? r.target}`, kind: 'finding', title: f.message };
}

/**
 * Causes of the findings that count (unwaived, not info, on results that fail, warn or could not
 * measure), most severe first, then those that unblock the most results.
 */
export function groupCauses(results: TaskResult[], waived: Set<string>): Cause[] {
  const byKey = new Map<string, Cause>();
  for (const r of results) {
    if (waived.has(r.key) || (r.status !== 'fail' && r.status !== 'warn' && r.status !== 'error')) continue;
    r.findings.forEach((f, i) => {
      if (f.severity === 'info') return;
      const { key, kind, title } = keyOf(r, i);
      const member: CauseMember = { resultKey: r.key, check: r.check, target: r.target, findingIndex: i, severity: f.severity };
      const cause = byKey.get(key);
      if (!cause) {
        byKey.set(key, { id: key, kind, severity: f.severity, title, lead: member, members: [member] });
        return;
      }
      cause.members.push(member);
      if (severityRank(f.severity) > severityRank(cause.severity)) {
        cause.severity = f.severity;
        cause.lead = member;
        // A finding-kind cause is worded by its lead finding.
        if (kind === 'finding') cause.title = title;
      }
    });
  }
  const resultsOf = (c: Cause) => new Set(c.members.map((m) => m.resultKey)).size;
  return [...byKey.values()].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || resultsOf(b) - resultsOf(a) || byCodeUnit(a.id, b.id),
  );
}

/** Critical and high causes block the rollout; medium and low ones are risks. */
export function isBlocking(severity: Severity): boolean {
  return severity === 'critical' || severity === 'high';
}
