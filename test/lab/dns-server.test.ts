import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServerOptions, type RunningDnsServer } from '../../src/lab/dns-server.js';

const manyAddresses = Array.from({ length: 40 }, (_, i) => `10.0.0.${i + 1}`);

const options: DnsServerOptions = {
  records: {
    'app.lab.test': { A: ['127.0.0.1', '127.0.0.2'], AAAA: ['::1', '2001:db8::1', '::ffff:192.0.2.1'] },
    'v4only.lab.test': { A: ['127.0.0.3'] },
    'big.lab.test': { A: manyAddresses },
  },
  servfail: ['broken.lab.test'],
  silent: ['blackhole.lab.test'],
};

async function withServer(fn: (server: RunningDnsServer, resolver: Resolver) => Promise<void>): Promise<void> {
  const server = await startDnsServer(options);
  try {
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`127.0.0.1:${server.port}`]);
    await fn(server, resolver);
  } finally {
    await server.close();
  }
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

function encodeQuery(id: number, name: string, qtype: number, flags = 0x0100): Buffer {
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([header, ...labels, tail]);
}

/** Sends raw datagrams and collects whatever comes back within `waitMs`. */
async function exchange(port: number, packets: Buffer[], waitMs = 200): Promise<Buffer[]> {
  const client = createSocket('udp4');
  const replies: Buffer[] = [];
  client.on('message', (msg) => replies.push(msg));
  try {
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
    for (const packet of packets) {
      await new Promise<void>((resolve, reject) => client.send(packet, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return replies;
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

describe('startDnsServer', () => {
  it('binds to 127.0.0.1 on an ephemeral port by default', async () => {
    await withServer(async (server) => {
      expect(server.host).toBe('127.0.0.1');
      expect(server.port).toBeGreaterThan(0);
    });
  });

  it('answers A and AAAA for a known name, case-insensitively', async () => {
    await withServer(async (server, resolver) => {
      expect(await resolver.resolve4('app.lab.test')).toEqual(['127.0.0.1', '127.0.0.2']);
      expect(await resolver.resolve6('app.lab.test')).toEqual(['::1', '2001:db8::1', '::ffff:192.0.2.1']);
      expect(await resolver.resolve4('APP.Lab.TEST')).toEqual(['127.0.0.1', '127.0.0.2']);
      expect(await resolver.resolve4('app.lab.test', { ttl: true })).toEqual([
        { address: '127.0.0.1', ttl: 60 },
        { address: '127.0.0.2', ttl: 60 },
      ]);
      expect(server.queries).toBe(4);
    });
  });

  it('maps unknown names, missing types, SERVFAIL and silence to the resolver errors', async () => {
    await withServer(async (_server, resolver) => {
      expect(await errorCode(resolver.resolve4('nope.lab.test'))).toBe('ENOTFOUND');
      expect(await errorCode(resolver.resolve6('v4only.lab.test'))).toBe('ENODATA');
      expect(await errorCode(resolver.resolveMx('app.lab.test'))).toBe('ENODATA');
      expect(await errorCode(resolver.resolve4('broken.lab.test'))).toBe('ESERVFAIL');
      expect(await errorCode(resolver.resolve4('blackhole.lab.test'))).toBe('ETIMEOUT');
    });
  });

  it('survives garbage datagrams and keeps answering', async () => {
    await withServer(async (server, resolver) => {
      const valid = encodeQuery(0x1234, 'app.lab.test', 1);
      const pointerInQuestion = Buffer.concat([valid.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
      const asResponse = encodeQuery(0x1234, 'app.lab.test', 1, 0x8000);
      const replies = await exchange(server.port, [
        Buffer.from([1, 2, 3]),
        Buffer.alloc(0),
        valid.subarray(0, 12), // header only, promises a question that is not there
        valid.subarray(0, valid.length - 2), // question cut short inside QCLASS
        Buffer.concat([valid.subarray(0, 12), Buffer.from([63]), Buffer.alloc(10)]), // label longer than packet
        pointerInQuestion,
        asResponse,
        Buffer.alloc(600, 0xff),
      ]);
      expect(replies).toEqual([]);
      expect(server.queries).toBe(0);
      expect(await resolver.resolve4('app.lab.test')).toEqual(['127.0.0.1', '127.0.0.2']);
    });
  });

  it('builds well-formed authoritative replies', async () => {
    await withServer(async (server) => {
      const query = encodeQuery(0xbeef, 'App.Lab.Test', 1);
      const [reply] = await exchange(server.port, [query]);
      expect(reply).toBeDefined();
      const msg = reply!;
      expect(msg.readUInt16BE(0)).toBe(0xbeef);
      const flags = msg.readUInt16BE(2);
      expect(flags & 0x8000).toBe(0x8000); // QR
      expect(flags & 0x0400).toBe(0x0400); // AA
      expect(flags & 0x0100).toBe(0x0100); // RD copied
      expect(flags & 0x0080).toBe(0); // RA
      expect(flags & 0x000f).toBe(0); // NOERROR
      expect([msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)]).toEqual([1, 2, 0, 0]);
      // The question is echoed byte for byte, original case included.
      const questionEnd = query.length;
      expect(msg.subarray(12, questionEnd)).toEqual(query.subarray(12));
      // First answer: pointer to the question name, type A, class IN, TTL 60, 4-byte rdata.
      expect(msg.readUInt16BE(questionEnd)).toBe(0xc00c);
      expect(msg.readUInt16BE(questionEnd + 2)).toBe(1);
      expect(msg.readUInt16BE(questionEnd + 4)).toBe(1);
      expect(msg.readUInt32BE(questionEnd + 6)).toBe(60);
      expect(msg.readUInt16BE(questionEnd + 10)).toBe(4);
      expect([...msg.subarray(questionEnd + 12, questionEnd + 16)]).toEqual([127, 0, 0, 1]);

      const [noRd] = await exchange(server.port, [encodeQuery(1, 'app.lab.test', 1, 0)]);
      expect(noRd!.readUInt16BE(2) & 0x0100).toBe(0);

      const [nx] = await exchange(server.port, [encodeQuery(2, 'nope.lab.test', 1)]);
      expect(nx!.readUInt16BE(2) & 0x000f).toBe(3);
      expect(nx!.readUInt16BE(6)).toBe(0);
    });
  });

  it('never sends more than 512 bytes, setting TC when answers were dropped', async () => {
    await withServer(async (server, resolver) => {
      const [reply] = await exchange(server.port, [encodeQuery(7, 'big.lab.test', 1)]);
      expect(reply).toBeDefined();
      const msg = reply!;
      expect(msg.length).toBeLessThanOrEqual(512);
      expect(msg.readUInt16BE(2) & 0x0200).toBe(0x0200);
      const answers = msg.readUInt16BE(6);
      expect(answers).toBeGreaterThan(0);
      expect(answers).toBeLessThan(manyAddresses.length);
      expect(msg.length).toBe(12 + (14 + 4) + answers * 16);
      // Still usable afterwards.
      expect(await resolver.resolve4('v4only.lab.test')).toEqual(['127.0.0.3']);
    });
  });

  it('rejects invalid record data up front', async () => {
    await expect(startDnsServer({ records: { 'x.lab.test': { A: ['::1'] } } })).rejects.toThrow(/IPv4/);
    await expect(startDnsServer({ records: { 'x.lab.test': { AAAA: ['1.2.3.4'] } } })).rejects.toThrow(/IPv6/);
  });

  it('close() is idempotent', async () => {
    const server = await startDnsServer({ records: {} });
    await server.close();
    await server.close();
  });
});
