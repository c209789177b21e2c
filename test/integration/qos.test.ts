// QoS marks against the truth: a client and a reflector in network namespaces of their own, joined
// by a router namespace whose iptables / ip6tables mangle rules do to DSCP what real middle boxes
// do — nothing, bleach one way, re-mark EF to AF11, re-mark some packets at random, bleach IPv6
// traffic classes, drop EF — and whose htb qdisc does or does not give EF priority on a
// rate-limited link. `siteready run qos` runs inside the client namespace, as a user would run it,
// and must classify every class in both directions as the router made it.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, requireTool, runCli } from '../helpers/cli.js';
import { netnsSupported, run } from '../helpers/netns.js';
import { hasTool, tempDir, type TempDir } from '../helpers/peers.js';
import { createRoutedLab, type RoutedLab } from '../helpers/routed-netns.js';
import { dscpSupport } from '../../src/net/dscp.js';
import type { LoadedDirection } from '../../src/qos/facts.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';

const available =
  requireTool(netnsSupported(), 'root with ip netns and iptables') &&
  requireTool(hasTool('ip6tables') && hasTool('tc'), 'ip6tables and tc (iptables, iproute2)') &&
  requireTool(dscpSupport().available, 'the DSCP module (build it with `npm run install`)');

const TOKEN = `qos-test-${process.pid}-0123456789abcdef`;
const PORT = 7000; // inside the server namespace of our own
const CLASSES = ['ef', 'af41', 'af21', 'cs0'];
/** 100 packets per class (1 s at 100/s): enough that "30 % at random" is never all or nothing. */
const DURATION_S = '1';

interface Way {
  outcome: string;
  dscpSeen: number[];
  packets: number;
  changed: number;
}
interface ClassResult {
  name: string;
  dscpSent: number;
  forward: Way;
  return: Way;
}
interface Result {
  check: string;
  target: string;
  status: string;
  findings: Array<{ id: string; evidence?: Record<string, unknown> }>;
  measurements: Array<{ id: string; value: unknown }>;
  factsVersion?: number;
  facts: { classes?: ClassResult[]; hops?: { forward: number | null; return: number | null }; family?: string; underLoad?: any };
}

