// The few LDAPv3 messages a readiness check needs (RFC 4511): simple Bind, the StartTLS
// ExtendedRequest (RFC 4513 §3), Unbind, and their responses, over a minimal BER codec (X.690).
// LDAP forbids indefinite lengths and uses only low tag numbers, so the decoder accepts exactly
// that, checks every length against the bytes it has, and bounds nesting: a hostile server's
// bytes give a typed error, never an exception from a buffer read or an endless loop.

export const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
/** RFC 4532 "Who am I?": harmless, unauthenticated, answered by OpenLDAP and Active Directory alike. */
export const WHOAMI_OID = '1.3.6.1.4.1.4203.1.11.3';
/** RFC 4511 §4.4.1: the unsolicited "I am closing this connection" message. */
export const NOTICE_OF_DISCONNECTION_OID = '1.3.6.1.4.1.1466.20036';
/** Largest LDAP message accepted from a server: a bind, StartTLS or Who am I answer is a few hundred bytes (AD's longest diagnostics included). */
export const MAX_MESSAGE_BYTES = 16 * 1024;
const MAX_DEPTH = 8;

/** The bytes are not valid BER/LDAP: truncated, a bad length, an unexpected tag, too deep or too big. */
export class BerError extends Error {
  constructor(
    readonly kind: 'truncated' | 'bad-length' | 'unexpected-tag' | 'too-deep' | 'too-large' | 'high-tag',
    message: string,
  ) {
    super(message);
    this.name = 'BerError';
  }
}

