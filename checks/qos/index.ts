import { defineCheck, type Block, type Finding, type Judgement, type Measurement, type Message, type Site } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { probeFailureJudgement } from '../../src/probe/check-support.js';
import type { Direction } from '../../src/probe/throughput.js';
import { qosClasses } from '../../src/qos/classes.js';
import type { MarkOutcome } from '../../src/qos/classify.js';
import { dscpLabel } from '../../src/qos/dscp-names.js';
import { measureQos } from '../../src/qos/measure.js';
import { nothingArrived, qosFactsSchema, type ClassMarks, type LoadedClass, type QosFacts } from '../../src/qos/facts.js';
import { judgePriority, type PriorityJudgement } from '../../src/qos/priority.js';
import planning, { type Options } from './plan.js';

const where =
  'Usual places, nearest first: the access switch port (the trust boundary: trust DSCP from the IM clients or phones, ' +
  "or classify the client's media ports there), the WAN edge router (an ingress policy that sets DSCP to default; on " +
  "MPLS, the provider's profile must accept the class), the firewall (some reset DSCP unless told to preserve it), and " +
  'the VPN concentrator (copy the inner DSCP to the tunnel header). Over the public internet providers commonly reset ' +
  'marks: there, prioritise at your own edge (shape the uplink slightly below its rate and queue by DSCP).';
const whereZh =
  '常见位置（由近及远）：接入交换机端口（信任边界：信任 IM 客户端或话机的 DSCP，或在此按客户端媒体端口分类）、WAN 边缘路由器' +
  '（入向策略把 DSCP 置为默认值；MPLS 线路需运营商的服务配置接受该类别）、防火墙（部分型号默认清除 DSCP，需开启保留）、' +
  'VPN 集中器（把内层 DSCP 复制到隧道外层报头）。公共互联网上运营商通常会清除标记：此时应在自己的出口设备上做优先级' +
  '（上行整形到略低于线路速率，并按 DSCP 排队）。';

