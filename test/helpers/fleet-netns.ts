// Several sites and one reflector, each in a network namespace the test creates, joined by a router:
//
//   site 0 (s0) ──veth── (r0)
//   site 1 (s0) ──veth── (r1)  router (rx) ──veth── (x0) reflector
//   site 2 (s0) ──veth── (r2)
//
// IPv4 only, one /30 per link from 10.233.0.0/16, forwarding on in the router. Each site's link
// and the reflector's link can be shaped (tc tbf, both directions) so that the reflector's link is
// the one every site shares. Names and subnets are unique per process; destroy() — or the
// process's exit — removes every namespace and the processes started inside them.

import { randomBytes, randomInt } from 'node:crypto';
import { labTeardown, run, runOk, type ExecResult } from './netns.js';
import { startProcess, type Peer, type StartOptions } from './peers.js';

export interface FleetLab {
  sites: Array<{ ns: string; v4: string }>;
  reflector: { ns: string; v4: string };
  exec(ns: string, args: string[]): Promise<ExecResult>;
  /** A command-line prefix that runs a program inside a namespace (for runCli's `prefix`). */
  prefix(ns: string): string[];
  start(ns: string, args: string[], opts: Omit<StartOptions, 'cwd'>): Promise<Peer>;
  /** Shapes both directions of every site's link to `siteMbit` and of the reflector's to `sharedMbit`. */
  shape(siteMbit: number, sharedMbit: number): Promise<void>;
  destroy(): Promise<void>;
}

const BLOCKS = 1 << 14;

function block(index: number): { low: string; high: string; all: string[] } {
  const base = index * 4;
  const at = (k: number) => `10.233.${Math.floor(base / 256)}.${(base % 256) + k}`;
  return { low: at(1), high: at(2), all: [at(0), at(1), at(2), at(3)] };
}

export async function createFleetLab(siteCount: number): Promise<FleetLab> {
  const { started, created, destroy } = labTeardown();
  try {
    const [addrs, routes] = await Promise.all([run('ip', ['-4', '-o', 'addr', 'show']), run('ip', ['-4', 'route', 'show'])]);
    const used = `${addrs.stdout}\n${routes.stdout}`;
    const free = (b: ReturnType<typeof block>) => !b.all.some((a) => new RegExp(`\\b${a.replace(/\./g, '\\.')}\\b`).test(used));
    let blocks: Array<ReturnType<typeof block>> | undefined;
    for (let attempt = 0; attempt < 50 && !blocks; attempt++) {
      const first = (process.pid * 131 + randomInt(BLOCKS)) % (BLOCKS - siteCount - 1);
      const candidate = Array.from({ length: siteCount + 1 }, (_, i) => block(first + i));
      if (candidate.every(free)) blocks = candidate;
    }
    if (!blocks) throw new Error(`no ${siteCount + 1} free /30s in 10.233.0.0/16`);
    const tag = randomBytes(3).toString('hex');
    const name = (role: string) => `sr-${process.pid}-${tag}-${role}`;
    const router = name('r');
    const reflectorNs = name('x');
    const siteNs = Array.from({ length: siteCount }, (_, i) => name(`s${i}`));
    for (const n of [router, reflectorNs, ...siteNs]) {
      await runOk('ip', ['netns', 'add', n]);
      created.push(n);
    }
    const inNs = (ns: string, args: string[]) => runOk('ip', ['netns', 'exec', ns, ...args]);
    const up = async (ns: string, dev: string, cidr: string) => {
      await inNs(ns, ['ip', 'addr', 'add', cidr, 'dev', dev]);
      await inNs(ns, ['ip', 'link', 'set', dev, 'up']);
    };
    const shared = blocks[siteCount]!;
    await runOk('ip', ['link', 'add', 'x0', 'netns', reflectorNs, 'type', 'veth', 'peer', 'name', 'rx', 'netns', router]);
    await up(reflectorNs, 'x0', `${shared.high}/30`);
    await up(router, 'rx', `${shared.low}/30`);
    for (let i = 0; i < siteCount; i++) {
      await runOk('ip', ['link', 'add', 's0', 'netns', siteNs[i]!, 'type', 'veth', 'peer', 'name', `r${i}`, 'netns', router]);
      await up(siteNs[i]!, 's0', `${blocks[i]!.high}/30`);
      await up(router, `r${i}`, `${blocks[i]!.low}/30`);
      await inNs(siteNs[i]!, ['ip', 'link', 'set', 'lo', 'up']);
      await inNs(siteNs[i]!, ['ip', 'route', 'add', 'default', 'via', blocks[i]!.low]);
    }
    for (const n of [router, reflectorNs]) await inNs(n, ['ip', 'link', 'set', 'lo', 'up']);
    await inNs(router, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await inNs(reflectorNs, ['ip', 'route', 'add', 'default', 'via', shared.low]);

    const tbf = (ns: string, dev: string, mbit: number) =>
      inNs(ns, ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '32kb', 'latency', '50ms']);
    return {
      sites: siteNs.map((ns, i) => ({ ns, v4: blocks![i]!.high })),
      reflector: { ns: reflectorNs, v4: shared.high },
      exec: inNs,
      prefix: (ns) => ['ip', 'netns', 'exec', ns],
      async start(ns, args, opts) {
        const [cmd, ...rest] = args;
        const peer = await startProcess('ip', ['netns', 'exec', ns, cmd!, ...rest], opts);
        started.push(peer);
        return peer;
      },
      async shape(siteMbit, sharedMbit) {
        // Down: the router's egress toward each site, the reflector's egress toward the router.
        // Up: each site's egress, and the router's egress toward the reflector.
        for (let i = 0; i < siteCount; i++) {
          await tbf(router, `r${i}`, siteMbit);
          await tbf(siteNs[i]!, 's0', siteMbit);
        }
        await tbf(reflectorNs, 'x0', sharedMbit);
        await tbf(router, 'rx', sharedMbit);
      },
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}