// ---- BER encoding --------------------------------------------------------------------------

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export function berInteger(tag: number, value: number): Buffer {
  // Two's complement, shortest form; message ids and versions are small non-negative numbers.
  const out: number[] = [];
  let v = value;
  do {
    out.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if ((out[0]! & 0x80) !== 0) out.unshift(0);
  return tlv(tag, Buffer.from(out));
}

const TAG = {
  integer: 0x02,
  octetString: 0x04,
  enumerated: 0x0a,
  sequence: 0x30,
  bindRequest: 0x60,
  bindResponse: 0x61,
  unbindRequest: 0x42,
  extendedRequest: 0x77,
  extendedResponse: 0x78,
  simpleAuth: 0x80,
  extRequestName: 0x80,
  extResponseName: 0x8a,
  referral: 0xa3,
} as const;

export function bindRequest(messageId: number, dn: string, password: string): Buffer {
  const op = tlv(
    TAG.bindRequest,
    berInteger(TAG.integer, 3),
    tlv(TAG.octetString, Buffer.from(dn, 'utf8')),
    tlv(TAG.simpleAuth, Buffer.from(password, 'utf8')),
  );
  return tlv(TAG.sequence, berInteger(TAG.integer, messageId), op);
}

export function extendedRequest(messageId: number, oid: string): Buffer {
  return tlv(
    TAG.sequence,
    berInteger(TAG.integer, messageId),
    tlv(TAG.extendedRequest, tlv(TAG.extRequestName, Buffer.from(oid, 'ascii'))),
  );
}

export function startTlsRequest(messageId: number): Buffer {
  return extendedRequest(messageId, STARTTLS_OID);
}

export function whoAmIRequest(messageId: number): Buffer {
  return extendedRequest(messageId, WHOAMI_OID);
}

export function unbindRequest(messageId: number): Buffer {
  return tlv(TAG.sequence, berInteger(TAG.integer, messageId), Buffer.from([TAG.unbindRequest, 0]));
}

// ---- BER decoding --------------------------------------------------------------------------

export interface Tlv {
  tag: number;
  /** The content octets (a view into the input). */
  value: Buffer;
  /** Offset just past this element. */
  end: number;
}

/** One element at `offset`; throws BerError if the bytes do not hold a whole, definite-length element. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset >= buf.length) throw new BerError('truncated', 'no tag byte');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f)
    throw new BerError('high-tag', `tag 0x${tag.toString(16)} uses the high-tag-number form, which LDAP never does`);
  if (offset + 1 >= buf.length) throw new BerError('truncated', 'no length byte');
  const first = buf[offset + 1]!;
  let length: number;
  let header = 2;
  if (first < 0x80) length = first;
  else if (first === 0x80) throw new BerError('bad-length', 'indefinite length (forbidden in LDAP)');
  else {
    const n = first & 0x7f;
    if (n > 4) throw new BerError('bad-length', `a ${n}-byte length field`);
    if (offset + 2 + n > buf.length) throw new BerError('truncated', 'length field cut short');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[offset + 2 + i]!;
    header += n;
  }
  const start = offset + header;
  if (start + length > buf.length) throw new BerError('truncated', `element needs ${length} bytes, ${buf.length - start} present`);
  return { tag, value: buf.subarray(start, start + length), end: start + length };
}

/** The elements inside a constructed value. */
export function children(value: Buffer, depth: number): Tlv[] {
  if (depth > MAX_DEPTH) throw new BerError('too-deep', `nested more than ${MAX_DEPTH} levels`);
  const out: Tlv[] = [];
  for (let off = 0; off < value.length;) {
    const t = readTlv(value, off);
    out.push(t);
    off = t.end;
    if (out.length > 1024) throw new BerError('too-large', 'more than 1024 elements in one value');
  }
  return out;
}

function decodeInteger(t: Tlv, what: string): number {
  if (t.value.length === 0 || t.value.length > 4) throw new BerError('bad-length', `${what}: ${t.value.length}-byte integer`);
  let v = (t.value[0]! & 0x80) !== 0 ? -1 : 0;
  for (const b of t.value) v = v * 256 + b;
  return v;
}

function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw new BerError('truncated', `${what} missing`);
  if (t.tag !== tag) throw new BerError('unexpected-tag', `${what}: tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return t;
}

/**
 * How many bytes the first complete message in `buf` takes, 0 if more bytes are needed.
 * Throws BerError when the bytes cannot be the start of an LDAP message, or announce one too large.
 */
export function messageLength(buf: Buffer): number {
  if (buf.length === 0) return 0;
  if (buf[0] !== TAG.sequence)
    throw new BerError('unexpected-tag', `the answer starts with 0x${buf[0]!.toString(16)}, not an LDAP message (0x30)`);
  if (buf.length < 2) return 0;
  const first = buf[1]!;
  if (first === 0x80) throw new BerError('bad-length', 'indefinite length (forbidden in LDAP)');
  const n = first < 0x80 ? 0 : first & 0x7f;
  if (n > 4) throw new BerError('bad-length', `a ${n}-byte length field`);
  if (buf.length < 2 + n) return 0;
  let length = first < 0x80 ? first : 0;
  for (let i = 0; i < n; i++) length = length * 256 + buf[2 + i]!;
  const total = 2 + n + length;
  if (total > MAX_MESSAGE_BYTES) throw new BerError('too-large', `a ${total}-byte message (limit ${MAX_MESSAGE_BYTES})`);
  return buf.length >= total ? total : 0;
}

export interface LdapResult {
  messageId: number;
  /** 'bind' | 'extended' | another op tag in hex for responses this client did not ask for. */
  op: 'bind' | 'extended' | string;
  resultCode: number;
  matchedDn: string;
  diagnosticMessage: string;
  responseName?: string;
}

/** Decodes one LDAPMessage carrying an LDAPResult (BindResponse or ExtendedResponse). */
export function decodeResponse(message: Buffer): LdapResult {
  const outer = readTlv(message, 0);
  if (outer.tag !== TAG.sequence) throw new BerError('unexpected-tag', 'not an LDAPMessage');
  const [id, op] = children(outer.value, 1);
  const messageId = decodeInteger(expectTag(id, TAG.integer, 'messageID'), 'messageID');
  if (!op) throw new BerError('truncated', 'protocolOp missing');
  const kind = op.tag === TAG.bindResponse ? 'bind' : op.tag === TAG.extendedResponse ? 'extended' : `0x${op.tag.toString(16)}`;
  if (kind !== 'bind' && kind !== 'extended') {
    return { messageId, op: kind, resultCode: -1, matchedDn: '', diagnosticMessage: '' };
  }
  const parts = children(op.value, 2);
  const resultCode = decodeInteger(expectTag(parts[0], TAG.enumerated, 'resultCode'), 'resultCode');
  const matchedDn = expectTag(parts[1], TAG.octetString, 'matchedDN').value.toString('utf8');
  const diagnosticMessage = expectTag(parts[2], TAG.octetString, 'diagnosticMessage').value.toString('utf8').slice(0, 500);
  const name = parts.slice(3).find((p) => p.tag === TAG.extResponseName);
  return {
    messageId,
    op: kind,
    resultCode,
    matchedDn,
    diagnosticMessage,
    ...(name ? { responseName: name.value.toString('latin1').slice(0, 100) } : {}),
  };
}

/** RFC 4511 Appendix A result codes a bind or StartTLS can answer with. */
export const RESULT_NAMES: Record<number, string> = {
  0: 'success',
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  13: 'confidentialityRequired',
  32: 'noSuchObject',
  34: 'invalidDNSyntax',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

export function resultName(code: number): string {
  return RESULT_NAMES[code] ?? `resultCode ${code}`;
}
