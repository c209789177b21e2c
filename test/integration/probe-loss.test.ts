// Loss per direction, measured against known random loss: a reflector (`siteready serve`) inside a
// network namespace, and iptables dropping 2 % of the probes at random (`-m statistic --mode random`)
// on their way in — then 2 % of the replies on their way back, at the host end of the veth. Each
// measurement must find 2 % ± 0.5 points in the right direction and ~0 in the other.
//
// 10,000 probes per run: with p = 0.02 the binomial standard deviation of the measured loss is
// √(p(1−p)/n) = 0.14 points, so ± 0.5 is 3.6 σ (a chance failure about once in 3,000 runs).

import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireTool } from '../helpers/cli.js';
import { createNetns, netnsSupported, runOk, type Netns } from '../helpers/netns.js';
import { tempDir, type TempDir } from '../helpers/peers.js';
import { closeSession, openSession, type ProbeEndpoint, type ProbeSession } from '../../src/probe/client.js';
import { runUdpStream, type UdpStreamResult } from '../../src/probe/udp-stream.js';

const available = requireTool(netnsSupported(), 'root with ip netns and iptables');

const TOKEN = `loss-test-${process.pid}-0123456789abcdef`;
const PORT = 7000; // TCP and UDP, inside a namespace of our own
const PROBABILITY = 0.02;
const PPS = 1000; // under the reflector's default 5000 probes/s per session
const DURATION_MS = 10_000;
const TOLERANCE_POINTS = 0.5;
// "~0": no loss but the injected one exists on a veth; allow a stray packet or ten (0.1 point).
const CLEAN_POINTS = 0.1;

describe.skipIf(!available)('UDP loss per direction against iptables random drops', () => {
  let ns: Netns | undefined;
  let tmp: TempDir | undefined;
  let endpoint: ProbeEndpoint;
  const sessions: ProbeSession[] = [];
  /** Rules added to the host's (root namespace) INPUT chain; removed in afterAll, or at exit. */
  const hostRules: string[][] = [];
  const removeHostRulesSync = () => {
    for (const rule of hostRules.splice(0)) spawnSync('iptables', ['-w', '-D', 'INPUT', ...rule], { stdio: 'ignore' });
  };

  beforeAll(async () => {
    process.once('exit', removeHostRulesSync);
    tmp = await tempDir('sr-loss-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    ns = await createNetns();
    await ns.start([process.execPath, BIN, 'serve', '--listen', `${ns.nsIp}:${PORT}`, '--token-file', tokenFile, '--quiet'], {
      name: 'reflector',
      ready: /siteready reflector on/,
      timeoutMs: 15_000,
    });
    endpoint = { address: ns.nsIp, port: PORT, host: ns.nsIp, token: TOKEN, connectTimeoutMs: 3000 };
  }, 30_000);

  afterAll(async () => {
    for (const s of sessions) await closeSession(endpoint, s);
    for (const rule of hostRules.splice(0)) await runOk('iptables', ['-w', '-D', 'INPUT', ...rule]).catch(() => undefined);
    process.off('exit', removeHostRulesSync);
    await ns?.destroy();
    await tmp?.remove();
  });

  async function stream(id: number): Promise<UdpStreamResult> {
    const session = await openSession(endpoint, { timeoutMs: 5000 });
    sessions.push(session);
    const r = await runUdpStream({ endpoint, session, stream: id, pps: PPS, size: 200, durationMs: DURATION_MS, drainMs: 1000 });
    console.log(
      `stream ${id}: sent ${r.sent}, replies ${r.replies}, loss up ${r.lossUpPercent} %, down ${r.lossDownPercent} %, total ${r.lossPercent} %, worst 200 ms ${r.worstBurst200msPercent} %, burstRatio ${r.burstRatio}`,
    );
    return r;
  }

  it('2 % dropped on the way in (namespace INPUT): upstream loss 2 ± 0.5 %, downstream ~0', async () => {
    const rule = [
      '-p',
      'udp',
      '--dport',
      String(PORT),
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      String(PROBABILITY),
      '-j',
      'DROP',
    ];
    await ns!.iptables(['-A', 'INPUT', ...rule]);
    try {
      const r = await stream(1);
      expect(r.sent).toBe((DURATION_MS / 1000) * PPS);
      expect(Math.abs(r.lossUpPercent! - 100 * PROBABILITY)).toBeLessThanOrEqual(TOLERANCE_POINTS);
      expect(r.lossDownPercent!).toBeLessThanOrEqual(CLEAN_POINTS);
      expect(Math.abs(r.lossPercent - 100 * PROBABILITY)).toBeLessThanOrEqual(TOLERANCE_POINTS);
    } finally {
      await ns!.iptables(['-D', 'INPUT', ...rule]);
    }
  }, 30_000);

  it('2 % of the replies dropped at the host end (INPUT on our veth only): downstream loss 2 ± 0.5 %, upstream ~0', async () => {
    // Matches only replies from our reflector arriving on our own veth: nothing else on the host.
    const rule = [
      '-i',
      ns!.hostIf,
      '-s',
      ns!.nsIp,
      '-p',
      'udp',
      '--sport',
      String(PORT),
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      String(PROBABILITY),
      '-j',
      'DROP',
    ];
    hostRules.push(rule);
    await runOk('iptables', ['-w', '-I', 'INPUT', ...rule]);
    try {
      const r = await stream(2);
      expect(r.sent).toBe((DURATION_MS / 1000) * PPS);
      expect(r.lossUpPercent!).toBeLessThanOrEqual(CLEAN_POINTS);
      expect(Math.abs(r.lossDownPercent! - 100 * PROBABILITY)).toBeLessThanOrEqual(TOLERANCE_POINTS);
    } finally {
      hostRules.splice(hostRules.indexOf(rule), 1);
      await runOk('iptables', ['-w', '-D', 'INPUT', ...rule]);
    }
  }, 30_000);
});