const messages = {
  en: {
    ...probeMessages.en,
    'dir.forward': 'upstream (site → reflector)',
    'dir.return': 'downstream (reflector → site)',
    'load.down': 'downstream',
    'load.up': 'upstream',
    'qos.bleached': '{class} packets ({sent}) arrive unmarked (DSCP 0) on the {direction} path: {changed} of {packets}.',
    'qos.bleached.fix': `Something on that path resets the mark. ${where}`,
    'qos.remarked': '{class} packets ({sent}) arrive re-marked as {seen} on the {direction} path: {changed} of {packets}.',
    'qos.remarked.fix':
      "A QoS policy on that path maps the class to another one. If it is the provider's class model (a 4- or 6-class MPLS " +
      'service, say), make sure {seen} gets what {class} needs (strict priority for voice, guaranteed bandwidth for video); ' +
      `otherwise correct the mapping (table map or set-dscp action) where it is applied. ${where}`,
    'qos.mixed': '{changed} of {packets} {class} packets ({sent}) arrive re-marked on the {direction} path (seen: {seen}).',
    'qos.mixed.fix':
      'Only some packets change: a policer re-marking what exceeds its committed rate (size the class for the peak, or ' +
      'raise its rate), parallel paths with different policies (ECMP, link bundles, SD-WAN links: apply the same QoS ' +
      'policy on every member), or Wi-Fi access points mapping WMM differently.',
    'qos.dropped': 'No {class} packets ({sent}) arrive on the {direction} path, while unmarked packets do.',
    'qos.dropped.fix':
      'A firewall, IPS or policer drops marked packets (some drop DSCP values they do not expect, or police a priority ' +
      'queue down to nothing): allow the class, and give the priority queue the bandwidth the calls need.',
    'qos.control-remarked': 'Unmarked packets (DSCP 0) arrive as {seen} on the {direction} path: the network marks traffic itself.',
    'qos.control-remarked.fix':
      'A classifier on the path marks by port or address. Make sure it does not put bulk traffic in a real-time class ' +
      "and that it recognises the IM platform's media ports.",
    'qos.udp-blocked': 'DSCP marks cannot be tested: UDP probes get nowhere (the reflector {probe} received none).',
    'qos.udp-blocked.fix': '{fix}',
    'qos.unsupported.local': 'DSCP marks cannot be tested from this machine: {why}.',
    'qos.unsupported.reflector': 'The reflector {probe} cannot read or set DSCP marks: {why}.',
    'qos.unsupported.fix': '{fix}',
    'why.windows': 'Windows marks packets by policy (Group Policy QoS or qWAVE), not per socket',
    'why.platform': 'per-packet DSCP marking is implemented for Linux only (this is {detail})',
    'why.not-built': 'the DSCP module was not built when siteready was installed',
    'why.load-error': 'the DSCP module does not load ({detail})',
    'why.turned-off': 'turned off with SITEREADY_DSCP=off',
    'why.outdated': 'it runs a siteready version without QoS support',
    'fix.windows':
      'Run the QoS test from a Linux machine on the same network segment. For the IM client itself, set DSCP with a ' +
      'policy-based QoS Group Policy (per application and port range); Windows ignores marks applications set on their own.',
    'fix.platform': 'Run the QoS test from a Linux machine on the same network segment.',
    'fix.not-built': 'Install make, a C compiler and python3, then run `npm run install` in the siteready folder (or reinstall siteready).',
    'fix.load-error': 'Rebuild it: `npm run install` in the siteready folder (it needs make, a C compiler and python3).',
    'fix.turned-off': 'Unset SITEREADY_DSCP.',
    'fix.reflector':
      'Run the reflector (`siteready serve`) from an up-to-date siteready on Linux with the DSCP module built (make, a C ' +
      'compiler and python3 at install).',
    'qos.priority-not-honoured':
      'While the link was saturated {load}, {class} packets fared no better than unmarked ones: round trip +{markedDelay} ms ' +
      'vs +{controlDelay} ms, loss {markedLoss} % vs {controlLoss} %.',
    'qos.priority-not-honoured.fix':
      'Marks only help where a queue acts on them. At the congested hop (usually the WAN edge or the internet uplink) ' +
      'queue by DSCP: a strict-priority (LLQ) queue for EF, bandwidth guarantees for AF41 and AF21, and shape slightly ' +
      "below the line rate so the queue forms on your device rather than the provider's. Downstream, the provider (or an " +
      'ingress shaper at your edge) has to do it.',
    'qos.load-inconclusive':
      'The load did not congest the path {load} (unmarked round trip +{controlDelay} ms, loss {controlLoss} %): whether ' +
      'priority is honoured cannot be told.',
    'qos.load-inconclusive.fix':
      'Test where the link is the bottleneck (a branch uplink, not a data-centre LAN), or with more load streams (checks.qos.streams).',
    'qos.block.marks': 'DSCP marks per class, each way',
    'qos.block.under-load': 'Marked classes against the unmarked control while the link is saturated',
    'qos.col.class': 'Class',
    'qos.col.traffic': 'Traffic',
    'qos.col.dscp': 'DSCP sent',
    'qos.col.forward': 'Upstream (site → reflector)',
    'qos.col.return': 'Downstream (reflector → site)',
    'qos.col.packets': 'Arrived upstream',
    'qos.col.load': 'Load',
    'qos.col.verdict': 'Priority',
    'qos.col.marked-delay': 'Round trip added',
    'qos.col.control-delay': 'Added for the control',
    'qos.col.marked-loss': 'Loss',
    'qos.col.control-loss': 'Loss of the control',
    'qos.outcome.preserved': 'preserved',
    'qos.outcome.bleached': 'bleached',
    'qos.outcome.remarked': 're-marked',
    'qos.outcome.mixed': 'mixed',
    'qos.outcome.unknown': 'unknown',
    'qos.outcome.unsupported': 'not testable',
    'qos.outcome.seen': '{outcome} → {seen}',
    'qos.traffic.audio': 'audio',
    'qos.traffic.video': 'video',
    'qos.traffic.screen-share': 'screen share',
    'qos.traffic.default': 'default (control)',
    'qos.verdict.honoured': 'honoured',
    'qos.verdict.not-honoured': 'not honoured',
    'qos.verdict.inconclusive': 'inconclusive (no congestion)',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'dir.forward': '上行（站点 → 反射器）',
    'dir.return': '下行（反射器 → 站点）',
    'load.down': '下行',
    'load.up': '上行',
    'qos.bleached': '{class} 数据包（{sent}）在{direction}路径上到达时已被清除标记（DSCP 0）：{packets} 个中有 {changed} 个。',
    'qos.bleached.fix': `该路径上有设备重置了标记。${whereZh}`,
    'qos.remarked': '{class} 数据包（{sent}）在{direction}路径上被重新标记为 {seen}：{packets} 个中有 {changed} 个。',
    'qos.remarked.fix':
      '该路径上的 QoS 策略把此类别映射成了另一类别。如果这是运营商的类别模型（例如 4 类或 6 类 MPLS 服务），请确认 {seen} ' +
      `能得到 {class} 所需的处理（语音需要严格优先，视频需要保证带宽）；否则在施加映射的设备上修正映射（table map 或 set-dscp 动作）。${whereZh}`,
    'qos.mixed': '{class} 数据包（{sent}）在{direction}路径上有 {changed} 个（共 {packets} 个）被重新标记（所见值：{seen}）。',
    'qos.mixed.fix':
      '只有部分数据包被改变：可能是限速器对超出承诺速率的流量重新标记（按峰值规划该类别带宽或提高速率），或并行路径策略不一致' +
      '（ECMP、链路捆绑、SD-WAN 多条链路：在每条成员链路上应用相同的 QoS 策略），或各 Wi-Fi 接入点的 WMM 映射不同。',
    'qos.dropped': '{class} 数据包（{sent}）在{direction}路径上全部未到达，而未标记的数据包可以到达。',
    'qos.dropped.fix':
      '防火墙、IPS 或限速器丢弃了带标记的数据包（有些设备会丢弃非预期的 DSCP 值，或把优先级队列限速到几乎为零）：放行该类别，' +
      '并为优先级队列分配通话所需的带宽。',
    'qos.control-remarked': '未标记的数据包（DSCP 0）在{direction}路径上到达时变成了 {seen}：网络自行给流量打了标记。',
    'qos.control-remarked.fix': '路径上的分类器按端口或地址打标记。请确认它不会把大流量放进实时类别，并能识别 IM 平台的媒体端口。',
    'qos.udp-blocked': '无法测试 DSCP 标记：UDP 探测包无法到达（反射器 {probe} 一个也没有收到）。',
    'qos.udp-blocked.fix': '{fix}',
    'qos.unsupported.local': '无法在本机测试 DSCP 标记：{why}。',
    'qos.unsupported.reflector': '反射器 {probe} 无法读取或设置 DSCP 标记：{why}。',
    'qos.unsupported.fix': '{fix}',
    'why.windows': 'Windows 通过策略（组策略 QoS 或 qWAVE）而不是按套接字给数据包打标记',
    'why.platform': '按包设置 DSCP 目前只在 Linux 上实现（当前平台为 {detail}）',
    'why.not-built': '安装 siteready 时未能编译 DSCP 模块',
    'why.load-error': 'DSCP 模块无法加载（{detail}）',
    'why.turned-off': '已通过 SITEREADY_DSCP=off 关闭',
    'why.outdated': '其运行的 siteready 版本不支持 QoS 测试',
    'fix.windows':
      '请在同一网段的 Linux 机器上运行 QoS 测试。对于 IM 客户端本身，请用基于策略的 QoS 组策略（按应用程序和端口范围）设置 DSCP；Windows 会忽略应用程序自行设置的标记。',
    'fix.platform': '请在同一网段的 Linux 机器上运行 QoS 测试。',
    'fix.not-built': '安装 make、C 编译器和 python3，然后在 siteready 目录中运行 `npm run install`（或重新安装 siteready）。',
    'fix.load-error': '重新编译：在 siteready 目录中运行 `npm run install`（需要 make、C 编译器和 python3）。',
    'fix.turned-off': '取消设置 SITEREADY_DSCP。',
    'fix.reflector':
      '使用最新版 siteready 在 Linux 上运行反射器（`siteready serve`），并确保安装时已编译 DSCP 模块（需要 make、C 编译器和 python3）。',
    'qos.priority-not-honoured':
      '链路{load}饱和时，{class} 数据包并不比未标记的数据包表现更好：往返时延增加 {markedDelay} 毫秒（未标记 {controlDelay} 毫秒），' +
      '丢包率 {markedLoss} %（未标记 {controlLoss} %）。',
    'qos.priority-not-honoured.fix':
      '标记只有在队列按其调度时才有用。在拥塞点（通常是 WAN 边缘或互联网上行链路）按 DSCP 排队：为 EF 设置严格优先（LLQ）队列，' +
      '为 AF41 和 AF21 保证带宽，并把整形速率设得略低于线路速率，让队列出现在你自己的设备上而不是运营商那里。下行方向需要运营商' +
      '（或你出口处的入向整形器）来完成。',
    'qos.load-inconclusive':
      '负载没有使{load}路径拥塞（未标记数据包往返时延增加 {controlDelay} 毫秒，丢包率 {controlLoss} %）：无法判断优先级是否生效。',
    'qos.load-inconclusive.fix':
      '请在链路确实是瓶颈的位置测试（分支机构上行链路，而不是数据中心局域网），或增加负载流数量（checks.qos.streams）。',
    'qos.block.marks': '各类别双向 DSCP 标记',
    'qos.block.under-load': '链路饱和时带标记类别与未标记对照组的对比',
    'qos.col.class': '类别',
    'qos.col.traffic': '流量',
    'qos.col.dscp': '发送的 DSCP',
    'qos.col.forward': '上行（站点 → 反射器）',
    'qos.col.return': '下行（反射器 → 站点）',
    'qos.col.packets': '上行到达',
    'qos.col.load': '负载',
    'qos.col.verdict': '优先级',
    'qos.col.marked-delay': '往返时延增加',
    'qos.col.control-delay': '对照组时延增加',
    'qos.col.marked-loss': '丢包率',
    'qos.col.control-loss': '对照组丢包率',
    'qos.outcome.preserved': '保留',
    'qos.outcome.bleached': '被清零',
    'qos.outcome.remarked': '被改写',
    'qos.outcome.mixed': '部分改变',
    'qos.outcome.unknown': '未知',
    'qos.outcome.unsupported': '无法测试',
    'qos.outcome.seen': '{outcome} → {seen}',
    'qos.traffic.audio': '语音',
    'qos.traffic.video': '视频',
    'qos.traffic.screen-share': '屏幕共享',
    'qos.traffic.default': '默认（对照组）',
    'qos.verdict.honoured': '生效',
    'qos.verdict.not-honoured': '未生效',
    'qos.verdict.inconclusive': '无法判断（未拥塞）',
  },
};

