// STUN and TURN against a real coturn started by this test on loopback: two listening addresses
// (127.0.0.1 and 127.0.0.2, so RFC 5780 OTHER-ADDRESS and CHANGE-REQUEST work), long-term
// credentials alice:secret, loopback peers allowed, TLS with a lab certificate. Next to it: a
// closed UDP port (ICMP port unreachable), a bound UDP port that never answers (dropped), and a
// port whose TCP is forwarded to coturn while its UDP is silent (UDP blocked, TCP works).
// The client is exercised directly, then the checks through `siteready assess` and `siteready run`.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import {
  StunClientError,
  StunConnection,
  TurnClient,
  bindingRequest,
  relayRoundTrip,
  stunBinding,
  sweepUdpPorts,
} from '../../src/net/stun-client.js';
import { discoverNatBehaviour } from '../../src/net/stun-nat.js';
import { requireTool, runCli } from '../helpers/cli.js';
import {
  freeDualPort,
  hasTool,
  reportValidator,
  result,
  startProcess,
  tempDir,
  withRetries,
  writeSite,
  type Peer,
  type Report,
  type TempDir,
} from '../helpers/peers.js';
import { englishReport, type EnglishReport } from '../helpers/report-text.js';

const available = requireTool(hasTool('turnserver'), 'coturn');

const LOCAL = '127.0.0.1';
const ALT = '127.0.0.2';
const PASSWORD_ENV = 'SR_IT_TURN_PASSWORD';
const WRONG_ENV = 'SR_IT_TURN_WRONG';
// Generous timing thresholds: a loaded machine must not turn a pass into a warning (the tests are
// about classification, not speed).
const CHECK_OPTIONS = {
  stun: { transactionTimeoutMs: 1500, natTimeoutMs: 1000, sweepTimeoutMs: 1000, slowMs: 2000 },
  turn: { transactionTimeoutMs: 2500, relayTimeoutMs: 3000, slowMs: 2000 },
};

interface Coturn {
  port: number;
  tlsPort?: number;
  stop(): Promise<void>;
}

async function portFree(port: number, host: string, kind: 'tcp' | 'udp'): Promise<boolean> {
  if (kind === 'udp') {
    return new Promise((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, host, () => s.close(() => resolve(true)));
    });
  }
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** A port P with P and P+1 free for TCP and UDP on both loopback addresses (coturn's alternate port is P+1). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freeDualPort(LOCAL);
    if (p >= 65535) continue;
    const checks = await Promise.all(
      [p, p + 1].flatMap((port) => [LOCAL, ALT].flatMap((host) => [portFree(port, host, 'tcp'), portFree(port, host, 'udp')])),
    );
    if (checks.every(Boolean)) return p;
  }
  throw new Error('no free port pair for coturn');
}

async function startCoturn(dir: string, tls?: { cert: string; key: string }): Promise<Coturn> {
  return withRetries(4, async () => {
    const port = await freePortPair();
    let tlsPort: number | undefined;
    if (tls) {
      do tlsPort = await freePortPair();
      while (Math.abs(tlsPort - port) < 2);
    }
    // A relay range of its own, away from the ephemeral range other tests' sockets come from.
    // (Linux hands out ephemeral ports from 32768 up.)
    const minPort = 10000 + Math.floor(Math.random() * 400) * 50;
    const tag = `${port}`;
    const args = [
      '-n',
      '--listening-ip',
      LOCAL,
      '--listening-ip',
      ALT,
      '--relay-ip',
      LOCAL,
      '--listening-port',
      String(port),
      '--min-port',
      String(minPort),
      '--max-port',
      String(minPort + 49),
      ...(tls ? ['--tls-listening-port', String(tlsPort), '--cert', tls.cert, '--pkey', tls.key] : ['--no-tls']),
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      '--lt-cred-mech',
      '--realm',
      'test.local',
      '--user',
      'alice:secret',
      '--allow-loopback-peers',
      '--userdb',
      join(dir, `turndb-${tag}`),
      '--pidfile',
      join(dir, `turnserver-${tag}.pid`),
      '--log-file',
      'stdout',
      '--simple-log',
    ];
    const peer: Peer = await startProcess('turnserver', args, {
      name: 'coturn',
      timeoutMs: 15_000,
      // Ready once it answers a Binding over UDP and TCP (and accepts TLS connections).
      ready: async () => {
        try {
          await stunBinding({ transport: 'udp', address: LOCAL, port }, { timeoutMs: 300 });
          await stunBinding({ transport: 'tcp', address: LOCAL, port, connectTimeoutMs: 300 }, { timeoutMs: 300 });
          if (tlsPort) await portAccepts(tlsPort);
          return true;
        } catch {
          return false;
        }
      },
    });
    return { port, ...(tlsPort ? { tlsPort } : {}), stop: () => peer.stop() };
  });
}

