// The built-in checks, one folder each under checks/. Imported by name so that a bundler sees them
// (a path computed at run time it cannot follow), and `siteready run <check>` loads only its own.
// Planning takes each check's plan.ts (meta, options, targets); the rest of a check (index.ts:
// measuring, judging, messages) loads only when a run has tasks of it.
// test/runner/builtin-check-modules.test.ts keeps both lists equal to the folders.

type ModuleImport = () => Promise<{ default?: unknown }>;

export const BUILTIN_CHECK_MODULES: Readonly<Record<string, ModuleImport>> = {
  api: () => import('../../checks/api/index.js'),
  bufferbloat: () => import('../../checks/bufferbloat/index.js'),
  'call-quality': () => import('../../checks/call-quality/index.js'),
  capacity: () => import('../../checks/capacity/index.js'),
  directory: () => import('../../checks/directory/index.js'),
  dns: () => import('../../checks/dns/index.js'),
  egress: () => import('../../checks/egress/index.js'),
  http: () => import('../../checks/http/index.js'),
  idle: () => import('../../checks/idle/index.js'),
  interception: () => import('../../checks/interception/index.js'),
  latency: () => import('../../checks/latency/index.js'),
  'org-sync': () => import('../../checks/org-sync/index.js'),
  qos: () => import('../../checks/qos/index.js'),
  sso: () => import('../../checks/sso/index.js'),
  storage: () => import('../../checks/storage/index.js'),
  stun: () => import('../../checks/stun/index.js'),
  sweep: () => import('../../checks/sweep/index.js'),
  tcp: () => import('../../checks/tcp/index.js'),
  throughput: () => import('../../checks/throughput/index.js'),
  tls: () => import('../../checks/tls/index.js'),
  turn: () => import('../../checks/turn/index.js'),
  websocket: () => import('../../checks/websocket/index.js'),
};

export const BUILTIN_CHECK_PLANNING: Readonly<Record<string, ModuleImport>> = {
  api: () => import('../../checks/api/plan.js'),
  bufferbloat: () => import('../../checks/bufferbloat/plan.js'),
  'call-quality': () => import('../../checks/call-quality/plan.js'),
  capacity: () => import('../../checks/capacity/plan.js'),
  directory: () => import('../../checks/directory/plan.js'),
  dns: () => import('../../checks/dns/plan.js'),
  egress: () => import('../../checks/egress/plan.js'),
  http: () => import('../../checks/http/plan.js'),
  idle: () => import('../../checks/idle/plan.js'),
  interception: () => import('../../checks/interception/plan.js'),
  latency: () => import('../../checks/latency/plan.js'),
  'org-sync': () => import('../../checks/org-sync/plan.js'),
  qos: () => import('../../checks/qos/plan.js'),
  sso: () => import('../../checks/sso/plan.js'),
  storage: () => import('../../checks/storage/plan.js'),
  stun: () => import('../../checks/stun/plan.js'),
  sweep: () => import('../../checks/sweep/plan.js'),
  tcp: () => import('../../checks/tcp/plan.js'),
  throughput: () => import('../../checks/throughput/plan.js'),
  tls: () => import('../../checks/tls/plan.js'),
  turn: () => import('../../checks/turn/plan.js'),
  websocket: () => import('../../checks/websocket/plan.js'),
};