export type { QosFacts, ClassMarks, LoadedDirection, LoadedClass } from '../../src/qos/facts.js';

/** Outcome → score of one marked class in one direction (the control is not scored). */
const OUTCOME_SCORE: Partial<Record<MarkOutcome, number>> = { preserved: 1, mixed: 0.5, remarked: 0.5, bleached: 0.2 };
const WAYS = ['forward', 'return'] as const;
type Way = (typeof WAYS)[number];
const LOADS: readonly Direction[] = ['down', 'up'];
const TRAFFIC = new Set(['audio', 'video', 'screen-share', 'default']);

/** Are DSCP marks (audio EF, video AF41, screen share AF21) preserved on the path, each way — and honoured under load? */
export default defineCheck<Options, QosFacts>({
  ...planning,
  facts: { version: 1, schema: qosFactsSchema },
  messages,

  measure(ctx, target) {
    return measureQos(ctx, target.data?.part === 'under-load' ? 'under-load' : 'marks');
  },

  judge(facts, { site }) {
    const failed = probeFailureJudgement('qos', facts);
    if (failed) return failed;
    if (facts.unsupported) return unsupportedJudgement(facts, facts.unsupported, site);
    if (facts.underLoad) return underLoadJudgement(facts.underLoad, site);
    return marksJudgement(facts, site);
  },

  present(facts) {
    if (facts.underLoad) return underLoadBlocks(facts.underLoad);
    if (!facts.classes?.length || facts.unsupported) return [];
    return [marksBlock(facts.classes)];
  },
});

