// Where traffic to a platform's endpoints really goes: the addresses the site's resolver gives for
// each host, whether they are inside the ranges the vendor publishes, what kind of address they
// are, and the interface the kernel would send them by — a VPN tunnel being the one that matters
// for real-time media. Written against the public plugin API only, as a third-party check would be.

import {
  addressScope,
  defineCheck,
  DnsLookupError,
  egressRoute,
  isNonPublicScope,
  lookupOnce,
  pathDetails,
  PathError,
  round,
  routeFor,
  type AddressScope,
  type Block,
  type DnsAnswer,
  type EgressRoute,
  type Finding,
  type Measurement,
  type Message,
  type Severity,
  type VendorCategory,
} from '../../src/plugin.js';
import planning, { CATEGORIES, catalogOf, catalogRef, type CatalogRef, type Options } from './plan.js';
import { compileRanges, matchRange, type RangeMatch } from './ranges.js';

const messages = {
  en: {
    'egress.dns-rewritten':
      '{endpoint}: {host} resolves to {addresses}, outside every range {platform} publishes: DNS is rewritten (split-horizon or an internal proxy/filter answers for this name).',
    'egress.dns-rewritten.fix':
      "Find the resolver or filter that answers for {host} at this site. If the traffic is meant to go through an internal proxy, check that the proxy reaches {platform}'s published ranges; otherwise let the name resolve publicly (forward it to a public resolver) so clients connect to the vendor directly.",
    'egress.proxy-answers':
      "{endpoint}: {host} resolves here to {addresses}, outside every range {platform} publishes, but this endpoint goes through the proxy {proxy}: the proxy connects for the client; the site's DNS answer is not where traffic goes.",
    'egress.proxy-answers.fix':
      'Check which addresses the proxy {proxy} connects to for {host} (its own resolver decides). Vendors ask for real-time traffic to bypass proxies: add {host} to the proxy exceptions (noProxy / the PAC file).',
    'egress.unlisted':
      '{endpoint}: {host} resolves to {addresses}, public addresses outside every range {platform} publishes: the catalog may be stale (run `siteready platforms update`) or the vendor fronts this name with a CDN.',
    'egress.unlisted.fix':
      'Run `siteready platforms update` and assess again. If the addresses are still outside the ranges, the name is served from a CDN: allow it by name on the firewall and proxy, not by IP range.',
    'egress.tunnelled':
      '{endpoint}: real-time media for {platform} is routed through the VPN tunnel {dev}: configure split tunnelling for the Optimize ranges.',
    'egress.tunnelled.fix':
      "Exclude {platform}'s Optimize ranges from the VPN (the client's split-tunnel exclusions) so that media to {addresses} leaves by the local internet connection, not {dev}. A tunnel adds the concentrator's latency and jitter to every call and loads the concentrator with media.",
    'egress.tunnelled.fix-full':
      "The default route leaves by {dev} too: the VPN carries everything (forced tunnelling). Exclude {platform}'s Optimize ranges from it (the client's split-tunnel exclusions) so that media to {addresses} leaves by the local internet connection. A tunnel adds the concentrator's latency and jitter to every call and loads the concentrator with media.",
    'egress.route-not-determined':
      '{endpoint}: the route to {addresses} was not determined ({reason}); where this traffic leaves is not known.',
    'egress.no-route': '{endpoint}: this machine has no usable route to {addresses} ({type}).',
    'egress.not-resolved':
      "{endpoint}: {host} did not resolve with the site's resolver, so where its traffic goes was not checked (the dns check reports why).",
    'egress.reason.not-linux': 'route lookups are made on Linux only',
    'egress.reason.no-ip': 'iproute2 (`ip`) is not installed',
    'egress.reason.failed': '`ip route get` failed',
    'egress.reason.timeout': '`ip route get` did not answer in time',
    'egress.reason.unparsed': '`ip route get` answered something unexpected',
    'egress.block.endpoint': 'Platform endpoint',
    'egress.block.addresses': 'Addresses and the way out',
    'egress.platform': 'Platform',
    'egress.entry': 'Catalog entry',
    'egress.category': 'Vendor category',
    'egress.path': 'Path',
    'egress.path.direct': 'direct',
    'egress.path.proxy': 'through the proxy {proxy}',
    'egress.endpoints': 'Endpoints on this host',
    'egress.resolver': 'Resolver',
    'egress.default': 'Default route interface',
    'egress.col.address': 'Address',
    'egress.col.scope': 'Kind',
    'egress.col.range': 'Published range',
    'egress.col.interface': 'Interface',
    'egress.col.tunnel': 'Tunnel',
    'egress.col.gateway': 'Gateway',
    'egress.range.in': '{range} ({category})',
    'egress.range.out': 'outside every range',
    'egress.range.none': 'no ranges published',
    'egress.tunnel.yes': 'yes ({kind})',
    'egress.tunnel.no': 'no',
    'egress.route.local': 'this machine',
    'egress.route.no-route': 'no route ({type})',
    'egress.route.not-determined': 'not determined',
    'egress.scope.public': 'public',
    'egress.scope.private': 'private (RFC 1918)',
    'egress.scope.cgnat': 'shared / CGNAT (RFC 6598)',
    'egress.scope.loopback': 'loopback',
    'egress.scope.link-local': 'link-local',
    'egress.scope.unique-local': 'unique local (RFC 4193)',
    'egress.scope.unspecified': 'unspecified (a sinkhole answer)',
    'egress.scope.documentation': 'documentation (TEST-NET)',
    'egress.scope.benchmarking': 'benchmarking (RFC 2544)',
    'egress.scope.multicast': 'multicast',
    'egress.scope.reserved': 'reserved',
    'egress.scope.nat64': 'NAT64 (RFC 6052)',
  },
  'zh-CN': {
    'egress.dns-rewritten':
      '{endpoint}：{host} 解析为 {addresses}，不在 {platform} 公布的任何地址段内：DNS 被改写（内外网分离解析，或内部代理/过滤设备替该域名作答）。',
    'egress.dns-rewritten.fix':
      '找出本站点替 {host} 作答的解析器或过滤设备。若流量本应经内部代理转发，请确认该代理能到达 {platform} 公布的地址段；否则让该域名按公网解析（转发到公共解析器），使客户端直连厂商。',
    'egress.proxy-answers':
      '{endpoint}：{host} 在此解析为 {addresses}，不在 {platform} 公布的任何地址段内，但该端点经代理 {proxy} 访问：由代理替客户端建立连接，站点 DNS 的答案并不是流量的真实去向。',
    'egress.proxy-answers.fix':
      '检查代理 {proxy} 为 {host} 实际连接的地址（由代理自己的解析器决定）。厂商要求实时流量绕过代理：把 {host} 加入代理例外（noProxy / PAC 文件）。',
    'egress.unlisted':
      '{endpoint}：{host} 解析为 {addresses}，这些公网地址不在 {platform} 公布的任何地址段内：目录可能已过期（运行 `siteready platforms update`），或厂商通过 CDN 提供该域名。',
    'egress.unlisted.fix':
      '运行 `siteready platforms update` 后重新评估。若地址仍在地址段之外，说明该域名由 CDN 提供：在防火墙和代理上按域名放行，而不是按 IP 地址段。',
    'egress.tunnelled': '{endpoint}：{platform} 的实时媒体经 VPN 隧道 {dev} 路由：请为 Optimize 地址段配置分离隧道（split tunnelling）。',
    'egress.tunnelled.fix':
      '把 {platform} 的 Optimize 地址段排除在 VPN 之外（客户端的分离隧道排除列表），使发往 {addresses} 的媒体经本地互联网出口而不是 {dev} 离开。隧道会把集中器的时延和抖动加到每一次通话上，并让集中器承载媒体流量。',
    'egress.tunnelled.fix-full':
      '默认路由同样经 {dev} 离开：VPN 承载全部流量（强制隧道）。把 {platform} 的 Optimize 地址段排除在外（客户端的分离隧道排除列表），使发往 {addresses} 的媒体经本地互联网出口离开。隧道会把集中器的时延和抖动加到每一次通话上，并让集中器承载媒体流量。',
    'egress.route-not-determined': '{endpoint}：未能确定到 {addresses} 的路由（{reason}）；这部分流量从哪里离开未知。',
    'egress.no-route': '{endpoint}：本机没有到 {addresses} 的可用路由（{type}）。',
    'egress.not-resolved': '{endpoint}：{host} 无法用站点的解析器解析，因此未检查其流量去向（原因见 dns 检查）。',
    'egress.reason.not-linux': '仅在 Linux 上查询路由',
    'egress.reason.no-ip': '未安装 iproute2（`ip`）',
    'egress.reason.failed': '`ip route get` 执行失败',
    'egress.reason.timeout': '`ip route get` 未及时应答',
    'egress.reason.unparsed': '`ip route get` 的输出无法识别',
    'egress.block.endpoint': '平台端点',
    'egress.block.addresses': '地址与出口',
    'egress.platform': '平台',
    'egress.entry': '目录条目',
    'egress.category': '厂商分类',
    'egress.path': '路径',
    'egress.path.direct': '直连',
    'egress.path.proxy': '经代理 {proxy}',
    'egress.endpoints': '该主机上的端点',
    'egress.resolver': '解析器',
    'egress.default': '默认路由接口',
    'egress.col.address': '地址',
    'egress.col.scope': '类型',
    'egress.col.range': '公布的地址段',
    'egress.col.interface': '接口',
    'egress.col.tunnel': '隧道',
    'egress.col.gateway': '网关',
    'egress.range.in': '{range}（{category}）',
    'egress.range.out': '不在任何地址段内',
    'egress.range.none': '未公布地址段',
    'egress.tunnel.yes': '是（{kind}）',
    'egress.tunnel.no': '否',
    'egress.route.local': '本机',
    'egress.route.no-route': '无路由（{type}）',
    'egress.route.not-determined': '未确定',
    'egress.scope.public': '公网',
    'egress.scope.private': '私有（RFC 1918）',
    'egress.scope.cgnat': '共享/运营商级 NAT（RFC 6598）',
    'egress.scope.loopback': '环回',
    'egress.scope.link-local': '链路本地',
    'egress.scope.unique-local': '唯一本地（RFC 4193）',
    'egress.scope.unspecified': '未指定（黑洞应答）',
    'egress.scope.documentation': '文档用（TEST-NET）',
    'egress.scope.benchmarking': '基准测试（RFC 2544）',
    'egress.scope.multicast': '组播',
    'egress.scope.reserved': '保留',
    'egress.scope.nat64': 'NAT64（RFC 6052）',
  },
};

