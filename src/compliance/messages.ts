// User-facing text of the compliance engine (the rules' own text lives in the profile files).

export const complianceMessages = {
  en: {
    ruleFailed: '{title}: {why}',
    ruleNotEvaluated: '{title}: not evaluated — {why}',
    section: 'Compliance',
    outcome_pass: 'pass',
    outcome_declared: 'pass (declared)',
    declaredSummary:
      '{passed} of the rules passed on what the site file declares, not on measurement: about {points} points of the score rest on those declarations.',
    outcome_fail: 'FAIL',
    'outcome_not-evaluated': 'not evaluated',
    'outcome_not-applicable': 'n/a',
    decidedBy: 'decided by',
    summary: '{passed} passed, {failed} failed, {notEvaluated} not evaluated, {notApplicable} not applicable',
    listHeader: 'Shipped compliance profiles',
    listFooter: 'siteready profiles <id> explains one; --json for machine-readable output.',
    rules: '{count} rules',
    severity: 'severity',
    bySize: 'by site size',
    applies: 'applies when',
    checks: 'checks',
    sources: 'Sources',
    references: 'references',
    unverified: 'clause not verified against a public text',
    fix: 'fix',
  },
  'zh-CN': {
    ruleFailed: '{title}：{why}',
    ruleNotEvaluated: '{title}：无法评估——{why}',
    section: '合规',
    outcome_pass: '通过',
    outcome_declared: '通过（声明）',
    declaredSummary: '有 {passed} 条规则依据站点文件的声明而非测量通过：得分中约 {points} 分依赖这些声明。',
    outcome_fail: '不通过',
    'outcome_not-evaluated': '无法评估',
    'outcome_not-applicable': '不适用',
    decidedBy: '依据',
    summary: '通过 {passed} 项，不通过 {failed} 项，无法评估 {notEvaluated} 项，不适用 {notApplicable} 项',
    listHeader: '内置合规配置',
    listFooter: '用 siteready profiles <id> 查看某个配置的说明；--json 输出机器可读格式。',
    rules: '{count} 条规则',
    severity: '严重程度',
    bySize: '按机构规模',
    applies: '适用条件',
    checks: '检查内容',
    sources: '依据文件',
    references: '条款',
    unverified: '条款未能对照公开文本核实',
    fix: '整改',
  },
} as const;

/** A rule's clause in the reader's language: the Chinese text when the profile gives one, else the English. */
export function clauseIn(lang: 'en' | 'zh-CN', ref: { clause: string; clauseZh?: string }): string {
  return lang === 'zh-CN' && ref.clauseZh ? ref.clauseZh : ref.clause;
}

export type ComplianceMessageId = keyof (typeof complianceMessages)['en'];

export function cm(lang: 'en' | 'zh-CN', id: ComplianceMessageId, params: Record<string, string | number> = {}): string {
  const text: string = complianceMessages[lang][id] ?? complianceMessages.en[id];
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}