/** A finding on a class declared in the site file points at its line there. */
function classLocation(site: Site, name: string): Pick<Finding, 'location'> | Record<string, never> {
  const pointer = qosClasses(site).find((c) => c.name === name)?.pointer;
  return pointer ? { location: site.locate(pointer) } : {};
}

// ---- marks -----------------------------------------------------------------------------------

function marksJudgement(facts: QosFacts, site: Site): Judgement {
  const reports = facts.classes ?? [];
  const control = reports.find((c) => c.control);
  if (!control || nothingArrived(facts.streams ?? [])) {
    const port = facts.reflector.udpPort;
    return {
      score: null,
      findings: [
        {
          id: 'qos.udp-blocked',
          severity: 'info',
          message: { id: 'qos.udp-blocked', params: { probe: facts.reflector.name } },
          remediation: { id: 'qos.udp-blocked.fix', params: { fix: { id: 'probe.udp-blocked.fix', params: { port } } } },
        },
      ],
    };
  }
  const findings: Finding[] = [];
  const scores: number[] = [];
  for (const rep of reports) {
    for (const way of WAYS) {
      const v = rep[way];
      const common = {
        class: rep.name.toUpperCase(),
        sent: dscpLabel(rep.dscpSent),
        direction: { id: `dir.${way}` },
        packets: v.packets,
        changed: v.changed,
        seen: v.dscpSeen.map(dscpLabel).join(', '),
      };
      const evidence = { class: rep.name, dscpSent: rep.dscpSent, direction: way, counts: v.counts };
      if (rep.control) {
        if (v.outcome === 'remarked' || v.outcome === 'mixed') {
          findings.push({
            id: 'qos.control-remarked',
            severity: 'low',
            message: { id: 'qos.control-remarked', params: common },
            remediation: { id: 'qos.control-remarked.fix' },
            evidence,
          });
        }
        continue;
      }
      if (v.outcome === 'unknown') {
        // Nothing of this class arrived; if the unmarked control did, the marks are what was dropped.
        // No reply to a probe that never reached the reflector says nothing about the return path.
        const couldReturn = way === 'forward' || rep.forward.packets > 0 || rep.forward.outcome === 'unsupported';
        if (control[way].packets > 0 && couldReturn) {
          scores.push(0);
          findings.push({
            id: 'qos.dropped',
            severity: 'high',
            message: { id: 'qos.dropped', params: common },
            remediation: { id: 'qos.dropped.fix' },
            evidence,
            ...classLocation(site, rep.name),
          });
        }
        continue;
      }
      const score = OUTCOME_SCORE[v.outcome];
      if (score === undefined) continue;
      scores.push(score);
      if (v.outcome !== 'preserved') {
        findings.push({
          id: `qos.${v.outcome}`,
          severity: 'medium',
          message: { id: `qos.${v.outcome}`, params: common },
          remediation: { id: `qos.${v.outcome}.fix`, params: common },
          evidence,
          ...classLocation(site, rep.name),
        });
      }
    }
  }
  const marked = reports.filter((c) => !c.control);
  const preserved = marked.flatMap((c) => WAYS.map((w) => c[w].outcome)).filter((o) => o === 'preserved').length;
  const measurements: Measurement[] = [
    { id: 'marks-preserved', value: `${preserved}/${marked.length * 2}`, unit: 'class-directions' },
    ...reports.flatMap((c) => WAYS.map((w) => ({ id: `${c.name}-${w}`, value: c[w].outcome }))),
    ...(facts.hops?.forward != null ? [{ id: 'hops-forward', value: facts.hops.forward, unit: 'hops' }] : []),
    ...(facts.hops?.return != null ? [{ id: 'hops-return', value: facts.hops.return, unit: 'hops' }] : []),
  ];
  return { score: scores.length ? Math.min(...scores) : null, measurements, findings };
}

