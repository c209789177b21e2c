/**
 * A tiny authoritative DNS server over UDP for the loopback test lab.
 *
 * It answers A and AAAA from a fixed table and can be told to fail
 * (SERVFAIL) or stay silent (resolver timeout) for chosen names, which is
 * what lab scenarios need to exercise a client's DNS error handling.
 * Anything it cannot parse is dropped: the server must outlive any datagram.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

export interface DnsRecords {
  /** Lower-case name without trailing dot; lookups are case-insensitive. */
  [name: string]: { A?: string[]; AAAA?: string[] };
}

export interface DnsServerOptions {
  records: DnsRecords;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port; read it back from RunningDnsServer.port). */
  port?: number;
  /** Names answered with SERVFAIL, whatever the query type. */
  servfail?: string[];
  /** Names never answered, so resolvers time out. */
  silent?: string[];
}

export interface RunningDnsServer {
  host: string;
  port: number;
  /** Well-formed queries received so far, including ones deliberately left unanswered. */
  queries: number;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;

const RCODE_NOERROR = 0;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const RCODE_REFUSED = 5;

const FLAG_QR = 0x8000;
const MASK_OPCODE = 0x7800;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;

const TTL_SECONDS = 60;
/** RFC 1035 §4.2.1 limit for UDP; we never negotiate more even if EDNS0 offers it. */
const MAX_UDP_PAYLOAD = 512;
const HEADER_LENGTH = 12;
/** Answers name their owner by pointing at the question name, which always starts right after the header. */
const POINTER_TO_QUESTION_NAME = 0xc000 | HEADER_LENGTH;

interface Query {
  id: number;
  flags: number;
  /** Lower-cased dotted name, or undefined when a label contains a dot and so cannot match any table key. */
  name: string | undefined;
  qtype: number;
  qclass: number;
  /** The question exactly as sent (QNAME, QTYPE, QCLASS), echoed so case and bytes match what the resolver expects. */
  question: Buffer;
}

interface Rrsets {
  A: Buffer[];
  AAAA: Buffer[];
}

function normalizeName(name: string): string {
  // DNS case-insensitivity is ASCII-only (RFC 4343), so avoid locale-aware lowercasing.
  return name.replace(/\.$/, '').replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function ipv6Bytes(address: string): Buffer {
  let text = address;
  // A trailing dotted quad (::ffff:192.0.2.1) is the last 32 bits; rewrite it as two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest === undefined ? undefined : rest ? rest.split(':') : [];
  const groups =
    restGroups === undefined
      ? headGroups
      : [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

function compileRecords(records: DnsRecords): Map<string, Rrsets> {
  const table = new Map<string, Rrsets>();
  for (const [rawName, rr] of Object.entries(records)) {
    const name = normalizeName(rawName);
    const entry = table.get(name) ?? { A: [], AAAA: [] };
    for (const address of rr.A ?? []) {
      if (!isIPv4(address)) throw new Error(`DNS record ${rawName} A: not an IPv4 address: ${address}`);
      entry.A.push(Buffer.from(address.split('.').map(Number)));
    }
    for (const address of rr.AAAA ?? []) {
      if (!isIPv6(address) || address.includes('%')) {
        throw new Error(`DNS record ${rawName} AAAA: not an IPv6 address: ${address}`);
      }
      entry.AAAA.push(ipv6Bytes(address));
    }
    table.set(name, entry);
  }
  return table;
}

/** Returns undefined for anything that is not a well-formed query with at least one question. */
function parseQuery(packet: Buffer): Query | undefined {
  if (packet.length < HEADER_LENGTH) return undefined;
  const id = packet.readUInt16BE(0);
  const flags = packet.readUInt16BE(2);
  // Never answer a response: two servers pointed at each other would loop forever.
  if ((flags & FLAG_QR) !== 0) return undefined;
  if (packet.readUInt16BE(4) === 0) return undefined;

  const labels: string[] = [];
  let dotInLabel = false;
  let offset = HEADER_LENGTH;
  let wireLength = 1; // the terminating root label
  for (;;) {
    const length = packet[offset];
    if (length === undefined) return undefined;
    offset += 1;
    if (length === 0) break;
    // Also rejects compression pointers (0xC0..), which a lone question has no reason to use.
    if (length > 63) return undefined;
    wireLength += length + 1;
    if (wireLength > 255 || offset + length > packet.length) return undefined;
    const label = packet.toString('latin1', offset, offset + length);
    if (label.includes('.')) dotInLabel = true;
    labels.push(label);
    offset += length;
  }
  if (offset + 4 > packet.length) return undefined;
  return {
    id,
    flags,
    name: dotInLabel ? undefined : normalizeName(labels.join('.')),
    qtype: packet.readUInt16BE(offset),
    qclass: packet.readUInt16BE(offset + 2),
    question: packet.subarray(HEADER_LENGTH, offset + 4),
  };
}

function buildResponse(query: Query, rcode: number, answerType = 0, rdatas: Buffer[] = []): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  // Opcode and RD are echoed per RFC 1035; RA stays 0 because we never recurse.
  let flags = FLAG_QR | (query.flags & (MASK_OPCODE | FLAG_RD)) | rcode;
  if (rcode === RCODE_NOERROR || rcode === RCODE_NXDOMAIN) flags |= FLAG_AA;

  const parts: Buffer[] = [header, query.question];
  let size = HEADER_LENGTH + query.question.length;
  let answers = 0;
  for (const rdata of rdatas) {
    const rr = Buffer.alloc(12 + rdata.length);
    rr.writeUInt16BE(POINTER_TO_QUESTION_NAME, 0);
    rr.writeUInt16BE(answerType, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(TTL_SECONDS, 6);
    rr.writeUInt16BE(rdata.length, 10);
    rdata.copy(rr, 12);
    if (size + rr.length > MAX_UDP_PAYLOAD) {
      // Send what fits and say so; a resolver that wants the rest must retry over TCP (which we do not serve).
      flags |= FLAG_TC;
      break;
    }
    parts.push(rr);
    size += rr.length;
    answers += 1;
  }

  header.writeUInt16BE(query.id, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4); // only the first question is ever answered
  header.writeUInt16BE(answers, 6);
  // NSCOUNT and ARCOUNT stay 0: no authority section, and no EDNS0 OPT since we cap at 512 anyway.
  return Buffer.concat(parts, size);
}

/** undefined means "stay silent". */
function respond(query: Query, table: Map<string, Rrsets>, servfail: Set<string>, silent: Set<string>): Buffer | undefined {
  if ((query.flags & MASK_OPCODE) !== 0) return buildResponse(query, RCODE_NOTIMP);
  const name = query.name;
  if (name !== undefined && silent.has(name)) return undefined;
  if (name !== undefined && servfail.has(name)) return buildResponse(query, RCODE_SERVFAIL);
  // Only the Internet class exists here; CHAOS and friends are someone else's zone.
  if (query.qclass !== CLASS_IN) return buildResponse(query, RCODE_REFUSED);
  const rrsets = name === undefined ? undefined : table.get(name);
  // Name existence does not depend on the type asked, so unknown names are NXDOMAIN for every qtype.
  if (!rrsets) return buildResponse(query, RCODE_NXDOMAIN);
  if (query.qtype === TYPE_A) return buildResponse(query, RCODE_NOERROR, TYPE_A, rrsets.A);
  if (query.qtype === TYPE_AAAA) return buildResponse(query, RCODE_NOERROR, TYPE_AAAA, rrsets.AAAA);
  // Known name, type we hold no data for: NODATA.
  return buildResponse(query, RCODE_NOERROR);
}

export async function startDnsServer(opts: DnsServerOptions): Promise<RunningDnsServer> {
  const table = compileRecords(opts.records);
  const servfail = new Set((opts.servfail ?? []).map(normalizeName));
  const silent = new Set((opts.silent ?? []).map(normalizeName));
  const host = opts.host ?? '127.0.0.1';

  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
  // From birth: an unhandled 'error' would crash the process, and nothing here is worth that.
  socket.on('error', () => {});
  let queries = 0;

  socket.on('message', (packet: Buffer, peer: RemoteInfo) => {
    try {
      const query = parseQuery(packet);
      if (!query) return;
      queries += 1;
      const reply = respond(query, table, servfail, silent);
      // Send failures (peer gone, ICMP unreachable) are the client's problem, not ours.
      if (reply) socket.send(reply, peer.port, peer.address, () => {});
    } catch {
      // Deliberately swallowed: no single datagram may take the lab's DNS down.
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(opts.port ?? 0, host, () => {
      socket.off('error', onError);
      resolve();
    });
  });

  const address = socket.address();
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    get queries() {
      return queries;
    },
    close() {
      closing ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closing;
    },
  };
}
