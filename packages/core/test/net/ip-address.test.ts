import { describe, expect, it } from 'vitest';
import { hasPrefix, parseIp, parseIpv4, parseIpv6 } from '../../src/net/ip-address.js';

const hex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

describe('parseIpv4', () => {
  it('reads four canonical decimal octets', () => {
    expect(hex(parseIpv4('169.254.169.254'))).toBe('a9fea9fe');
    expect(hex(parseIpv4('0.0.0.0'))).toBe('00000000');
    expect(hex(parseIpv4('255.255.255.255'))).toBe('ffffffff');
  });

  it('refuses every non-canonical form (the URL parser normalises those before we see them)', () => {
    for (const text of ['2130706433', '0x7f.1', '127.1', '0177.0.0.1', '127.0.0.01', '256.0.0.1', '1.2.3.4.5', '1.2.3.', ' 1.2.3.4', '1.2.3.4 ', '+1.2.3.4', '']) {
      expect(parseIpv4(text), text).toBeUndefined();
    }
  });
});

describe('parseIpv6', () => {
  it('reads compressed, full, bracketed, zoned and dotted-tail forms', () => {
    expect(hex(parseIpv6('::'))).toBe('0'.repeat(32));
    expect(hex(parseIpv6('::1'))).toBe(`${'0'.repeat(31)}1`);
    expect(hex(parseIpv6('fd00:ec2::254'))).toBe('fd000ec2000000000000000000000254');
    expect(hex(parseIpv6('FD00:EC2:0:0:0:0:0:254'))).toBe('fd000ec2000000000000000000000254');
    expect(hex(parseIpv6('[::1]'))).toBe(`${'0'.repeat(31)}1`);
    expect(hex(parseIpv6('fe80::1%eth0'))).toBe('fe800000000000000000000000000001');
    expect(hex(parseIpv6('::ffff:169.254.169.254'))).toBe('00000000000000000000ffffa9fea9fe');
    expect(hex(parseIpv6('1:2:3:4:5:6:7::'))).toBe('00010002000300040005000600070000');
  });

  it('refuses malformed text', () => {
    for (const text of [':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '::1:2:3:4:5:6:7:8', '12345::', 'g::1', ':1', '1:', '::ffff:1.2.3', '1.2.3.4::', '']) {
      expect(parseIpv6(text), text).toBeUndefined();
    }
  });
});

describe('parseIp and hasPrefix', () => {
  it('tells the families apart and rejects host names', () => {
    expect(parseIp('10.0.0.1')?.family).toBe(4);
    expect(parseIp('::1')?.family).toBe(6);
    expect(parseIp('example.com')).toBeUndefined();
    expect(parseIp('localhost')).toBeUndefined();
  });

  it('compares whole and partial bytes', () => {
    const a = parseIpv4('100.64.0.1')!;
    expect(hasPrefix(a, parseIpv4('100.64.0.0')!, 10)).toBe(true);
    expect(hasPrefix(parseIpv4('100.128.0.1')!, parseIpv4('100.64.0.0')!, 10)).toBe(false);
    expect(hasPrefix(a, parseIpv4('0.0.0.0')!, 0)).toBe(true);
  });
});