function marksBlock(classes: ClassMarks[]): Block {
  const outcome = (v: ClassMarks[Way]): Message => {
    const o: Message = { id: `qos.outcome.${v.outcome}` };
    return v.outcome === 'preserved' || !v.dscpSeen.length
      ? o
      : { id: 'qos.outcome.seen', params: { outcome: o, seen: v.dscpSeen.map(dscpLabel).join(', ') } };
  };
  return {
    kind: 'table',
    title: { id: 'qos.block.marks' },
    columns: [
      { key: 'class', label: { id: 'qos.col.class' } },
      { key: 'traffic', label: { id: 'qos.col.traffic' } },
      { key: 'dscp', label: { id: 'qos.col.dscp' }, numeric: true },
      { key: 'forward', label: { id: 'qos.col.forward' } },
      { key: 'return', label: { id: 'qos.col.return' } },
      { key: 'packets', label: { id: 'qos.col.packets' }, numeric: true },
    ],
    rows: classes.map((c) => ({
      class: c.name,
      traffic: c.traffic === undefined ? null : TRAFFIC.has(c.traffic) ? { id: `qos.traffic.${c.traffic}` } : c.traffic,
      dscp: c.dscpSent,
      forward: outcome(c.forward),
      return: outcome(c.return),
      packets: `${c.forward.packets} / ${c.sent}`,
    })),
  };
}