describe.skipIf(!available)('QoS marks across a router in namespaces', () => {
  let lab: RoutedLab | undefined;
  let tmp: TempDir | undefined;

  beforeAll(async () => {
    tmp = await tempDir('sr-qos-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    lab = await createRoutedLab();
    // One reflector for both families: [::] is dual stack, IPv4 clients arrive as ::ffff:a.b.c.d.
    await lab.start('server', [process.execPath, BIN, 'serve', '--listen', `[::]:${PORT}`, '--token-file', tokenFile], {
      name: 'reflector',
      ready: /siteready reflector on/,
      timeoutMs: 15_000,
    });
  }, 30_000);

  afterAll(async () => {
    await lab?.destroy();
    await tmp?.remove();
    // Nothing of ours is left behind.
    if (lab) {
      const left = (await run('ip', ['netns', 'list'])).stdout;
      expect(Object.values(lab.ns).filter((n) => left.includes(n))).toEqual([]);
    }
  });

  afterEach(async () => {
    // Our own router namespace: flushing its chains and qdisc touches nothing else.
    for (const tool of ['iptables', 'ip6tables']) {
      for (const table of ['mangle', 'filter']) await lab!.exec('router', [tool, '-w', '-t', table, '-F']);
    }
    await lab!.exec('router', ['tc', 'qdisc', 'del', 'dev', lab!.routerIf.toClient, 'root']).catch(() => undefined);
  });

  const router = (tool: 'iptables' | 'ip6tables', args: string[]) => lab!.exec('router', [tool, '-w', ...args]);

  async function runQos(target: string, extra: string[] = []): Promise<Result[]> {
    const r = await runCli(
      ['run', 'qos', target, '--classes', CLASSES.join(','), '--duration', DURATION_S, '--json', '--quiet', ...extra],
      {
        prefix: lab!.prefix('client'),
        env: { SITEREADY_TOKEN: TOKEN },
        timeoutMs: 90_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const results = (JSON.parse(r.stdout) as { results: Result[] }).results.filter((x) => x.check === 'qos');
    // Facts a saved report can be judged on again.
    expect(await factsSchemaProblems(results)).toEqual([]);
    return results;
  }

  async function marks(target: string): Promise<Result> {
    const [result] = await runQos(target);
    const summary = result!.facts.classes?.map(
      (c) => `${c.name} ${c.forward.outcome}${JSON.stringify(c.forward.dscpSeen)}/${c.return.outcome}${JSON.stringify(c.return.dscpSeen)}`,
    );
    console.log(`${target}: ${result!.status} ${summary?.join(' · ')}`);
    return result!;
  }

  /** {class: [forward outcome, return outcome]} */
  const outcomes = (r: Result) => Object.fromEntries(r.facts.classes!.map((c) => [c.name, [c.forward.outcome, c.return.outcome]]));
  const v4 = () => `${lab!.server.v4}:${PORT}`;
  const v6 = () => `[${lab!.server.v6}]:${PORT}`;

  it('no rules: every mark preserved both ways, one hop each way', async () => {
    const r = await marks(v4());
    expect(r.status).toBe('pass');
    expect(outcomes(r)).toEqual({
      ef: ['preserved', 'preserved'],
      af41: ['preserved', 'preserved'],
      af21: ['preserved', 'preserved'],
      cs0: ['preserved', 'preserved'],
    });
    expect(r.facts.hops).toEqual({ forward: 1, return: 1 });
    for (const c of r.facts.classes!) {
      expect(c.forward).toMatchObject({ dscpSeen: [c.dscpSent], packets: 100, changed: 0 });
      expect(c.return).toMatchObject({ dscpSeen: [c.dscpSent], packets: 100, changed: 0 });
    }
  }, 60_000);

  it('bleached to 0 on the way up only: forward bleached, return preserved', async () => {
    await router('iptables', ['-t', 'mangle', '-A', 'FORWARD', '-i', lab!.routerIf.toClient, '-j', 'DSCP', '--set-dscp', '0']);
    const r = await marks(v4());
    expect(outcomes(r)).toEqual({
      ef: ['bleached', 'preserved'],
      af41: ['bleached', 'preserved'],
      af21: ['bleached', 'preserved'],
      cs0: ['preserved', 'preserved'],
    });
    expect(r.facts.classes!.find((c) => c.name === 'ef')!.forward).toMatchObject({ dscpSeen: [0], packets: 100, changed: 100 });
    expect(r.status).toBe('fail');
    expect(r.findings.filter((f) => f.id === 'qos.bleached').map((f) => f.evidence?.direction)).toEqual(['forward', 'forward', 'forward']);
  }, 60_000);

  it('EF re-marked to AF11 (both ways): EF remarked to 10, the others preserved', async () => {
    await router('iptables', ['-t', 'mangle', '-A', 'FORWARD', '-m', 'dscp', '--dscp', '46', '-j', 'DSCP', '--set-dscp', '10']);
    const r = await marks(v4());
    expect(outcomes(r)).toEqual({
      ef: ['remarked', 'remarked'],
      af41: ['preserved', 'preserved'],
      af21: ['preserved', 'preserved'],
      cs0: ['preserved', 'preserved'],
    });
    const ef = r.facts.classes!.find((c) => c.name === 'ef')!;
    expect(ef.forward.dscpSeen).toEqual([10]);
    expect(ef.return.dscpSeen).toEqual([10]);
    expect(r.findings.map((f) => f.id)).toEqual(['qos.remarked', 'qos.remarked']);
  }, 60_000);

  it('30 % of the replies re-marked to 0 at random (statistic match): return mixed, forward preserved', async () => {
    await router('iptables', [
      '-t',
      'mangle',
      '-A',
      'FORWARD',
      '-i',
      lab!.routerIf.toServer,
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      '0.3',
      '-j',
      'DSCP',
      '--set-dscp',
      '0',
    ]);
    const r = await marks(v4());
    expect(outcomes(r)).toEqual({
      ef: ['preserved', 'mixed'],
      af41: ['preserved', 'mixed'],
      af21: ['preserved', 'mixed'],
      cs0: ['preserved', 'preserved'],
    });
    for (const c of r.facts.classes!.filter((x) => x.dscpSent !== 0)) {
      expect(c.return.dscpSeen).toEqual([c.dscpSent, 0]);
      // 100 packets at p = 0.3: σ = 4.6 points; 15–45 % is more than 3 σ either side.
      expect(c.return.changed / c.return.packets).toBeGreaterThan(0.15);
      expect(c.return.changed / c.return.packets).toBeLessThan(0.45);
    }
  }, 60_000);

  it('IPv6: traffic class bleached on the way back (ip6tables): return bleached, forward preserved', async () => {
    await router('ip6tables', ['-t', 'mangle', '-A', 'FORWARD', '-i', lab!.routerIf.toServer, '-j', 'DSCP', '--set-dscp', '0']);
    const r = await marks(v6());
    expect(r.facts.family).toBe('IPv6');
    expect(outcomes(r)).toEqual({
      ef: ['preserved', 'bleached'],
      af41: ['preserved', 'bleached'],
      af21: ['preserved', 'bleached'],
      cs0: ['preserved', 'preserved'],
    });
    expect(r.facts.hops).toEqual({ forward: 1, return: 1 });
    // The IPv4 path is untouched by an ip6tables rule.
    expect(outcomes(await marks(v4())).ef).toEqual(['preserved', 'preserved']);
  }, 60_000);

  it('EF dropped on the way up (filter table): EF unknown with a "dropped" finding for the forward path only', async () => {
    await router('iptables', ['-A', 'FORWARD', '-i', lab!.routerIf.toClient, '-m', 'dscp', '--dscp', '46', '-j', 'DROP']);
    const r = await marks(v4());
    expect(outcomes(r)).toEqual({
      ef: ['unknown', 'unknown'],
      af41: ['preserved', 'preserved'],
      af21: ['preserved', 'preserved'],
      cs0: ['preserved', 'preserved'],
    });
    expect(r.findings.map((f) => [f.id, f.evidence?.direction])).toEqual([['qos.dropped', 'forward']]);
    expect(r.status).toBe('fail');
  }, 60_000);

  it('TCP signalling marks: after the handshake the connection carries EF; its SYN did not', async () => {
    // Counting rules (no target) on the router: SYNs by mark, and marked data segments.
    const count = ['-t', 'mangle', '-A', 'FORWARD', '-i', lab!.routerIf.toClient, '-p', 'tcp', '--dport', String(PORT)];
    await router('iptables', [...count, '--syn', '-m', 'dscp', '--dscp', '0']);
    await router('iptables', [...count, '--syn', '-m', 'dscp', '--dscp', '46']);
    await router('iptables', [...count, '!', '--syn', '-m', 'dscp', '--dscp', '46']);
    const script = `
      const { markTcpSocket } = await import(${JSON.stringify(join(ROOT, 'dist/src/net/dscp.js'))});
      const { connect } = await import('node:net');
      const s = connect(${PORT}, ${JSON.stringify(lab!.server.v4)}, () => {
        const r = markTcpSocket(s, 46);
        if (!r.ok) { console.error(r.error); process.exit(1); }
        s.write('GET /nothing HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n');
      });
      s.on('data', () => {}); s.on('close', () => process.exit(0)); s.on('error', (e) => { console.error(e.message); process.exit(1); });
    `;
    const child = await lab!.exec('client', [process.execPath, '--input-type=module', '-e', script]);
    expect(child.code).toBe(0);
    const listing = (await router('iptables', ['-t', 'mangle', '-L', 'FORWARD', '-v', '-x', '-n'])).stdout;
    const packets = listing
      .split('\n')
      .filter((l) => /tcp dpt:7000/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
    const [synUnmarked, synMarked, dataMarked] = packets;
    expect(synUnmarked).toBe(1);
    expect(synMarked).toBe(0);
    expect(dataMarked).toBeGreaterThanOrEqual(2);
  }, 30_000);

  describe('under load: a 20 Mbit/s link toward the client (htb), saturated downstream', () => {
    const dev = () => lab!.routerIf.toClient;
    const tc = (args: string[]) => lab!.exec('router', ['tc', ...args]);
    // A short queue (100 packets ≈ 60 ms at 20 Mbit/s) keeps replies within the drain time.
    async function shaped(prioritiseEf: boolean): Promise<void> {
      await tc(['qdisc', 'add', 'dev', dev(), 'root', 'handle', '1:', 'htb', 'default', '20']);
      await tc([
        'class',
        'add',
        'dev',
        dev(),
        'parent',
        '1:',
        'classid',
        '1:1',
        'htb',
        'rate',
        '20mbit',
        'ceil',
        '20mbit',
        'quantum',
        '1514',
      ]);
      await tc([
        'class',
        'add',
        'dev',
        dev(),
        'parent',
        '1:1',
        'classid',
        '1:10',
        'htb',
        'rate',
        '2mbit',
        'ceil',
        '20mbit',
        'prio',
        '0',
        'quantum',
        '1514',
      ]);
      await tc([
        'class',
        'add',
        'dev',
        dev(),
        'parent',
        '1:1',
        'classid',
        '1:20',
        'htb',
        'rate',
        '18mbit',
        'ceil',
        '20mbit',
        'prio',
        '1',
        'quantum',
        '1514',
      ]);
      await tc(['qdisc', 'add', 'dev', dev(), 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '100']);
      await tc(['qdisc', 'add', 'dev', dev(), 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', '100']);
      // Without prioritisation everything shares the default class, EF included.
      if (prioritiseEf)
        await tc([
          'filter',
          'add',
          'dev',
          dev(),
          'parent',
          '1:',
          'protocol',
          'ip',
          'prio',
          '1',
          'u32',
          'match',
          'ip',
          'dsfield',
          '0xb8',
          '0xfc',
          'flowid',
          '1:10',
        ]);
    }

    /** Per class: the judge's verdict (its measurement) and the delay and loss the facts hold for it and for the control. */
    async function underLoad(): Promise<
      Record<
        string,
        {
          verdict: string;
          markedDelayMs: number | null;
          controlDelayMs: number | null;
          markedLossPercent: number;
          controlLossPercent: number;
        }
      >
    > {
      const results = await runQos(v4(), ['--under-load', '--direction', 'down', '--load-duration', '5', '--streams', '4']);
      const load = results.find((r) => r.target.endsWith('/under-load'))!;
      const down = load.facts.underLoad.down as LoadedDirection;
      const added = (c: { idleRttP50: number | null; loadedRttP50: number | null }) =>
        c.idleRttP50 === null || c.loadedRttP50 === null ? null : Math.round((c.loadedRttP50 - c.idleRttP50) * 100) / 100;
      const byClass = Object.fromEntries(
        down.classes.map((c) => [
          c.name,
          {
            verdict: String(load.measurements.find((m) => m.id === `${c.name}-down`)?.value),
            markedDelayMs: added(c),
            controlDelayMs: added(down.control),
            markedLossPercent: c.lossPercent,
            controlLossPercent: down.control.lossPercent,
          },
        ]),
      );
      console.log(
        `under load (${down.loadMbps} Mbit/s down): ` +
          Object.entries(byClass)
            .map(
              ([n, c]) =>
                `${n} ${c.verdict} +${c.markedDelayMs} ms ${c.markedLossPercent} % (cs0 +${c.controlDelayMs} ms ${c.controlLossPercent} %)`,
            )
            .join(' · '),
      );
      return byClass;
    }

    it('EF prioritised by the router: the check sees priority honoured for EF, not for AF41/AF21', async () => {
      await shaped(true);
      const c = await underLoad();
      expect(c.ef!.verdict).toBe('honoured');
      expect(c.ef!.controlDelayMs!).toBeGreaterThanOrEqual(10);
      expect(c.af41!.verdict).toBe('not-honoured');
      expect(c.af21!.verdict).toBe('not-honoured');
    }, 90_000);

    it('no prioritisation: no difference, priority not honoured for any class', async () => {
      await shaped(false);
      const c = await underLoad();
      for (const name of ['ef', 'af41', 'af21']) expect(c[name]!.verdict, name).toBe('not-honoured');
      expect(c.ef!.controlDelayMs!).toBeGreaterThanOrEqual(10);
    }, 90_000);
  });
});
