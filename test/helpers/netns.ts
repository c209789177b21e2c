// Network namespaces for integration tests: a private host at the far end of a veth pair, with
// its own firewall, so tcp paths can be refused, dropped or rejected for real.
//
// Every namespace gets a unique name (sr-<pid>-<random>) and a unique /30 inside 10.233.0.0/16;
// the only non-loopback addresses a test may send traffic to are the two ends of that /30.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { hasTool, startProcess, type Peer } from './peers.js';

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit (the caller decides). */
export function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like run(), but a non-zero exit is an error carrying stderr. */
export async function runOk(cmd: string, args: string[]): Promise<ExecResult> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/** Namespaces need root (CAP_NET_ADMIN / CAP_SYS_ADMIN), iproute2 and iptables. */
export function netnsSupported(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  if (!hasTool('ip') || !hasTool('iptables')) return false;
  // A container without the capabilities lets `ip` exist but not work: ask the kernel once.
  const r = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  return r.status === 0;
}

export interface Netns {
  /** e.g. sr-1234-9f3a1c */
  name: string;
  hostIf: string;
  nsIf: string;
  /** Host end of the /30. */
  hostIp: string;
  /** Namespace end of the /30: the only address tests connect to. */
  nsIp: string;
  /** Runs a command inside the namespace to completion; throws on a non-zero exit. */
  exec(args: string[]): Promise<ExecResult>;
  /** `iptables` inside the namespace (never the host's). */
  iptables(args: string[]): Promise<ExecResult>;
  /** Starts a long-running process inside the namespace; stopped by destroy(). */
  start(args: string[], opts: { ready: RegExp; name: string; timeoutMs?: number }): Promise<Peer>;
  /** Kills what it started, deletes the namespace and the veth pair. Safe to call twice. */
  destroy(): Promise<void>;
}

const BLOCKS = 1 << 14; // /30 blocks in 10.233.0.0/16

function blockAddresses(index: number): { network: string; host: string; ns: string } {
  const base = index * 4; // offset inside the /16
  const third = Math.floor(base / 256);
  const fourth = base % 256;
  return { network: `10.233.${third}.${fourth}`, host: `10.233.${third}.${fourth + 1}`, ns: `10.233.${third}.${fourth + 2}` };
}

async function usedAddresses(): Promise<string> {
  const [addrs, routes] = await Promise.all([run('ip', ['-4', '-o', 'addr', 'show']), run('ip', ['-4', 'route', 'show'])]);
  return `${addrs.stdout}\n${routes.stdout}`;
}

export async function createNetns(): Promise<Netns> {
  const started: Peer[] = [];
  let destroyed: Promise<void> | undefined;
  let name = '';
  let hostIf = '';
  // Last resort if the worker exits without running afterAll: synchronous, so it works in 'exit'.
  const onExit = () => {
    for (const p of started) p.child.kill('SIGKILL');
    if (name) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    if (hostIf) spawnSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' });
  };
  process.once('exit', onExit);
  const destroy = (): Promise<void> => {
    destroyed ??= (async () => {
      process.off('exit', onExit);
      for (const p of started.reverse()) await p.stop().catch(() => undefined);
      // Deleting the namespace takes its veth end with it; the host end goes with the pair, but
      // the kernel does that asynchronously, so remove it explicitly too (ignore "not found").
      if (name) await run('ip', ['netns', 'del', name]).catch(() => undefined);
      if (hostIf) await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    })();
    return destroyed;
  };

  try {
    const used = await usedAddresses();
    let block = blockAddresses(0);
    let chosen = false;
    for (let attempt = 0; attempt < 50 && !chosen; attempt++) {
      // pid + random: parallel test files (separate processes) start from different places.
      const index = (process.pid * 131 + randomInt(BLOCKS)) % BLOCKS;
      block = blockAddresses(index);
      chosen = ![block.network, block.host, block.ns].some((a) => new RegExp(`\\b${a.replace(/\./g, '\\.')}\\b`).test(used));
    }
    if (!chosen) throw new Error('no free /30 in 10.233.0.0/16');

    const tag = randomBytes(3).toString('hex');
    name = `sr-${process.pid}-${tag}`;
    hostIf = `sr${tag}h`;
    const nsIf = `sr${tag}n`;
    await runOk('ip', ['netns', 'add', name]);
    await runOk('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await runOk('ip', ['link', 'set', nsIf, 'netns', name]);
    await runOk('ip', ['addr', 'add', `${block.host}/30`, 'dev', hostIf]);
    await runOk('ip', ['link', 'set', hostIf, 'up']);
    const inNs = (args: string[]) => runOk('ip', ['netns', 'exec', name, ...args]);
    await inNs(['ip', 'addr', 'add', `${block.ns}/30`, 'dev', nsIf]);
    await inNs(['ip', 'link', 'set', nsIf, 'up']);
    await inNs(['ip', 'link', 'set', 'lo', 'up']);

    return {
      name,
      hostIf,
      nsIf,
      hostIp: block.host,
      nsIp: block.ns,
      exec: inNs,
      iptables: (args) => inNs(['iptables', '-w', ...args]),
      async start(args, opts) {
        const [cmd, ...rest] = args;
        const peer = await startProcess('ip', ['netns', 'exec', name, cmd!, ...rest], opts);
        started.push(peer);
        return peer;
      },
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}

/** What a namespace lab made, and how it goes away. */
export interface LabTeardown {
  /** Processes started inside the lab's namespaces. */
  started: Peer[];
  /** Namespaces created, in order. */
  created: string[];
  /** Stops the processes, then deletes the namespaces. Safe to call twice. */
  destroy(): Promise<void>;
}

/**
 * Teardown for a lab of several namespaces: processes first (a process keeps its namespace alive
 * after `ip netns del`), then the namespaces, which take their interfaces, addresses, rules and
 * qdiscs with them. If the worker exits without afterAll, a synchronous last resort runs on 'exit'.
 */
export function labTeardown(): LabTeardown {
  const started: Peer[] = [];
  const created: string[] = [];
  let destroyed: Promise<void> | undefined;
  const onExit = () => {
    for (const p of started) p.child.kill('SIGKILL');
    for (const n of created) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  };
  process.once('exit', onExit);
  return {
    started,
    created,
    destroy() {
      destroyed ??= (async () => {
        process.off('exit', onExit);
        for (const p of [...started].reverse()) await p.stop().catch(() => undefined);
        for (const n of [...created].reverse()) await run('ip', ['netns', 'del', n]).catch(() => undefined);
      })();
      return destroyed;
    },
  };
}