// ---- under load ------------------------------------------------------------------------------

type Loaded = NonNullable<QosFacts['underLoad']>;

/** Each marked class against the control, per saturated direction (pure: judge and present share it). */
function priorities(underLoad: Loaded): Array<{ direction: Direction; loadMbps: number; cls: LoadedClass; j: PriorityJudgement }> {
  return LOADS.flatMap((direction) => {
    const d = underLoad[direction];
    if (!d) return [];
    return d.classes.map((cls) => ({ direction, loadMbps: d.loadMbps, cls, j: judgePriority(cls, d.control) }));
  });
}

function underLoadJudgement(underLoad: Loaded, site: Site): Judgement {
  const findings: Finding[] = [];
  const scores: number[] = [];
  const measurements: Measurement[] = [];
  const inconclusive = new Map<Direction, { j: PriorityJudgement; loadMbps: number }>();
  for (const { direction, loadMbps, cls, j } of priorities(underLoad)) {
    measurements.push({ id: `${cls.name}-${direction}`, value: j.verdict });
    if (j.verdict === 'inconclusive') {
      if (!inconclusive.has(direction)) inconclusive.set(direction, { j, loadMbps });
      continue;
    }
    scores.push(j.verdict === 'honoured' ? 1 : 0.3);
    if (j.verdict === 'not-honoured') {
      findings.push({
        id: 'qos.priority-not-honoured',
        severity: 'medium',
        message: {
          id: 'qos.priority-not-honoured',
          params: {
            class: cls.name.toUpperCase(),
            load: { id: `load.${direction}` },
            markedDelay: j.markedDelayMs ?? '—',
            controlDelay: j.controlDelayMs ?? '—',
            markedLoss: j.markedLossPercent,
            controlLoss: j.controlLossPercent,
          },
        },
        remediation: { id: 'qos.priority-not-honoured.fix' },
        evidence: { class: cls.name, direction, ...j },
        ...classLocation(site, cls.name),
      });
    }
  }
  for (const [direction, { j, loadMbps }] of inconclusive) {
    findings.push({
      id: 'qos.load-inconclusive',
      severity: 'info',
      message: {
        id: 'qos.load-inconclusive',
        params: { load: { id: `load.${direction}` }, controlDelay: j.controlDelayMs ?? '—', controlLoss: j.controlLossPercent },
      },
      remediation: { id: 'qos.load-inconclusive.fix' },
      evidence: { direction, loadMbps },
    });
  }
  return { score: scores.length ? Math.min(...scores) : null, measurements, findings };
}

