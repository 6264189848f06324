import { describe, expect, it } from 'vitest';
import { addressVerdict, classifyAddress, classifyHost, endpointHostProblem, type AddressKind } from '../../src/net/address-policy.js';

/** What the WHATWG URL parser makes of a URL's host: the only form the policy sees. */
const hostOf = (url: string): string => new URL(url).hostname;

describe('classifyAddress', () => {
  const table: Array<[string, AddressKind]> = [
    // cloud metadata, before the ranges that contain them
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2::23', 'metadata'],
    // always refused
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    // private and loopback (allowed with allowPrivateNetwork)
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['198.18.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    // public
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['169.255.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    // not an address at all
    ['2130706433', 'invalid'],
    ['0x7f.1', 'invalid'],
    ['127.1', 'invalid'],
    ['example.com', 'invalid'],
  ];
  it.each(table)('%s is %s', (text, kind) => {
    expect(classifyAddress(text).kind).toBe(kind);
  });

  it('judges IPv4 embedded in IPv6 by the IPv4 address', () => {
    const cases: Array<[string, AddressKind, string]> = [
      ['::ffff:169.254.169.254', 'metadata', 'IPv4-mapped form of 169.254.169.254'],
      ['::ffff:a9fe:a9fe', 'metadata', 'IPv4-mapped form of 169.254.169.254'],
      ['::ffff:127.0.0.1', 'loopback', 'IPv4-mapped form of 127.0.0.1'],
      ['::ffff:10.0.0.1', 'private', 'IPv4-mapped form of 10.0.0.1'],
      ['::ffff:8.8.8.8', 'public', 'IPv4-mapped form of 8.8.8.8'],
      ['::a9fe:a9fe', 'metadata', 'IPv4-compatible form of 169.254.169.254'],
      ['::ffff:0:a9fe:a9fe', 'metadata', 'IPv4-translated form of 169.254.169.254'],
      ['64:ff9b::a9fe:a9fe', 'metadata', 'NAT64 form of 169.254.169.254'],
      ['64:ff9b::7f00:1', 'loopback', 'NAT64 form of 127.0.0.1'],
      ['64:ff9b::808:808', 'public', 'NAT64 form of 8.8.8.8'],
      ['64:ff9b:1::a9fe:a9fe', 'metadata', 'local-use NAT64 form of 169.254.169.254'],
      ['64:ff9b:1::808:808', 'private', 'local-use NAT64 form of 8.8.8.8'],
      ['2002:a9fe:a9fe::1', 'metadata', '6to4 form of 169.254.169.254'],
      ['2002:a00:1::1', 'private', '6to4 form of 10.0.0.1'],
      ['2002:808:808::1', 'public', '6to4 form of 8.8.8.8'],
    ];
    for (const [text, kind, label] of cases) {
      const c = classifyAddress(text);
      expect(c.kind, text).toBe(kind);
      expect(c.label, text).toContain(label);
    }
  });
});

describe('classifyHost (after the WHATWG URL parser)', () => {
  it('sees through decimal, hex, octal and short IPv4 forms', () => {
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://0177.0.0.1/', 'http://127.0.0.1./', 'http://①②⑦.0.0.1/']) {
      expect(classifyHost(hostOf(url)).kind, url).toBe('loopback');
    }
    expect(classifyHost(hostOf('http://2852039166/')).kind).toBe('metadata'); // 169.254.169.254
    expect(classifyHost(hostOf('http://0xa9.0xfe.0xa9.0xfe/')).kind).toBe('metadata');
    expect(classifyHost(hostOf('http://0/')).kind).toBe('unspecified');
    expect(classifyHost(hostOf('http://0.0.0.0:22/')).kind).toBe('unspecified');
  });

  it('reads bracketed IPv6 hosts, mapped forms included', () => {
    expect(classifyHost(hostOf('http://[fd00:ec2::254]/')).kind).toBe('metadata');
    expect(classifyHost(hostOf('http://[::ffff:169.254.169.254]/')).kind).toBe('metadata');
    expect(classifyHost(hostOf('http://[::]/')).kind).toBe('unspecified');
    expect(classifyHost(hostOf('http://[::1]:8080/')).kind).toBe('loopback');
  });

  it('refuses metadata names and treats localhost as loopback, in any case and with a trailing dot', () => {
    for (const name of ['metadata.google.internal', 'METADATA.Google.Internal.', 'metadata', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']) {
      expect(classifyHost(hostOf(`http://${name}/`)).kind, name).toBe('metadata');
    }
    expect(classifyHost('localhost').kind).toBe('loopback');
    expect(classifyHost('admin.localhost').kind).toBe('loopback');
    expect(classifyHost('mcp.example.com').kind).toBe('name');
    expect(classifyHost('metadata.example.com').kind).toBe('name');
  });
});

describe('addressVerdict', () => {
  it('allows private and loopback only with allowPrivateNetwork, never the rest', () => {
    expect(addressVerdict(classifyAddress('10.0.0.1'), false)).toMatchObject({ allowed: false, always: false });
    expect(addressVerdict(classifyAddress('10.0.0.1'), true)).toEqual({ allowed: true });
    expect(addressVerdict(classifyAddress('::1'), true)).toEqual({ allowed: true });
    for (const text of ['169.254.169.254', 'fd00:ec2::254', '0.0.0.0', '224.0.0.1', 'fe80::1', '::ffff:169.254.169.254', 'not-an-ip']) {
      expect(addressVerdict(classifyAddress(text), true), text).toMatchObject({ allowed: false, always: true });
    }
    expect(addressVerdict(classifyAddress('8.8.8.8'), false)).toEqual({ allowed: true });
    expect(addressVerdict(classifyHost('mcp.example.com'), false)).toEqual({ allowed: true });
  });
});

describe('endpointHostProblem', () => {
  it('names the host only, never credentials, path or query', () => {
    const problem = endpointHostProblem('http://user:hunter2@169.254.169.254/latest/meta-data?token=abc', true);
    expect(problem).toBe('host is a cloud metadata address, which Driftwatch never connects to (got 169.254.169.254)');
  });

  it('points at allowPrivateNetwork for private and loopback hosts', () => {
    expect(endpointHostProblem('http://2130706433:9000/mcp', false)).toBe(
      'host is a loopback address; set allowPrivateNetwork: true on this server (or at the top level) to allow it (got 127.0.0.1)',
    );
    expect(endpointHostProblem('http://2130706433:9000/mcp', true)).toBeUndefined();
    expect(endpointHostProblem('http://[fd12::1]/mcp', false)).toContain('private network address');
  });

  it('leaves host names (checked at connect time) and invalid URLs alone', () => {
    expect(endpointHostProblem('https://mcp.example.com/mcp', false)).toBeUndefined();
    expect(endpointHostProblem('not a url', false)).toBeUndefined();
  });
});
