// IPv4 and IPv6 addresses and CIDR blocks as bigints, for "is this resolved address inside the
// site's declared ranges". Written here rather than pulled in: it is small and must be exact
// (IPv4-mapped IPv6, embedded dotted quads, :: compression, prefix lengths 0 and full).

export interface Cidr {
  family: 4 | 6;
  /** Network address with host bits cleared. */
  network: bigint;
  prefix: number;
  text: string;
}

export interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

export function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    // Leading zeros are refused: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

export function parseIPv6(input: string): bigint | undefined {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone); // fe80::1%eth0: the zone does not change the address
  if (text.length === 0 || text.length > 45) return undefined;
  // An embedded IPv4 tail (::ffff:192.0.2.1) counts as two groups.
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    const head = text.slice(0, lastColon + 1);
    // "::1.2.3.4" keeps its "::"; "64:ff9b::1:1.2.3.4" loses the colon before the quad.
    text = head.endsWith('::') ? head : head.slice(0, -1);
    if (text === '') return undefined;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const explicit = head.length + rest.length + tail.length;
  let all: number[];
  if (halves.length === 2) {
    if (explicit > 7) return undefined; // "::" stands for at least one zero group
    all = [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...tail];
  } else {
    if (explicit !== 8) return undefined;
    all = [...head, ...tail];
  }
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

export function parseAddress(text: string): ParsedAddress | undefined {
  const t = text.trim();
  if (t.includes(':')) {
    const v = parseIPv6(t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIPv4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const addr = parseAddress(addrText);
  if (!addr) return undefined;
  const bits = addr.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > bits) return undefined;
  }
  const hostBits = BigInt(bits - prefix);
  const network = (addr.value >> hostBits) << hostBits;
  return { family: addr.family, network, prefix, text };
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Whether an address is inside a block. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 blocks. */
export function cidrContains(block: Cidr, address: ParsedAddress): boolean {
  let addr = address;
  if (addr.family === 6 && block.family === 4 && addr.value >> 32n === V4_MAPPED_PREFIX >> 32n) {
    addr = { family: 4, value: addr.value & 0xffffffffn };
  }
  if (addr.family !== block.family) return false;
  const bits = block.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - block.prefix);
  return (addr.value >> hostBits) << hostBits === block.network;
}

export function inAnyCidr(blocks: Cidr[], address: ParsedAddress): Cidr | undefined {
  return blocks.find((b) => cidrContains(b, address));
}

// Canonical text of a block, so the same block written two ways ("2603:1063:0::/38",
// "2603:1063::/38") compares equal.
export interface NormalCidr {
  /** Host bits zero; IPv4 dotted quad, IPv6 in RFC 5952 form; always with a prefix length. */
  cidr: string;
  family: 4 | 6;
  /** The text had bits set past the prefix ("10.0.0.1/8"): the block it names was kept. */
  hostBitsSet: boolean;
}

/** The canonical block a text names, or undefined when it names none (a bare address is a /32 or /128). */
export function normalizeCidr(text: string): NormalCidr | undefined {
  // Zones and brackets are address syntax, not block syntax; whitespace inside is a typo.
  if (text.length === 0 || text.length > 64 || /[\s%[\]]/.test(text)) return undefined;
  const block = parseCidr(text);
  if (!block) return undefined;
  const addr = parseAddress(text.split('/')[0]!);
  const network = block.family === 4 ? formatIPv4(block.network) : formatIPv6(block.network);
  return { cidr: `${network}/${block.prefix}`, family: block.family, hostBitsSet: addr !== undefined && addr.value !== block.network };
}

export function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** RFC 5952 §4: lower case, no leading zeros, the longest run (first on a tie) of two or more zero groups as "::". */
export function formatIPv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