function underLoadBlocks(underLoad: Loaded): Block[] {
  const rows = priorities(underLoad);
  if (!rows.length) return [];
  const ms = (v: number | null) => (v === null ? null : { value: v, unit: 'ms' });
  return [
    {
      kind: 'table',
      title: { id: 'qos.block.under-load' },
      columns: [
        { key: 'class', label: { id: 'qos.col.class' } },
        { key: 'load', label: { id: 'qos.col.load' } },
        { key: 'verdict', label: { id: 'qos.col.verdict' } },
        { key: 'markedDelay', label: { id: 'qos.col.marked-delay' }, numeric: true },
        { key: 'controlDelay', label: { id: 'qos.col.control-delay' }, numeric: true },
        { key: 'markedLoss', label: { id: 'qos.col.marked-loss' }, numeric: true },
        { key: 'controlLoss', label: { id: 'qos.col.control-loss' }, numeric: true },
      ],
      rows: rows.map(({ direction, cls, j }) => ({
        class: cls.name,
        load: { id: `load.${direction}` },
        verdict: { id: `qos.verdict.${j.verdict}` },
        markedDelay: ms(j.markedDelayMs),
        controlDelay: ms(j.controlDelayMs),
        markedLoss: { value: j.markedLossPercent, unit: '%' },
        controlLoss: { value: j.controlLossPercent, unit: '%' },
      })),
    },
  ];
}

// ---- cannot test -----------------------------------------------------------------------------

const KNOWN_REASONS = new Set(['windows', 'platform', 'not-built', 'load-error', 'turned-off', 'outdated']);

/**
 * Not measurable here (no DSCP module on this side or the reflector's): never a pass. When the site
 * file asks for QoS (a `qos:` section) that is an error — the network category is incomplete and
 * gates fail unless --allow-incomplete; when the check only runs with its defaults, informative.
 */
function unsupportedJudgement(facts: QosFacts, why: NonNullable<QosFacts['unsupported']>, site: Site): Judgement {
  const asked = site.qos !== undefined;
  // A reflector's reason code is whatever it sent: only known ones are looked up.
  const reason = KNOWN_REASONS.has(why.reason) ? why.reason : 'outdated';
  const detail = why.detail ?? '';
  const fix: Message = why.side === 'reflector' && reason !== 'turned-off' ? { id: 'fix.reflector' } : { id: `fix.${reason}` };
  const finding: Finding = {
    id: 'qos.unsupported',
    severity: asked ? 'medium' : 'info',
    message: {
      id: `qos.unsupported.${why.side}`,
      params: { probe: facts.reflector.name, why: { id: `why.${reason}`, params: { detail } } },
    },
    remediation: { id: 'qos.unsupported.fix', params: { fix } },
    evidence: { side: why.side, reason },
  };
  return asked
    ? { score: null, error: `DSCP marks cannot be tested (${why.side}: ${reason})`, findings: [finding] }
    : { score: null, findings: [finding] };
}
