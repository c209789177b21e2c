// RFC 5780 NAT behaviour discovery against real Linux NATs. Each scenario builds its own lab (see
// nat-lab.ts): a client namespace behind a router namespace that NATs with iptables, and coturn in
// a server namespace with two addresses (so OTHER-ADDRESS and CHANGE-REQUEST work). `siteready run
// stun` runs inside the client namespace, as it would on a desktop at the site, and the report's
// facts.nat must name what the router really does.
//
// What Linux does, from how conntrack works:
// - A UDP flow is a conntrack entry keyed by its whole 5-tuple. MASQUERADE rewrites the source
//   address and keeps the source port whenever the rewritten tuple is still unique, which for one
//   client is always: every destination sees the same public address and port. Endpoint-
//   independent mapping.
// - A packet from outside is let in only when it is the reply direction of an entry, i.e. it
//   comes from exactly the address and port the client sent to. Anything else is addressed to
//   the router itself, where nothing listens. Address-and-port-dependent filtering. (Linux
//   MASQUERADE is a "port-restricted cone".)
// - MASQUERADE --random and --random-fully draw a new source port for every new entry, so every
//   destination address and port gets its own public port. RFC 5780 §4.3 test II (alternate IP,
//   same port) already sees a new port, which rules out endpoint-independent; test III
//   (alternate IP and port) sees yet another, which rules out address-dependent:
//   address-and-port-dependent mapping. Linux has no address-dependent mapping to offer.
// - Filtering can be loosened with DNAT: new UDP flows arriving at the router sent on to the client
//   with their port unchanged (which is the client's own port, since MASQUERADE kept it) make
//   endpoint-independent filtering, a "full cone"; sent on only from addresses the client has
//   sent to (the recent match remembers them) make address-dependent filtering.

import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import stunCheck from '../../checks/stun/index.js';
import { translator } from '../../src/i18n/index.js';
import { ROOT, requireTool, runCli } from '../helpers/cli.js';
import { createNatLab, type NatLab } from '../helpers/nat-lab.js';
import { netnsSupported, run } from '../helpers/netns.js';
import { hasTool, result, tempDir, type Report, type ReportResult, type TempDir } from '../helpers/peers.js';
import { englishReport, type EnglishResult } from '../helpers/report-text.js';

const available = requireTool(netnsSupported(), 'root with ip netns and iptables') && requireTool(hasTool('turnserver'), 'coturn');

// The server's namespace is private, so the standard ports are free; OTHER-ADDRESS is the
// alternate IP and the next port.
const STUN_PORT = 3478;
const ALT_PORT = STUN_PORT + 1;

type Kind = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

interface Scenario {
  name: string;
  /** iptables arguments for the router's namespace. */
  rules(lab: NatLab): string[][];
  mapping: Kind;
  filtering: Kind;
  /** The NAT keeps the client's port (plain MASQUERADE does, --random does not). */
  keepsPort: boolean;
}

const masquerade = (lab: NatLab, ...extra: string[]) => [
  '-t',
  'nat',
  '-A',
  'POSTROUTING',
  '-o',
  lab.routerOutsideIf,
  '-j',
  'MASQUERADE',
  ...extra,
];
const toClient = (lab: NatLab, ...match: string[]) => [
  '-t',
  'nat',
  '-A',
  'PREROUTING',
  '-i',
  lab.routerOutsideIf,
  '-p',
  'udp',
  ...match,
  '-j',
  'DNAT',
  '--to-destination',
  lab.clientIp,
];

const SCENARIOS: Scenario[] = [
  {
    name: 'plain MASQUERADE (port-restricted cone)',
    rules: (lab) => [masquerade(lab)],
    mapping: 'endpoint-independent',
    filtering: 'address-and-port-dependent',
    keepsPort: true,
  },
  {
    name: 'MASQUERADE --random (symmetric)',
    rules: (lab) => [masquerade(lab, '--random')],
    mapping: 'address-and-port-dependent',
    filtering: 'address-and-port-dependent',
    keepsPort: false,
  },
  {
    name: 'MASQUERADE --random-fully (symmetric)',
    rules: (lab) => [masquerade(lab, '--random-fully')],
    mapping: 'address-and-port-dependent',
    filtering: 'address-and-port-dependent',
    keepsPort: false,
  },
  {
    name: 'MASQUERADE with DNAT of every new UDP flow to the client (full cone)',
    rules: (lab) => [masquerade(lab), toClient(lab)],
    mapping: 'endpoint-independent',
    filtering: 'endpoint-independent',
    keepsPort: true,
  },
  {
    // The recent list is the router's, not one per mapping as RFC 4787 describes: once any socket
    // has sent to the alternate IP, answers from it get in everywhere. So the discovery must run
    // its filtering tests before its mapping tests send there (RFC 5780 §4.4: the tests are
    // "sensitive to prior state on the NAT"); run the other way round, this NAT passed for a full
    // cone.
    name: 'MASQUERADE with DNAT from addresses the client has sent to (address-restricted cone)',
    rules: (lab) => [
      masquerade(lab),
      [
        '-A',
        'FORWARD',
        '-i',
        lab.routerInsideIf,
        '-o',
        lab.routerOutsideIf,
        '-p',
        'udp',
        '-m',
        'recent',
        '--name',
        'contacted',
        '--rdest',
        '--set',
      ],
      toClient(lab, '-m', 'recent', '--name', 'contacted', '--rsource', '--rcheck'),
    ],
    mapping: 'endpoint-independent',
    filtering: 'address-dependent',
    keepsPort: true,
  },
];

