import { describe, expect, it } from 'vitest';
import { createHostCheck, parseHost } from '../../src/http/hosts.js';
import { isLoopbackHost, resolveAnonymousRead } from '../../src/http/settings.js';

describe('Host allowlist', () => {
  it('parses names, IPv4 and bracketed IPv6 with an optional port', () => {
    expect(parseHost('LocalHost:7420')).toEqual({ name: 'localhost', port: '7420' });
    expect(parseHost('[::1]')).toEqual({ name: '[::1]' });
    expect(parseHost('[::1]:80')).toEqual({ name: '[::1]', port: '80' });
    for (const bad of ['', 'a b', 'http://x', 'x:', 'x:port', '::1', 'x/y', 'user@x']) expect(parseHost(bad), bad).toBeUndefined();
  });

  it('allows loopback always and configured names by name or name:port', () => {
    const allowed = createHostCheck(['dw.internal', 'api.example.com:8443']);
    for (const ok of ['localhost', '127.0.0.1:1', '[::1]:7420', 'dw.internal:7420', 'api.example.com:8443']) expect(allowed(ok), ok).toBe(true);
    for (const no of [undefined, '', 'api.example.com', 'evil.dw.internal', '127.0.0.2', '[::2]', 'localhost.evil']) expect(allowed(no), String(no)).toBe(false);
  });
});

describe('anonymous read', () => {
  it('follows the config when it says something', () => {
    expect(resolveAnonymousRead({ configured: false, embedded: true, host: '127.0.0.1' })).toBe(false);
    expect(resolveAnonymousRead({ configured: true, embedded: false, host: '0.0.0.0' })).toBe(true);
  });

  it('otherwise is on only for the embedded quick start on loopback', () => {
    expect(resolveAnonymousRead({ configured: undefined, embedded: true, host: '127.0.0.1' })).toBe(true);
    expect(resolveAnonymousRead({ configured: undefined, embedded: true, host: 'localhost' })).toBe(true);
    expect(resolveAnonymousRead({ configured: undefined, embedded: true, host: '::1' })).toBe(true);
    expect(resolveAnonymousRead({ configured: undefined, embedded: true, host: '0.0.0.0' })).toBe(false);
    expect(resolveAnonymousRead({ configured: undefined, embedded: true, host: '192.168.1.5' })).toBe(false);
    expect(resolveAnonymousRead({ configured: undefined, embedded: false, host: '127.0.0.1' })).toBe(false);
    expect(isLoopbackHost('127.1.2.3')).toBe(true);
  });
});