/** One address of the host. */
export interface EgressAddress {
  address: string;
  family: 4 | 6;
  scope: AddressScope;
  /** The published range it is in; absent when outside every range (or none are published). */
  range?: RangeMatch;
  /** The route the kernel would send traffic to it by. */
  route: EgressRoute;
}

export interface EgressFacts {
  host: string;
  /** Names of the platform's endpoints on this host; the first is the task's. */
  endpoints: string[];
  /** The catalog's id and name, and its version when the site carries the catalog. */
  platform: string;
  platformName: string;
  catalogVersion?: string;
  /** The catalog entry and its vendor category (the strongest of the endpoints on this host). */
  entry: string;
  category: VendorCategory;
  role: string;
  required: boolean;
  /** The catalog publishes IP ranges, so addresses were matched against them. */
  rangesPublished: boolean;
  classification: 'ok' | 'dns-failure';
  resolver: DnsAnswer['resolver'];
  dnsKind?: string;
  dnsMessage?: string;
  /** How the IM client reaches the endpoint: direct, or through the site's proxy (then the proxy picks the address). */
  path: 'direct' | 'proxy';
  proxy?: string;
  proxySource?: string;
  /** Why the path is what it is (e.g. noProxy). */
  route?: string;
  /** The route decision itself failed (a PAC file that throws): the endpoint was taken as proxied. */
  routeError?: string;
  addresses: EgressAddress[];
}

const routeSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { enum: ['ok', 'local', 'no-route', 'not-determined'] },
    reason: { enum: ['not-linux', 'no-ip', 'failed', 'timeout', 'unparsed'] },
    type: { type: 'string' },
    dev: { type: 'string' },
    gateway: { type: 'string' },
    source: { type: 'string' },
    linkType: { type: 'integer' },
    tunnel: { type: 'boolean' },
    tunnelKind: { type: 'string' },
    tunnelBy: { enum: ['link-type', 'name'] },
    defaultDevs: { type: 'array', items: { type: 'string' } },
    sameAsDefault: { type: 'boolean' },
    message: { type: 'string' },
  },
} as const;

const factsSchema = {
  type: 'object',
  required: [
    'host',
    'endpoints',
    'platform',
    'platformName',
    'entry',
    'category',
    'role',
    'required',
    'rangesPublished',
    'classification',
    'resolver',
    'path',
    'addresses',
  ],
  properties: {
    host: { type: 'string' },
    endpoints: { type: 'array', items: { type: 'string' }, minItems: 1 },
    platform: { type: 'string' },
    platformName: { type: 'string' },
    catalogVersion: { type: 'string' },
    entry: { type: 'string' },
    category: { enum: CATEGORIES },
    role: { type: 'string' },
    required: { type: 'boolean' },
    rangesPublished: { type: 'boolean' },
    classification: { enum: ['ok', 'dns-failure'] },
    resolver: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    dnsKind: { type: 'string' },
    dnsMessage: { type: 'string' },
    path: { enum: ['direct', 'proxy'] },
    proxy: { type: 'string' },
    proxySource: { type: 'string' },
    route: { type: 'string' },
    routeError: { type: 'string' },
    addresses: {
      type: 'array',
      items: {
        type: 'object',
        required: ['address', 'family', 'scope', 'route'],
        properties: {
          address: { type: 'string' },
          family: { enum: [4, 6] },
          scope: {
            enum: [
              'public',
              'private',
              'cgnat',
              'loopback',
              'link-local',
              'unique-local',
              'unspecified',
              'documentation',
              'benchmarking',
              'multicast',
              'reserved',
              'nat64',
            ],
          },
          range: {
            type: 'object',
            required: ['id', 'category', 'cidr'],
            properties: { id: { type: 'string' }, category: { enum: CATEGORIES }, cidr: { type: 'string' } },
          },
          route: routeSchema,
        },
      },
    },
  },
} as const;

