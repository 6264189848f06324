import { describe, expect, it, vi } from 'vitest';
import type { buildConnector } from 'undici';
import { createAddressGuard, type ResolveHost, type ResolvedAddress } from '../src/address-guard.js';
import { ProbeError } from '../src/failure.js';
import { createGuardedDispatcher } from '../src/guarded-dispatcher.js';

/** A resolver that never touches DNS: every name answers `addresses`. */
function fakeResolver(...addresses: string[]): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}

async function refusal(p: Promise<unknown>): Promise<ProbeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProbeError);
  expect((e as ProbeError).code).toBe('blocked_address');
  return e as ProbeError;
}

function lookupOnce(lookup: ReturnType<typeof createAddressGuard>['lookup'], host: string, options: object): Promise<unknown[]> {
  return new Promise((resolve) => (lookup as (h: string, o: object, cb: (...a: unknown[]) => void) => void)(host, options, (...args) => resolve(args)));
}

describe('createAddressGuard', () => {
  it('checks every address a name resolves to: one bad answer refuses the host', async () => {
    for (const bad of ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '0.0.0.0', '224.0.0.1']) {
      const onRefused = vi.fn();
      const guard = createAddressGuard({ allowPrivateNetwork: true, resolve: fakeResolver('127.0.0.1', bad), onRefused });
      const e = await refusal(guard.resolve('mcp.example.com'));
      expect(e.message).toContain(`mcp.example.com: it resolves to ${bad}`);
      expect(onRefused).toHaveBeenCalledTimes(1);
    }
  });

  it('refuses private and loopback answers unless allowPrivateNetwork', async () => {
    for (const address of ['10.0.0.1', '192.168.0.10', '100.64.1.1', '::1', '127.0.0.1', 'fd12::1']) {
      const e = await refusal(createAddressGuard({ allowPrivateNetwork: false, resolve: fakeResolver(address) }).resolve('internal.example'));
      expect(e.message).toContain('allowed only with allowPrivateNetwork: true');
      await expect(createAddressGuard({ allowPrivateNetwork: true, resolve: fakeResolver(address) }).resolve('internal.example')).resolves.toHaveLength(1);
    }
  });

  it('refuses a resolver answer that is not a canonical address (never looks it up again)', async () => {
    const resolve = fakeResolver('2130706433');
    await refusal(createAddressGuard({ allowPrivateNetwork: true, resolve }).resolve('odd.example'));
    expect(resolve.calls).toEqual(['odd.example']);
  });

  it('judges literal addresses, metadata names and localhost without any DNS query', async () => {
    const resolve = fakeResolver('127.0.0.1');
    const guard = createAddressGuard({ allowPrivateNetwork: false, resolve });
    await refusal(guard.resolve('169.254.169.254'));
    await refusal(guard.resolve('[fd00:ec2::254]'));
    await refusal(guard.resolve('metadata.google.internal'));
    await refusal(guard.resolve('localhost'));
    await refusal(guard.resolve('10.0.0.1'));
    await expect(guard.resolve('93.184.215.14')).resolves.toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(resolve.calls).toEqual([]);
  });

  it('resolves a name once per guard: later answers (DNS rebinding) are never asked for', async () => {
    let n = 0;
    const resolve: ResolveHost = vi.fn(async () => [{ address: n++ === 0 ? '127.0.0.1' : '169.254.169.254', family: 4 }]);
    const guard = createAddressGuard({ allowPrivateNetwork: true, resolve });
    expect(await guard.resolve('rebind.example')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await guard.resolve('REBIND.example')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await lookupOnce(guard.lookup, 'rebind.example', { all: true })).toEqual([null, [{ address: '127.0.0.1', family: 4 }]]);
    expect(await lookupOnce(guard.lookup, 'rebind.example', {})).toEqual([null, '127.0.0.1', 4]);
    expect(resolve).toHaveBeenCalledTimes(1);
  });

  it('its net lookup honours the family asked for and reports refusals as errors', async () => {
    const guard = createAddressGuard({ allowPrivateNetwork: true, resolve: fakeResolver('127.0.0.1', '::1') });
    expect(await lookupOnce(guard.lookup, 'dual.example', { family: 6 })).toEqual([null, '::1', 6]);
    expect(await lookupOnce(guard.lookup, 'dual.example', { family: 4, all: true })).toEqual([null, [{ address: '127.0.0.1', family: 4 }]]);
    const refused = createAddressGuard({ allowPrivateNetwork: false, resolve: fakeResolver('127.0.0.1') });
    const [err] = await lookupOnce(refused.lookup, 'dual.example', { all: true });
    expect((err as ProbeError).code).toBe('blocked_address');
  });

  it('an empty answer is "not found", not a refusal', async () => {
    const e = await createAddressGuard({ allowPrivateNetwork: true, resolve: fakeResolver() }).resolve('void.example').catch((err: unknown) => err);
    expect((e as { code?: string }).code).toBe('ENOTFOUND');
  });
});

describe('createGuardedDispatcher', () => {
  /** A connector that records what it was asked to connect to and never opens a socket. */
  function spyConnector(): buildConnector.connector & { calls: buildConnector.Options[] } {
    const calls: buildConnector.Options[] = [];
    const fn: buildConnector.connector = (options, callback) => {
      calls.push(options);
      callback(Object.assign(new Error('spy: no sockets in this test'), { code: 'ECONNREFUSED' }), null);
    };
    return Object.assign(fn, { calls });
  }

  function connectVia(dispatcher: ReturnType<typeof createGuardedDispatcher>, origin: string): Promise<unknown> {
    return dispatcher.request({ origin, path: '/mcp', method: 'GET' }).then(
      () => undefined,
      (err: unknown) => err,
    );
  }

  it('refuses before the connector is ever called', async () => {
    const cases: Array<[string, string[]]> = [
      ['http://169.254.169.254', []],
      ['http://[fd00:ec2::254]:8080', []],
      ['http://[::ffff:a9fe:a9fe]', []],
      ['http://0.0.0.0:22', []],
      ['http://10.0.0.1', []],
      ['http://[::1]:9000', []],
      ['http://metadata.google.internal', []],
      ['http://imds.example', ['169.254.169.254']],
      ['http://v6.example', ['fd00:ec2::254']],
      ['http://private.example', ['10.0.0.1']],
      ['https://loop.example', ['::1']],
    ];
    for (const [origin, answers] of cases) {
      const base = spyConnector();
      const dispatcher = createGuardedDispatcher(createAddressGuard({ allowPrivateNetwork: false, resolve: fakeResolver(...answers) }), base);
      const err = await connectVia(dispatcher, origin);
      expect(base.calls, origin).toEqual([]);
      expect(err, origin).toBeInstanceOf(ProbeError);
      expect((err as ProbeError).code, origin).toBe('blocked_address');
      await dispatcher.destroy();
    }
  });

  it('hands an allowed name to the real connector unchanged (Host and SNI stay the name)', async () => {
    const base = spyConnector();
    const dispatcher = createGuardedDispatcher(createAddressGuard({ allowPrivateNetwork: true, resolve: fakeResolver('127.0.0.1') }), base);
    await connectVia(dispatcher, 'https://mcp.internal.example:8443');
    expect(base.calls).toHaveLength(1);
    expect(base.calls[0]).toMatchObject({ hostname: 'mcp.internal.example', protocol: 'https:', port: '8443' });
    await dispatcher.destroy();
  });
});
