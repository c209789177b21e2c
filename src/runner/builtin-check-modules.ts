// The built-in checks, one folder each under checks/. Imported by name so that a bundler sees them
// (a path computed at run time it cannot follow), and `siteready run <check>` loads only its own.
// test/runner/builtin-check-modules.test.ts keeps this list equal to the folders.

export const BUILTIN_CHECK_MODULES: Readonly<Record<string, () => Promise<{ default?: unknown }>>> = {
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
