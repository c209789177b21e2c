// A reflector (`siteready serve`) in a network namespace of its own, behind a veth pair shaped by
// tc tbf on both ends — the host end shapes what goes to the reflector (uploads), the namespace
// end what comes back (downloads) — and the site file that measures against it with one probe
// check. The token is put in the environment (the reflector inherits it; the site refers to it)
// and given back on stop().

import { BIN } from './cli.js';
import { createNetns, run, runOk, type Netns } from './netns.js';
import { writeSite } from './peers.js';

export const REFLECTOR_TOKEN_VAR = 'SITEREADY_TOKEN';
const PROBE_CHECKS = ['latency', 'throughput', 'bufferbloat', 'call-quality', 'capacity'];

export interface ShapedReflector {
  ns: Netns;
  port: number;
  /** Replaces both ends' tbf with these parameters (rate, burst, latency …). */
  shape(tbf: string[]): Promise<void>;
  /** A site whose only probe check is `only`, with these options, measuring this reflector. */
  site(dir: string, only: string, options?: Record<string, unknown>, fileName?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startShapedReflector(o: { token: string; tbf: string[]; port?: number }): Promise<ShapedReflector> {
  const port = o.port ?? 7000; // inside a namespace of our own: nothing else listens there
  const previousToken = process.env[REFLECTOR_TOKEN_VAR];
  const ns = await createNetns();
  const stop = async () => {
    await run('tc', ['qdisc', 'del', 'dev', ns.hostIf, 'root']).catch(() => undefined);
    await ns.exec(['tc', 'qdisc', 'del', 'dev', ns.nsIf, 'root']).catch(() => undefined);
    await ns.destroy();
    if (previousToken === undefined) delete process.env[REFLECTOR_TOKEN_VAR];
    else process.env[REFLECTOR_TOKEN_VAR] = previousToken;
  };
  try {
    // Qdiscs live on the veth ends: stop() deletes them, and deleting the pair would too.
    await runOk('tc', ['qdisc', 'add', 'dev', ns.hostIf, 'root', 'tbf', ...o.tbf]);
    await ns.exec(['tc', 'qdisc', 'add', 'dev', ns.nsIf, 'root', 'tbf', ...o.tbf]);
    process.env[REFLECTOR_TOKEN_VAR] = o.token;
    await ns.start([process.execPath, BIN, 'serve', '--listen', `${ns.nsIp}:${port}`, '--quiet'], {
      name: 'reflector',
      ready: /siteready reflector on/,
      timeoutMs: 15_000,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ns,
    port,
    async shape(tbf) {
      await runOk('tc', ['qdisc', 'change', 'dev', ns.hostIf, 'root', 'tbf', ...tbf]);
      await ns.exec(['tc', 'qdisc', 'change', 'dev', ns.nsIf, 'root', 'tbf', ...tbf]);
    },
    site(dir, only, options = {}, fileName) {
      const checks = Object.fromEntries(PROBE_CHECKS.map((c) => [c, c === only ? options : { enabled: false }]));
      return writeSite(
        dir,
        {
          site: { name: 'shaped link' },
          // The platform section is required; `checks: []` keeps every endpoint check off it.
          platform: { endpoints: [{ name: 'reflector', host: ns.nsIp, port, protocol: 'tcp', checks: [] }] },
          probe: { name: 'ns-reflector', host: ns.nsIp, port, token: `\${${REFLECTOR_TOKEN_VAR}}` },
          checks,
        },
        fileName,
      );
    },
    stop,
  };
}
