// `siteready/plugin`: everything a built-in check uses, so a third-party check is first class. The
// contract (types, defineCheck) comes from plugin-api.ts; the rest are the protocol primitives the
// built-in checks measure with: route-aware connects through the site's proxy, DNS through the
// run's shared lookup, TCP/TLS dialling, HTTP, failure classification and the findings for failed
// paths, deadlines.

export * from './plugin-api.js';

// Routes and proxies: which path an endpoint takes (direct, proxy, PAC), and a CONNECT tunnel.
export { routeFor, openTunnel, serverLabel, type Route, type ProxyServer, type Tunnel } from './net/proxy.js';
export { opener, type OpenTarget, type Opened } from './net/route-connect.js';

// DNS, memoised per run; TCP and TLS dialling with phase-aware errors.
export { lookupOnce, addressesOf, trustFor, probeBudgetMs, timingScore, median } from './net/shared.js';
export { unreachableSeverity } from './net/endpoint-severity.js';
export { DnsLookupError, type DnsAnswer, type DnsFailureKind, type ResolvedAddress } from './net/dns.js';
export { dial, dialFirst, keepErrors, errorSeen, type DialOptions, type Dialed, type DialTimings } from './net/dial.js';

// HTTP(S) through the route, every hop recorded: one call for an endpoint, or the primitive.
export { fetchEndpoint, type FetchEndpointOptions } from './net/fetch-endpoint.js';
export { httpProbe, type HttpProbeOptions, type HttpProbeResult, type HttpHop } from './net/http.js';

// Failures: classification, phases, protocol errors, and the findings (en and zh-CN) for a failed path.
export {
  PathError,
  ProtocolError,
  errorCode,
  failureDetails,
  toPathError,
  type Phase,
  type TlsFailureKind,
  type BrokenProtocol,
} from './net/classify.js';
export {
  pathMessages,
  pathFinding,
  pathFailureFinding,
  pathFailureOf,
  pathFailureSchema,
  pathDetails,
  type PathFailure,
} from './net/path-messages.js';

// Reaching an endpoint the way the built-in connection checks do — route, name lookup, trust, the
// failure as facts — and the blocks and messages they show it with.
export {
  reach,
  endpointTls,
  connectBudgetMs,
  reachFailureFinding,
  connectionBlock,
  failureBlock,
  reachMessages,
  reachFactsProperties,
  reachFactsRequired,
  routeFactsProperties,
  tlsFactsSchema,
  type ReachFacts,
  type RouteFacts,
  type Reached,
  type Reaching,
  type EndpointTls,
} from './net/reach.js';

// Numbers in facts and measurements are rounded the same way everywhere.
export { round } from './util/number.js';

// Addresses: CIDR arithmetic, what kind of address an answer is (private, CGNAT, loopback …), the
// route the kernel would send it by and whether that is a tunnel; the platform catalogs' types.
export { parseAddress, parseCidr, cidrContains, inAnyCidr, type Cidr, type ParsedAddress } from './util/cidr.js';
export { addressScope, scopeOf, nat64Embedded, isNonPublicScope, type AddressScope } from './util/address-scope.js';
export {
  egressRoute,
  lookupRoute,
  classifyInterface,
  parseRouteGet,
  parseDefaultRoutes,
  type EgressRoute,
  type RouteStatus,
  type NotDeterminedReason,
} from './net/egress-route.js';
