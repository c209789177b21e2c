// Reports written by earlier versions, read as today's model: `siteready report` and `compare`
// keep working on the history a team already has. Only the shape changes; nothing is re-measured,
// and facts of 1.x reports carry no version, so they can be rendered and gated but not re-judged.

type Json = Record<string, unknown>;

function message(id: unknown, params: unknown): Json {
  return { id: typeof id === 'string' ? id : 'unknown', ...(params && typeof params === 'object' ? { params } : {}) };
}

/** A 1.x report (details, English text beside message ids) as a 2.0 report; other input is returned as is. */
export function migrateReport(data: unknown): unknown {
  if (!data || typeof data !== 'object') return data;
  const report = data as Json;
  if (typeof report.schemaVersion !== 'string' || !report.schemaVersion.startsWith('1.')) return data;
  const results = Array.isArray(report.results) ? (report.results as Json[]) : [];
  return {
    ...report,
    schemaVersion: '2.0.0',
    results: results.map((r) => {
      const { details, ...rest } = r;
      const findings = Array.isArray(r.findings) ? (r.findings as Json[]) : [];
      // A compliance rule's explanation was English text; it stays that text, as data.
      const facts = (details ?? {}) as Json;
      if (r.check === 'compliance' && typeof facts.why === 'string') facts.why = { id: 'why.raw', params: { text: facts.why } };
      return {
        ...rest,
        ...(typeof facts.classification === 'string' ? { classification: facts.classification } : {}),
        ...(facts.path === 'direct' || facts.path === 'proxy' ? { path: facts.path } : {}),
        ...(typeof facts.reason === 'string' ? { reason: facts.reason } : {}),
        facts,
        findings: findings.map((f) => {
          const { messageId, params, remediationId, remediationParams, message: _text, remediation: _fix, ...keep } = f;
          return {
            ...keep,
            message: message(messageId, params),
            ...(remediationId ? { remediation: message(remediationId, remediationParams) } : {}),
          };
        }),
      };
    }),
    blockers: (Array.isArray(report.blockers) ? (report.blockers as Json[]) : []).map(({ message: _m, remediation: _r, ...b }) => b),
    ...(report.gate && typeof report.gate === 'object'
      ? {
          gate: {
            ...(report.gate as Json),
            reasons: (((report.gate as Json).reasons as unknown[] | undefined) ?? []).map((text) =>
              typeof text === 'string' ? { id: 'gate.legacy', params: { text } } : text,
            ),
          },
        }
      : {}),
  };
}