function portAccepts(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: LOCAL, port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

/** A bound UDP socket that reads and never answers: to the client, dropped packets. */
async function silentUdp(): Promise<{ port: number; socket: UdpSocket }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOCAL, () => resolve()));
  socket.on('message', () => undefined);
  return { port: socket.address().port, socket };
}

/** TCP on `port` forwarded to coturn; UDP on the same port bound and silent. */
async function udpBlockedPort(target: number): Promise<{ port: number; close(): Promise<void> }> {
  for (let i = 0; i < 20; i++) {
    const silent = await silentUdp();
    const server: Server = createServer((client) => {
      const upstream = connect({ host: LOCAL, port: target });
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(silent.port, LOCAL, () => resolve(true));
    });
    if (ok) {
      return {
        port: silent.port,
        close: async () => {
          silent.socket.close();
          await new Promise<void>((r) => server.close(() => r()));
        },
      };
    }
    silent.socket.close();
  }
  throw new Error('no port free for both the silent UDP socket and the TCP forwarder');
}

async function closedUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, LOCAL, () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function assessWithEnv(
  sitePath: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; report: Report; text: string }> {
  const out = join(dir, `report-${Date.now()}.json`);
  const cli = await runCli(['assess', sitePath, '--format', 'json', '--out', out, '--quiet'], { env, timeoutMs: 90_000 });
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(out, 'utf8').catch(() => {
    throw new Error(`no report written (exit ${cli.code}):\n${cli.stderr}\n${cli.stdout}`);
  });
  return { ...cli, report: JSON.parse(text) as Report, text };
}

