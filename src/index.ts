// `import … from 'siteready'`: the library behind the command line. Each stage is a plain function
// (load → plan → measure → judge → score → report → gate); the CLI is a thin layer over these.

export { assessFile, assessSite, planSite, runAndReport, type AssessOptions, type AssessmentPlan, type PlanSiteOptions } from './assess.js';
export { rejudgeReport, type RejudgeOptions, type NotRejudged } from './rejudge.js';
export { loadSiteFile, parseSiteText, type LoadOptions, type LoadedSite } from './site/load.js';
export type { Site, Endpoint } from './site/types.js';
export { buildReport, REPORT_SCHEMA_VERSION, type Report, type ReportResult, type ReportFinding } from './report/model.js';
export { reportSchema } from './report/schema.js';
export { migrateReport } from './report/migrate.js';
export { render, FORMATS, type Format, type RenderContext } from './report/render/index.js';
export { evaluateGate, hasGate, type GateOptions } from './report/gate.js';
export { runPlan, type TaskResult, type ProgressEvent, type RunOptions } from './runner/run.js';
export { planAssessment, withTaskChecks, type Plan, type Task } from './runner/plan.js';
export { builtinChecks, builtinCheckPlans, allChecks, type LoadedCheck } from './runner/registry.js';
export { Redactor } from './site/secrets.js';
export { translator, detectLang, type Lang } from './i18n/index.js';
export { toolVersion } from './version.js';