/** Ready once coturn answers on both addresses and both ports (asked from inside its namespace). */
function coturnReady(lab: NatLab): () => Promise<boolean> {
  const client = pathToFileURL(join(ROOT, 'dist/src/net/stun-client.js')).href;
  const script = `
import { stunBinding } from ${JSON.stringify(client)};
const targets = process.argv.slice(1);
for (const t of targets) {
  const [address, port] = t.split(':');
  await stunBinding({ transport: 'udp', address, port: Number(port) }, { timeoutMs: 300 });
}
`;
  const targets = [lab.serverIp, lab.serverAltIp].flatMap((ip) => [`${ip}:${STUN_PORT}`, `${ip}:${ALT_PORT}`]);
  return async () =>
    (await run('ip', ['netns', 'exec', lab.server, process.execPath, '--input-type=module', '-e', script, ...targets])).code === 0;
}

async function startCoturn(lab: NatLab, dir: string): Promise<void> {
  await lab.startInServer(
    [
      'turnserver',
      '-n',
      '--listening-ip',
      lab.serverIp,
      '--listening-ip',
      lab.serverAltIp,
      '--relay-ip',
      lab.serverIp,
      '--listening-port',
      String(STUN_PORT),
      '--min-port',
      '49152',
      '--max-port',
      '49199',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      '--lt-cred-mech',
      '--realm',
      'test.local',
      '--user',
      'alice:secret',
      '--userdb',
      join(dir, 'turndb'),
      '--pidfile',
      join(dir, 'turnserver.pid'),
      '--log-file',
      'stdout',
      '--simple-log',
    ],
    { name: 'coturn', ready: coturnReady(lab), timeoutMs: 15_000 },
  );
}

describe.skipIf(!available)('RFC 5780 NAT behaviour discovery behind a real Linux NAT', () => {
  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      let lab: NatLab | undefined;
      let tmp: TempDir | undefined;
      let stun: EnglishResult<ReportResult>;

      beforeAll(async () => {
        tmp = await tempDir('sr-nat-');
        lab = await createNatLab();
        for (const rule of scenario.rules(lab)) await lab.routerIptables(rule);
        await startCoturn(lab, tmp.path);
        const out = await runCli(['run', 'stun', `${lab.serverIp}:${STUN_PORT}`, '--json', '-q'], {
          prefix: lab.inClient(),
          timeoutMs: 60_000,
        });
        expect(out.code, out.stderr).toBe(0);
        stun = result(await englishReport(JSON.parse(out.stdout) as Report), 'stun', `${lab.serverIp}-${STUN_PORT}`);
      }, 60_000);

      afterAll(async () => {
        try {
          await lab?.destroy();
        } finally {
          await tmp?.remove();
        }
      });

      it("the server answers through the NAT: its reflexive address is the NAT's outside address", () => {
        expect(stun.facts.classification).toBe('ok');
        const udp = (stun.facts.transports as Array<{ transport: string; reflexive?: string }>).find((t) => t.transport === 'udp');
        expect(udp?.reflexive).toMatch(new RegExp(`^${lab!.routerOutsideIp.replace(/\./g, '\\.')}:\\d+$`));
      });

      it(`natted, mapping ${scenario.mapping}, filtering ${scenario.filtering}`, () => {
        const nat = stun.facts.nat as Record<string, unknown>;
        expect(nat, JSON.stringify(nat)).toMatchObject({
          supported: true,
          natted: true,
          otherAddress: `${lab!.serverAltIp}:${ALT_PORT}`,
          mapping: scenario.mapping,
          filtering: scenario.filtering,
        });
        const localPort = /^[\d.]+:(\d+)$/.exec(nat.local as string)?.[1];
        expect(nat.local).toBe(`${lab!.clientIp}:${localPort}`);
        // Only the NAT's outside address can show: the server has no route to the client's.
        if (scenario.keepsPort) expect(nat.reflexive).toBe(`${lab!.routerOutsideIp}:${localPort}`);
        else expect(nat.reflexive).toMatch(new RegExp(`^${lab!.routerOutsideIp.replace(/\./g, '\\.')}:\\d+$`));
      });

      if (scenario.mapping === 'endpoint-independent') {
        it('no "symmetric NAT" finding: peer-to-peer media can use the reflexive address', () => {
          expect(stun.findings.map((f) => f.id)).not.toContain('stun.nat-symmetric');
          expect(stun.status).toBe('pass');
        });
      } else {
        it('a "symmetric NAT" finding (info, score unchanged) that says calls will be relayed through TURN, in English and Chinese', () => {
          const finding = stun.findings.find((f) => f.id === 'stun.nat-symmetric');
          expect(finding).toMatchObject({ severity: 'info', evidence: { mapping: scenario.mapping, filtering: scenario.filtering } });
          expect(stun.score).toBe(1);
          expect(finding!.text).toContain('every destination address and port its own public port (address-and-port-dependent mapping)');
          expect(finding!.text).toMatch(
            /peer-to-peer media fails with most peers outside the site, and those calls are relayed through TURN/,
          );
          expect(finding!.fix).toMatch(/endpoint-independent mapping.*--random/);
          const zh = translator('zh-CN').check(stunCheck.messages, finding!.message);
          expect(zh).toContain('对称型');
          expect(zh).toContain('与地址和端口相关的映射');
          expect(zh).toContain('TURN 中继');
          expect(zh).not.toContain('@stun');
        });
      }
    });
  }
});