describe.skipIf(!available)('STUN/TURN against a real coturn', () => {
  let tmp: TempDir | undefined;
  let coturn: Coturn | undefined;
  let silent: { port: number; socket: UdpSocket } | undefined;
  let blocked: { port: number; close(): Promise<void> } | undefined;
  let closed = 0;
  let caFile = '';

  beforeAll(async () => {
    tmp = await tempDir('sr-turn-');
    const ca = createCertificateAuthority('siteready TURN lab CA');
    const leaf = issueCertificate(ca, { commonName: 'turn.test', dnsNames: ['turn.test'], ipAddresses: [LOCAL] });
    caFile = join(tmp.path, 'ca.pem');
    const cert = join(tmp.path, 'turn.crt');
    const key = join(tmp.path, 'turn.key');
    await writeFile(caFile, ca.certPem);
    await writeFile(cert, leaf.certPem);
    await writeFile(key, leaf.keyPem, { mode: 0o600 });
    coturn = await startCoturn(tmp.path, { cert, key });
    silent = await silentUdp();
    blocked = await udpBlockedPort(coturn.port);
    closed = await closedUdpPort();
  }, 60_000);

  afterAll(async () => {
    await coturn?.stop();
    silent?.socket.close();
    await blocked?.close();
    await tmp?.remove();
  });

  describe('client', () => {
    it('Binding over UDP and TCP: reflexive address 127.0.0.1, RESPONSE-ORIGIN, OTHER-ADDRESS on the second IP', async () => {
      for (const transport of ['udp', 'tcp'] as const) {
        const r = await stunBinding({ transport, address: LOCAL, port: coturn!.port }, { timeoutMs: 3000 });
        expect(r.mapped).toEqual({ family: 4, address: LOCAL, port: r.local!.port });
        expect(r.responseOrigin).toEqual({ family: 4, address: LOCAL, port: coturn!.port });
        expect(r.otherAddress).toEqual({ family: 4, address: ALT, port: coturn!.port + 1 });
        expect(r.software).toMatch(/coturn/i);
        expect(r.rttMs).toBeGreaterThanOrEqual(0);
      }
    });

    it('Binding over TLS with the lab CA trusted', async () => {
      const { readFile } = await import('node:fs/promises');
      const r = await stunBinding(
        { transport: 'tls', address: LOCAL, port: coturn!.tlsPort!, tls: { ca: await readFile(caFile, 'utf8') } },
        { timeoutMs: 3000 },
      );
      expect(r.mapped?.address).toBe(LOCAL);
    });

    it('TLS without the CA: tls-failure (untrusted issuer), not "no answer"', async () => {
      const err = await stunBinding({ transport: 'tls', address: LOCAL, port: coturn!.tlsPort! }, { timeoutMs: 3000 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ classification: 'tls-failure', tlsKind: 'untrusted-issuer' });
    });

    it('closed UDP port: refused (ICMP port unreachable); silent UDP port: filtered, no answer within the deadline', async () => {
      const refused = await stunBinding({ transport: 'udp', address: LOCAL, port: closed }, { timeoutMs: 2000 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StunClientError);
      expect(refused).toMatchObject({ classification: 'refused', code: 'ECONNREFUSED' });

      const dropped = await stunBinding({ transport: 'udp', address: LOCAL, port: silent!.port }, { timeoutMs: 1600, rtoMs: 200 }).catch(
        (e: unknown) => e,
      );
      expect(dropped).toBeInstanceOf(StunClientError);
      expect(dropped).toMatchObject({ classification: 'filtered', code: 'NO_ANSWER' });
      // Retransmitted (200, 400, 800 ms after the first send) before the deadline gave up.
      expect((dropped as Error).message).toMatch(/\d+ transmissions/);
      expect(Number(/(\d+) transmissions/.exec((dropped as Error).message)![1])).toBeGreaterThan(1);
    });

    it('an aborted transaction rejects with the abort reason and leaves no socket behind', async () => {
      const controller = new AbortController();
      const p = stunBinding(
        { transport: 'udp', address: LOCAL, port: silent!.port, signal: controller.signal },
        { timeoutMs: 10_000, signal: controller.signal },
      );
      setTimeout(() => controller.abort(new Error('stop now')), 50);
      await expect(p).rejects.toThrow('stop now');
    });

    it('garbage answers are not STUN: a UDP echo and an HTTP server are server-error NOT_STUN, never a hang or a throw', async () => {
      const echo = createSocket('udp4');
      await new Promise<void>((r) => echo.bind(0, LOCAL, () => r()));
      echo.on('message', (_m, rinfo) => echo.send(Buffer.from('HTTP/1.1 400 nope\r\n\r\n'), rinfo.port, rinfo.address));
      const http = createServer((s) => {
        s.on('error', () => undefined);
        s.on('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
      });
      await new Promise<void>((r) => http.listen(0, LOCAL, () => r()));
      try {
        const u = await stunBinding({ transport: 'udp', address: LOCAL, port: echo.address().port }, { timeoutMs: 800 }).catch(
          (e: unknown) => e,
        );
        expect(u).toMatchObject({ classification: 'server-error', code: 'NOT_STUN' });
        const port = (http.address() as { port: number }).port;
        const t = await stunBinding({ transport: 'tcp', address: LOCAL, port }, { timeoutMs: 2000 }).catch((e: unknown) => e);
        expect(t).toBeInstanceOf(StunClientError);
        expect(['server-error', 'timeout']).toContain((t as StunClientError).classification);
      } finally {
        echo.close();
        await new Promise<void>((r) => http.close(() => r()));
      }
    });

    it('RFC 5780 on a server with two addresses: no NAT on loopback, endpoint-independent mapping and filtering', async () => {
      const nat = await discoverNatBehaviour({ address: LOCAL, port: coturn!.port }, { timeoutMs: 1500 });
      expect(nat).toMatchObject({ supported: true, natted: false, mapping: 'endpoint-independent', filtering: 'endpoint-independent' });
      expect(nat.otherAddress).toEqual({ family: 4, address: ALT, port: coturn!.port + 1 });
    });

    it('port sweep with bounded concurrency: which UDP ports answer', async () => {
      const r = await sweepUdpPorts(LOCAL, [coturn!.port, coturn!.port + 1, closed, silent!.port], { concurrency: 2, timeoutMs: 1000 });
      expect(r.map((x) => [x.port, x.classification])).toEqual([
        [coturn!.port, 'ok'],
        [coturn!.port + 1, 'ok'],
        [closed, 'refused'],
        [silent!.port, 'filtered'],
      ]);
    });

    for (const transport of ['udp', 'tcp', 'tls'] as const) {
      it(`TURN over ${transport}: 401 → authenticated Allocate, CreatePermission, relayed round trip, deallocate`, async () => {
        const { readFile } = await import('node:fs/promises');
        const port = transport === 'tls' ? coturn!.tlsPort! : coturn!.port;
        const conn = await StunConnection.open({
          transport,
          address: LOCAL,
          port,
          ...(transport === 'tls' ? { tls: { ca: await readFile(caFile, 'utf8') } } : {}),
        });
        try {
          const turn = new TurnClient(conn, { username: 'alice', password: 'secret' });
          const a = await turn.allocate({ timeoutMs: 3000 });
          expect(a.realm).toBe('test.local');
          expect(a.relayed.address).toBe(LOCAL);
          expect(a.mapped?.address).toBe(LOCAL);
          expect(a.lifetime).toBeGreaterThan(0);
          const rt = await relayRoundTrip(turn, a.relayed, {
            timeoutMs: 4000,
            stunServer: { address: LOCAL, port: coturn!.port },
            fallbackIp: a.mapped!.address,
          });
          expect(rt.peer.address).toBe(LOCAL);
          expect(rt.peerAddressFrom).toBe('binding');
          expect(rt.rttMs).toBeGreaterThanOrEqual(0);
          expect(await turn.refresh(0, { timeoutMs: 3000 })).toBe(0);
        } finally {
          conn.close();
        }
      });
    }

    it('error responses are named: a second Allocate on the same 5-tuple is 437 Allocation Mismatch', async () => {
      const conn = await StunConnection.open({ transport: 'udp', address: LOCAL, port: coturn!.port });
      try {
        const turn = new TurnClient(conn, { username: 'alice', password: 'secret' });
        await turn.allocate({ timeoutMs: 3000 });
        const err = await turn.allocate({ timeoutMs: 3000 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StunClientError);
        expect(err).toMatchObject({ classification: 'server-error', code: 'STUN_ERROR', stun: { code: 437, name: 'Allocation Mismatch' } });
        expect((err as Error).message).toMatch(/^Allocate: 437 Allocation Mismatch/);
        await turn.refresh(0, { timeoutMs: 3000 });
      } finally {
        conn.close();
      }
    });

    it('wrong password: auth-refused (401 after credentials), the password in no message', async () => {
      for (const transport of ['udp', 'tcp'] as const) {
        const conn = await StunConnection.open({ transport, address: LOCAL, port: coturn!.port });
        try {
          const err = await new TurnClient(conn, { username: 'alice', password: 'not-the-password' })
            .allocate({ timeoutMs: 3000 })
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(StunClientError);
          expect(err).toMatchObject({ classification: 'auth-refused', code: 'AUTH_REFUSED', realm: 'test.local', stun: { code: 401 } });
          expect(String((err as Error).message)).not.toContain('not-the-password');
        } finally {
          conn.close();
        }
      }
    });

    it('a Binding on an unconnected socket may go to any address (what NAT discovery needs)', async () => {
      const conn = await StunConnection.open({ transport: 'udp', address: LOCAL, port: coturn!.port, connected: false });
      try {
        const a = await bindingRequest(conn, { timeoutMs: 2000, to: { address: ALT, port: coturn!.port + 1 } });
        expect(a.from).toEqual({ address: ALT, port: coturn!.port + 1 });
      } finally {
        conn.close();
      }
    });
  });

  describe('checks through the CLI', () => {
    let run: Awaited<ReturnType<typeof assessWithEnv>>;
    /** The report with its findings' English text. */
    let english: EnglishReport<Report>;
    /** The site file's content, for the re-judging with other thresholds. */
    let siteSpec: Record<string, unknown>;

    beforeAll(async () => {
      const P = coturn!.port;
      const T = coturn!.tlsPort!;
      const creds = { username: 'alice', password: `\${${PASSWORD_ENV}}` };
      siteSpec = {
        site: { name: 'stun and turn' },
        platform: {
          endpoints: [
            {
              name: 'stun-ok',
              host: LOCAL,
              port: P,
              protocol: 'stun',
              ports: [P, `${P + 1}-${P + 1}`, closed, silent!.port],
              checks: ['stun'],
            },
            { name: 'stun-closed', host: LOCAL, port: closed, protocol: 'stun', transports: ['udp'], checks: ['stun'] },
            { name: 'stun-silent', host: LOCAL, port: silent!.port, protocol: 'stun', transports: ['udp'], checks: ['stun'] },
            { name: 'udp-blocked', host: LOCAL, port: blocked!.port, protocol: 'turn', credentials: creds, checks: ['stun', 'turn'] },
            { name: 'turn-ok', url: `turn:${LOCAL}:${P}`, credentials: creds, checks: ['turn'] },
            {
              name: 'turn-wrong',
              url: `turn:${LOCAL}:${P}?transport=udp`,
              credentials: { username: 'alice', password: `\${${WRONG_ENV}}` },
              checks: ['turn'],
            },
            { name: 'turn-nocreds', url: `turn:${LOCAL}:${P}`, checks: ['turn'] },
            { name: 'turns-ok', url: `turns:${LOCAL}:${T}`, credentials: creds, tls: { ca: caFile }, checks: ['stun', 'turn'] },
            { name: 'turns-untrusted', url: `turns:${LOCAL}:${T}`, credentials: creds, checks: ['turn'] },
          ],
        },
        checks: CHECK_OPTIONS,
      };
      const site = await writeSite(tmp!.path, siteSpec);
      run = await assessWithEnv(site, tmp!.path, { [PASSWORD_ENV]: 'secret', [WRONG_ENV]: 'wrong-password' });
      english = await englishReport(run.report);
    }, 90_000);

    it('writes a report that matches the published schema, with no password in it', async () => {
      const validate = await reportValidator();
      expect(validate(run.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
      expect(run.text).not.toContain('wrong-password');
      expect(run.text).not.toMatch(/"secret"|:secret\b/);
      expect(run.stdout + run.stderr).not.toContain('wrong-password');
    });

    it('stun: UDP and TCP answer with the reflexive address, NAT behaviour from OTHER-ADDRESS, port sweep', () => {
      const r = result(run.report, 'stun', 'stun-ok');
      expect(r.facts.classification).toBe('ok');
      expect(r.facts.path).toBe('direct');
      expect(r.facts.transports).toEqual([
        expect.objectContaining({ transport: 'udp', classification: 'ok', reflexive: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }),
        expect.objectContaining({ transport: 'tcp', classification: 'ok', reflexive: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }),
      ]);
      expect(r.facts.nat).toMatchObject({
        supported: true,
        natted: false,
        mapping: 'endpoint-independent',
        filtering: 'endpoint-independent',
      });
      expect(r.facts.sweep).toMatchObject({
        total: 4,
        tested: 4,
        answered: [coturn!.port, coturn!.port + 1],
        refused: [closed],
        filtered: [silent!.port],
      });
      expect(r.findings.map((f) => f.id)).toEqual(['stun.ports-silent']);
      expect(r.status).toBe('warn');
      expect(r.measurements.find((m) => m.id === 'udpRttMs')?.value).toEqual(expect.any(Number));
    });

    it('stun: a closed UDP port is refused, a silent one filtered (fail, critical)', () => {
      const c = result(run.report, 'stun', 'stun-closed');
      expect(c).toMatchObject({ status: 'fail', score: 0 });
      expect(c.facts.classification).toBe('refused');
      expect(c.findings).toEqual([expect.objectContaining({ id: 'stun.refused', severity: 'critical' })]);
      const s = result(run.report, 'stun', 'stun-silent');
      expect(s.facts.classification).toBe('filtered');
      expect(s.findings).toEqual([expect.objectContaining({ id: 'stun.filtered', severity: 'critical' })]);
    });

    it('stun and turn: UDP blocked while TCP works is a warning (degraded), not a failure', () => {
      const s = result(english, 'stun', 'udp-blocked');
      expect(s.status).toBe('warn');
      expect(s.facts.transports).toEqual([
        expect.objectContaining({ transport: 'udp', classification: 'filtered' }),
        expect.objectContaining({ transport: 'tcp', classification: 'ok' }),
      ]);
      expect(s.findings).toEqual([expect.objectContaining({ id: 'stun.udp-blocked', severity: 'medium' })]);
      expect(s.findings[0]!.text).toMatch(/media falls back to TCP\/TLS relays/);

      const t = result(run.report, 'turn', 'udp-blocked');
      expect(t.status).toBe('warn');
      expect(t.facts.transports).toEqual([
        expect.objectContaining({ transport: 'udp', classification: 'filtered' }),
        expect.objectContaining({
          transport: 'tcp',
          classification: 'ok',
          stage: 'done',
          deallocated: true,
          relayRttMs: expect.any(Number),
        }),
      ]);
      expect(t.findings.map((f) => f.id)).toEqual(['turn.udp-blocked']);
    });

    it('turn: allocate, permission, relayed round trip and deallocation over UDP and TCP', () => {
      const r = result(run.report, 'turn', 'turn-ok');
      expect(r.status).toBe('pass');
      expect(r.facts.classification).toBe('ok');
      expect(r.facts.transports).toEqual([
        expect.objectContaining({
          transport: 'udp',
          classification: 'ok',
          stage: 'done',
          realm: 'test.local',
          relayed: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
          relayRttMs: expect.any(Number),
          deallocated: true,
        }),
        expect.objectContaining({
          transport: 'tcp',
          classification: 'ok',
          stage: 'done',
          relayRttMs: expect.any(Number),
          deallocated: true,
        }),
      ]);
      expect(r.measurements.find((m) => m.id === 'udpRelayRttMs')?.value).toEqual(expect.any(Number));
    });

    it('turn over TLS (turns:) with the CA given on the endpoint; without it, a TLS failure', () => {
      const ok = result(run.report, 'turn', 'turns-ok');
      expect(ok.status).toBe('pass');
      expect(ok.facts.transports).toEqual([
        expect.objectContaining({ transport: 'tls', classification: 'ok', stage: 'done', deallocated: true }),
      ]);
      expect(result(run.report, 'stun', 'turns-ok').facts.transports).toEqual([
        expect.objectContaining({ transport: 'tls', classification: 'ok' }),
      ]);
      const bad = result(run.report, 'turn', 'turns-untrusted');
      expect(bad.status).toBe('fail');
      expect(bad.facts.classification).toBe('tls-failure');
      expect(bad.findings).toEqual([
        expect.objectContaining({ id: 'turn.tls-failure', evidence: expect.objectContaining({ tlsKind: 'untrusted-issuer' }) }),
      ]);
    });

    it('turn: wrong password is auth-refused — reachable but credentials refused, not blocked', () => {
      const r = result(english, 'turn', 'turn-wrong');
      expect(r.status).toBe('fail');
      expect(r.facts.classification).toBe('auth-refused');
      expect(r.findings).toEqual([expect.objectContaining({ id: 'turn.auth-refused', severity: 'critical' })]);
      expect(r.findings[0]!.text).toMatch(/reachable but refused the credentials of user alice/);
      expect(r.findings[0]!.text).not.toMatch(/filtered|blocked/);
    });

    it('turn: no credentials → informative (nothing measured, no score), with a finding that says how to provide them', () => {
      const r = result(run.report, 'turn', 'turn-nocreds');
      expect(r.status).toBe('info');
      expect(r.score).toBeNull();
      expect(r.facts).toMatchObject({ reason: 'no-credentials', transports: [] });
      expect(r.findings).toEqual([expect.objectContaining({ id: 'turn.no-credentials' })]);
      expect(r.findings[0]!.evidence).toBeUndefined();
    });

    it('the saved facts judged again with stricter thresholds: the same measurements, slow now', async () => {
      const saved = join(tmp!.path, 'saved.json');
      await writeFile(saved, run.text);
      const stricter = await writeSite(
        tmp!.path,
        { ...siteSpec, thresholds: { 'stun.rttMs': 0.001, 'turn.relayRttMs': 0.001 } },
        'stricter.yaml',
      );
      const out = join(tmp!.path, 'rejudged.json');
      const cli = await runCli(['report', saved, '--rejudge', '--site', stricter, '--format', `json=${out}`, '--quiet'], {
        prefix: ['unshare', '-n'],
        env: { [PASSWORD_ENV]: 'secret', [WRONG_ENV]: 'wrong-password' },
        timeoutMs: 30_000,
      });
      const { readFile } = await import('node:fs/promises');
      const again = JSON.parse(await readFile(out, 'utf8').catch(() => Promise.reject(new Error(cli.stderr)))) as Report & {
        rejudged: { notRejudged: unknown[] };
      };
      expect(again.rejudged.notRejudged).toEqual([]);
      for (const [check, target, finding] of [
        ['stun', 'stun-ok', 'stun.slow'],
        ['turn', 'turn-ok', 'turn.slow'],
      ] as const) {
        const before = result(run.report, check, target);
        const after = result(again, check, target);
        expect(before.factsVersion).toBe(1);
        expect(after.facts).toEqual(before.facts);
        expect(after.findings.map((f) => f.id)).toContain(finding);
        expect(after.status).toBe('warn');
      }
      // Facts that say nothing was reachable keep their verdict: there is no timing to judge.
      expect(result(again, 'stun', 'stun-closed')).toMatchObject({
        status: 'fail',
        findings: [expect.objectContaining({ id: 'stun.refused' })],
      });
      expect(result(again, 'turn', 'turn-wrong').findings.map((f) => f.id)).toEqual(['turn.auth-refused']);
    });

    it('siteready run stun host:port and stun: URI', async () => {
      const out = await runCli(['run', 'stun', `${LOCAL}:${coturn!.port}`, '--json', '-q']);
      expect(out.code, out.stderr).toBe(0);
      const report = JSON.parse(out.stdout) as Report;
      const r = report.results.find((x) => x.check === 'stun')!;
      expect(r.status).toBe('pass');
      expect(r.facts.transports.map((t: { classification: string }) => t.classification)).toEqual(['ok', 'ok']);

      const uri = await runCli(['run', 'stun', `stun:${LOCAL}:${coturn!.port}`, '--json', '-q']);
      expect(uri.code, uri.stderr).toBe(0);
      const ur = (JSON.parse(uri.stdout) as Report).results.find((x) => x.check === 'stun')!;
      expect(ur.facts).toMatchObject({ classification: 'ok', port: coturn!.port });
    }, 60_000);

    it('siteready run turn turn:host:port?transport=udp with credentials from the environment', async () => {
      const env = { SITEREADY_TURN_USERNAME: 'alice', SITEREADY_TURN_PASSWORD: 'secret' };
      const out = await runCli(['run', 'turn', `turn:${LOCAL}:${coturn!.port}?transport=udp`, '--json', '-q'], { env });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).not.toMatch(/"secret"|:secret\b/);
      const report = JSON.parse(out.stdout) as Report;
      const r = report.results.find((x) => x.check === 'turn')!;
      expect(r.status).toBe('pass');
      expect(r.facts.transports).toEqual([expect.objectContaining({ transport: 'udp', classification: 'ok', stage: 'done' })]);

      const wrong = await runCli(['run', 'turn', `turn:${LOCAL}:${coturn!.port}?transport=tcp`, '--json', '-q'], {
        env: { ...env, SITEREADY_TURN_PASSWORD: 'wrong-password' },
      });
      expect(wrong.stdout).not.toContain('wrong-password');
      const wr = (JSON.parse(wrong.stdout) as Report).results.find((x) => x.check === 'turn')!;
      expect(wr.facts.classification).toBe('auth-refused');

      const none = await runCli(['run', 'turn', `${LOCAL}:${coturn!.port}`, '--json', '-q'], {
        env: { SITEREADY_TURN_USERNAME: '', SITEREADY_TURN_PASSWORD: '' },
      });
      const nr = (JSON.parse(none.stdout) as Report).results.find((x) => x.check === 'turn')!;
      expect(nr.findings.map((f) => f.id)).toEqual(['turn.no-credentials']);
    }, 60_000);
  });
});