/** Out-of-range severity by the vendor's category: Optimize is real-time media, Default is "nothing special". */
const SEVERITY: Record<VendorCategory, Severity> = { optimize: 'high', allow: 'medium', default: 'low' };
/** The score a finding of each severity leaves at most: any finding above info keeps the check from passing. */
const CAP: Record<Severity, number> = { critical: 0, high: 0.3, medium: 0.6, low: 0.85, info: 1 };

export default defineCheck<Options, EgressFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const ref = (target.data?.catalog as CatalogRef | undefined) ?? catalogRef(ep)!;
    const catalog = catalogOf(ctx.site.platform.catalogs ?? [], ref.platform);
    const ranges = compileRanges(catalog?.ranges ?? []);
    const rangesPublished = ranges.blocks.length > 0;
    if (ranges.invalid.length)
      ctx.log.debug('egress: catalog blocks that are not CIDR', { platform: ref.platform, invalid: ranges.invalid });

    let path: Pick<EgressFacts, 'path' | 'proxy' | 'proxySource' | 'route' | 'routeError'>;
    try {
      path = pathDetails(await routeFor(ctx, ep));
    } catch (err) {
      if (!(err instanceof PathError)) throw err;
      path = { path: 'proxy', routeError: err.message };
    }
    const base = {
      host: ep.host,
      endpoints: (target.data?.endpoints as string[] | undefined) ?? [ep.name],
      platform: ref.platform,
      platformName: catalog?.name ?? ref.platform,
      ...(catalog?.version ? { catalogVersion: catalog.version } : {}),
      entry: ref.entry,
      category: ref.category,
      role: ref.role,
      required: ref.required,
      rangesPublished,
      ...path,
    };

    let answer: DnsAnswer;
    try {
      answer = await lookupOnce(ctx, ep.host);
    } catch (err) {
      if (!(err instanceof DnsLookupError)) throw err;
      return {
        ...base,
        classification: 'dns-failure',
        resolver: err.resolver,
        dnsKind: err.kind,
        dnsMessage: err.message,
        addresses: [],
      };
    }
    const addresses = await Promise.all(
      answer.addresses.map(async (a): Promise<EgressAddress> => {
        const range = rangesPublished ? matchRange(ranges, a.address) : undefined;
        return {
          address: a.address,
          family: a.family,
          scope: addressScope(a.address) ?? 'public',
          ...(range ? { range } : {}),
          route: await egressRoute(ctx, a.address, Math.min(ctx.options.routeTimeoutMs, Math.max(100, ctx.remainingMs() - 200))),
        };
      }),
    );
    return { ...base, classification: 'ok', resolver: answer.resolver, addresses };
  },

  judge(facts) {
    const endpoint = facts.endpoints[0]!;
    const common = { endpoint, host: facts.host, platform: facts.platformName };
    const list = (as: EgressAddress[]) => as.map((a) => a.address).join(', ');
    if (facts.classification === 'dns-failure') {
      return {
        score: null,
        findings: [{ id: 'egress.not-resolved', severity: 'info', message: { id: 'egress.not-resolved', params: common } }],
      };
    }
    const findings: Finding[] = [];
    const measurements: Measurement[] = [];
    const addrs = facts.addresses;

    if (facts.rangesPublished && addrs.length) {
      const inside = addrs.filter((a) => a.range);
      measurements.push({
        id: 'inRangePercent',
        value: round((100 * inside.length) / addrs.length),
        unit: '%',
        threshold: { min: 100, source: "the vendor's published IP ranges" },
      });
      const byCause = new Map<Cause, EgressAddress[]>();
      for (const a of addrs.filter((x) => !x.range)) {
        const cause = causeOf(a, facts);
        byCause.set(cause, [...(byCause.get(cause) ?? []), a]);
      }
      for (const [cause, outside] of byCause) {
        const params = { ...common, addresses: list(outside), ...(cause === 'proxy-answers' ? { proxy: facts.proxy ?? '?' } : {}) };
        findings.push({
          id: `egress.${cause}`,
          severity: SEVERITY[facts.category],
          message: { id: `egress.${cause}`, params },
          remediation: { id: `egress.${cause}.fix`, params },
          evidence: {
            category: facts.category,
            addresses: outside.map((a) => ({ address: a.address, scope: a.scope })),
            ...(facts.catalogVersion ? { catalogVersion: facts.catalogVersion } : {}),
          },
        });
      }
    }

    if (facts.category === 'optimize') {
      const byDev = new Map<string, EgressAddress[]>();
      for (const a of addrs.filter((x) => x.route.status === 'ok' && x.route.tunnel && x.route.dev)) {
        byDev.set(a.route.dev!, [...(byDev.get(a.route.dev!) ?? []), a]);
      }
      for (const [dev, through] of byDev) {
        const route = through[0]!.route;
        const params = { ...common, dev, addresses: list(through) };
        findings.push({
          id: 'egress.tunnelled',
          severity: 'high',
          message: { id: 'egress.tunnelled', params },
          remediation: { id: route.sameAsDefault ? 'egress.tunnelled.fix-full' : 'egress.tunnelled.fix', params },
          evidence: {
            dev,
            ...(route.tunnelKind ? { kind: route.tunnelKind } : {}),
            ...(route.tunnelBy ? { by: route.tunnelBy } : {}),
            ...(route.linkType !== undefined ? { linkType: route.linkType } : {}),
            ...(route.sameAsDefault !== undefined ? { sameAsDefault: route.sameAsDefault } : {}),
          },
        });
      }
    }

    // What could not be asked is said, never scored: a report from a laptop without iproute2 is not worse for it.
    const undetermined = addrs.filter((a) => a.route.status === 'not-determined');
    if (undetermined.length) {
      const reason = undetermined[0]!.route.reason ?? 'failed';
      findings.push({
        id: 'egress.route-not-determined',
        severity: 'info',
        message: {
          id: 'egress.route-not-determined',
          params: { endpoint, addresses: list(undetermined), reason: { id: `egress.reason.${reason}` } },
        },
        evidence: { reason, ...(undetermined[0]!.route.message ? { detail: undetermined[0]!.route.message } : {}) },
      });
    }
    const refused = addrs.filter((a) => a.route.status === 'no-route');
    if (refused.length) {
      findings.push({
        id: 'egress.no-route',
        severity: 'info',
        message: {
          id: 'egress.no-route',
          params: { endpoint, addresses: list(refused), type: [...new Set(refused.map((a) => a.route.type ?? 'none'))].join(', ') },
        },
      });
    }

    const devs = [...new Set(addrs.flatMap((a) => (a.route.dev && a.route.status !== 'not-determined' ? [a.route.dev] : [])))];
    measurements.push({ id: 'interface', value: devs.length ? devs.join(', ') : null });
    const score = Math.min(1, ...findings.map((f) => CAP[f.severity]));
    return { score, measurements, findings };
  },

  present(facts) {
    const blocks: Block[] = [
      {
        kind: 'key-value',
        title: { id: 'egress.block.endpoint' },
        items: [
          {
            label: { id: 'egress.platform' },
            value: facts.catalogVersion ? `${facts.platformName} (${facts.catalogVersion})` : facts.platformName,
          },
          { label: { id: 'egress.entry' }, value: facts.entry },
          { label: { id: 'egress.category' }, value: facts.category },
          {
            label: { id: 'egress.path' },
            value:
              facts.path === 'proxy' ? { id: 'egress.path.proxy', params: { proxy: facts.proxy ?? '?' } } : { id: 'egress.path.direct' },
          },
          { label: { id: 'egress.endpoints' }, value: facts.endpoints.join(', ') },
          { label: { id: 'egress.resolver' }, value: [facts.resolver].flat().join(', ') },
          ...defaultItem(facts),
        ],
      },
    ];
    if (facts.addresses.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'egress.block.addresses' },
        columns: [
          { key: 'address', label: { id: 'egress.col.address' } },
          { key: 'scope', label: { id: 'egress.col.scope' } },
          { key: 'range', label: { id: 'egress.col.range' } },
          { key: 'interface', label: { id: 'egress.col.interface' } },
          { key: 'tunnel', label: { id: 'egress.col.tunnel' } },
          { key: 'gateway', label: { id: 'egress.col.gateway' } },
        ],
        rows: facts.addresses.map((a) => ({
          address: a.address,
          scope: { id: `egress.scope.${a.scope}` },
          range: rangeCell(a, facts.rangesPublished),
          interface: interfaceCell(a.route),
          tunnel:
            a.route.status === 'ok'
              ? a.route.tunnel
                ? { id: 'egress.tunnel.yes', params: { kind: a.route.tunnelKind ?? '?' } }
                : { id: 'egress.tunnel.no' }
              : null,
          gateway: a.route.gateway ?? null,
        })),
      });
    }
    return blocks;
  },
});

