import { describe, expect, it } from 'vitest';
import { cidrContains, parseAddress, parseCidr, parseIPv4, parseIPv6 } from '../../src/util/cidr.js';

const inside = (block: string, addr: string) => cidrContains(parseCidr(block)!, parseAddress(addr)!);

describe('IPv4', () => {
  it('parses dotted quads and refuses the rest', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0n);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffffn);
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '', 'a.b.c.d', '1..2.3'])
      expect(parseIPv4(bad), bad).toBeUndefined();
  });
  it('containment at the edges of a block', () => {
    expect(inside('10.0.0.0/8', '10.0.0.0')).toBe(true);
    expect(inside('10.0.0.0/8', '10.255.255.255')).toBe(true);
    expect(inside('10.0.0.0/8', '11.0.0.0')).toBe(false);
    expect(inside('10.0.0.0/8', '9.255.255.255')).toBe(false);
    expect(inside('192.168.1.0/24', '192.168.1.77')).toBe(true);
    expect(inside('192.168.1.0/24', '192.168.2.1')).toBe(false);
  });
  it('/0 holds everything of its family, /32 one address, host bits are ignored', () => {
    expect(inside('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(inside('203.0.113.9/32', '203.0.113.9')).toBe(true);
    expect(inside('203.0.113.9/32', '203.0.113.8')).toBe(false);
    expect(inside('10.1.2.3/8', '10.200.0.1')).toBe(true);
    expect(parseCidr('10.0.0.0')!.prefix).toBe(32);
  });
  it('refuses bad prefixes', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/8/8', 'x/8'])
      expect(parseCidr(bad), bad).toBeUndefined();
  });
});

describe('IPv6', () => {
  it('parses compressed, full and embedded-IPv4 forms', () => {
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('2001:db8::1')).toBe(parseIPv6('2001:0db8:0000:0000:0000:0000:0000:0001'));
    expect(parseIPv6('::ffff:192.0.2.1')).toBe((0xffffn << 32n) | 0xc0000201n);
    expect(parseIPv6('64:ff9b::192.0.2.33')).toBe(parseIPv6('64:ff9b::c000:221'));
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(parseIPv6('1:2:3:4:5:6:102:304'));
    expect(parseIPv6('fe80::1%eth0')).toBe(parseIPv6('fe80::1'));
    expect(parseIPv6('FE80::ABCD')).toBe(parseIPv6('fe80::abcd'));
  });
  it('refuses malformed addresses', () => {
    for (const bad of [':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', '1:2:3:4:5:6:7', 'g::1', '::1.2.3', '1:2:3:4:5:6:7:8::', ':1::']) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
  });
  it('containment, including /0, /128 and the bit boundary inside a group', () => {
    expect(inside('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(inside('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(inside('::/0', '2001:db8::1')).toBe(true);
    expect(inside('::1/128', '::1')).toBe(true);
    expect(inside('::1/128', '::2')).toBe(false);
    expect(inside('2001:db8:8000::/33', '2001:db8:8000::1')).toBe(true);
    expect(inside('2001:db8:8000::/33', '2001:db8:7fff::1')).toBe(false);
    expect(parseCidr('2001:db8::/129')).toBeUndefined();
  });
  it('families do not mix, except IPv4-mapped IPv6 addresses against IPv4 blocks', () => {
    expect(inside('0.0.0.0/0', '::1')).toBe(false);
    expect(inside('::/0', '10.0.0.1')).toBe(false);
    expect(inside('10.0.0.0/8', '::ffff:10.1.2.3')).toBe(true);
    expect(inside('10.0.0.0/8', '::ffff:11.1.2.3')).toBe(false);
    expect(inside('10.0.0.0/8', '::10.1.2.3')).toBe(false); // IPv4-compatible, not mapped
  });
});
