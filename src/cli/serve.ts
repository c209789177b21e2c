// `siteready serve`: run the reflector until SIGINT, SIGTERM or SIGHUP. The token comes from
// SITEREADY_TOKEN or --token-file, never from the command line (it would show in `ps`).

import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { startReflector } from '../probe/server.js';
import { describeUnavailable, dscpSupport } from '../net/dscp.js';

export async function serveCommand(flags: {
  listen: string;
  udpPort?: string;
  tokenFile?: string;
  maxSessions?: string;
  maxPerSource?: string;
  maxTests?: string;
  quiet?: boolean;
}): Promise<void> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(flags.listen);
  if (!m) throw new UsageError(`--listen "${flags.listen}" is not host:port`, 'e.g. --listen 0.0.0.0:7000 or --listen [::]:7000');
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port < 0 || port > 65535) throw new UsageError(`port ${port} is out of range`);
  const token = flags.tokenFile
    ? (
        await readFile(flags.tokenFile, 'utf8').catch(() => {
          throw new UsageError(`cannot read the token file ${flags.tokenFile}`);
        })
      ).trim()
    : process.env.SITEREADY_TOKEN;
  if (!token) throw new UsageError('no token: set SITEREADY_TOKEN or pass --token-file FILE', 'generate one with: openssl rand -hex 32');
  if (token.length < 16) throw new UsageError('the token is shorter than 16 characters', 'generate one with: openssl rand -hex 32');
  const udpPort = flags.udpPort === undefined ? undefined : Number(flags.udpPort);
  if (udpPort !== undefined && !(Number.isInteger(udpPort) && udpPort >= 0 && udpPort <= 65535))
    throw new UsageError(`--udp-port ${flags.udpPort} is not a port`);
  const maxSessions = count(flags.maxSessions, '--max-sessions');
  const maxPendingPerSource = count(flags.maxPerSource, '--max-per-source');
  const maxConcurrentTests = flags.maxTests === undefined ? undefined : Number(flags.maxTests);
  if (maxConcurrentTests !== undefined && !(Number.isInteger(maxConcurrentTests) && maxConcurrentTests >= 0 && maxConcurrentTests <= 1000))
    throw new UsageError(
      `--max-tests must be a whole number from 0 to 1000, got "${flags.maxTests}"`,
      "1 (the default) runs one site's test at a time; 0 turns the schedule off",
    );
  const log = flags.quiet
    ? () => undefined
    : (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), ...entry })}\n`);
  const reflector = await startReflector({
    host,
    port,
    ...(udpPort !== undefined ? { udpPort } : {}),
    token,
    limits: {
      ...(maxSessions ? { maxSessions } : {}),
      ...(maxPendingPerSource ? { maxPendingPerSource } : {}),
      ...(maxConcurrentTests !== undefined ? { maxConcurrentTests } : {}),
    },
    log,
  }).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot listen on ${flags.listen}: ${err.code ?? err.message}`,
      err.code === 'EADDRINUSE' ? 'another process uses the port; pick another with --listen' : undefined,
    );
  });
  process.stdout.write(
    `siteready reflector on ${host}:${reflector.port} (tcp) and ${host}:${reflector.udpPort} (udp); QoS marks: ${qosLine(reflector.qos)}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    // A reflector started from a terminal that closes (SIGHUP) stops cleanly too, like a service stop.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  });
  await reflector.close();
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} ${value} is not a whole number of at least 1`);
  return n;
}

/** Whether QoS tests can use this reflector, and if not, why (the log has it too). */
function qosLine(supported: boolean): string {
  if (supported) return 'read and set';
  const support = dscpSupport();
  return `not supported (${support.available ? 'turned off' : describeUnavailable(support)})`;
}