type Cause = 'dns-rewritten' | 'proxy-answers' | 'unlisted';

/** Why an address is outside every published range, as plainly as the facts allow. */
function causeOf(a: EgressAddress, facts: EgressFacts): Cause {
  if (isNonPublicScope(a.scope)) return 'dns-rewritten';
  if (facts.path === 'proxy') return 'proxy-answers';
  return 'unlisted';
}

function rangeCell(a: EgressAddress, published: boolean): Message {
  if (!published) return { id: 'egress.range.none' };
  return a.range ? { id: 'egress.range.in', params: { range: a.range.id, category: a.range.category } } : { id: 'egress.range.out' };
}

function interfaceCell(route: EgressRoute): string | Message {
  if (route.status === 'not-determined') return { id: 'egress.route.not-determined' };
  if (route.status === 'no-route') return { id: 'egress.route.no-route', params: { type: route.type ?? 'none' } };
  if (route.status === 'local') return { id: 'egress.route.local' };
  return route.dev ?? { id: 'egress.route.not-determined' };
}

function defaultItem(facts: EgressFacts): Array<{ label: Message; value: string }> {
  const devs = [...new Set(facts.addresses.flatMap((a) => a.route.defaultDevs ?? []))];
  return devs.length ? [{ label: { id: 'egress.default' }, value: devs.join(', ') }] : [];
}
