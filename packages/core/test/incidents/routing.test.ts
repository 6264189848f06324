import { describe, expect, it } from 'vitest';
import { DriftwatchConfig, globMatch, groupKeyOf, resolveIncidentPolicy, routeAlert, type DriftwatchConfig as Config } from '../../src/index.js';
import { alert } from './helpers.js';

const servers = [{ id: 'mail', transport: 'stdio', command: 'node' }];

function policy(extra: Partial<Config>, receivers = ['pd', 'soc', 'chat']) {
  const base = DriftwatchConfig.parse({ servers, quarantineAt: 'high' });
  return resolveIncidentPolicy({ ...base, ...extra } as Config, receivers);
}

describe('routing', () => {
  it('matches globs over kinds', () => {
    expect(globMatch('tool.*', 'tool.description_changed')).toBe(true);
    expect(globMatch('tool.*', 'server.tool.x')).toBe(false);
    expect(globMatch('content.*', 'content.hidden-unicode')).toBe(true);
    expect(globMatch('*', 'anything')).toBe(true);
    expect(globMatch('tool.added', 'tool.addedX')).toBe(false);
    expect(globMatch('a.b', 'aXb')).toBe(false);
  });

  it('without routes, the default route sends every alert at or above pageAt to every receiver', () => {
    const p = policy({});
    expect(p.pageAt).toBe('high');
    expect(routeAlert(alert({ severity: 'high' }), [], p).receivers).toEqual(['pd', 'soc', 'chat']);
    expect(routeAlert(alert({ severity: 'medium' }), [], p).receivers).toEqual([]);
    expect(routeAlert(alert({ severity: 'medium' }), [], policy({ pageAt: 'medium' })).receivers).toEqual(['pd', 'soc', 'chat']);
  });

  it('first match stops; continue adds up and falls through to the default route', () => {
    const p = policy({
      routes: [
        { match: { minSeverity: 'info' }, receivers: ['soc'], continue: true },
        { match: { kind: ['content.*'], tags: ['prod'] }, receivers: ['pd'], groupBy: ['category'], continue: false },
        { match: { serverIds: ['mail'], minSeverity: 'critical' }, receivers: ['pd'], continue: false },
      ],
      defaultRoute: { receivers: ['chat'] },
    });
    const content = alert({ kind: 'content.hidden-unicode' });
    expect(routeAlert(content, ['prod'], p)).toMatchObject({ receivers: ['soc', 'pd'], primary: { index: 1, groupBy: ['category'] } });
    expect(routeAlert(content, ['dev'], p)).toMatchObject({ receivers: ['soc', 'chat'], primary: { index: -1 } });
    expect(routeAlert(alert({ severity: 'critical' }), [], p).receivers).toEqual(['soc', 'pd']);
    expect(routeAlert(alert({ severity: 'low' }), [], p).receivers).toEqual(['soc']);
  });

  it('group keys: the server, plus the route’s labels in a fixed order', () => {
    const a = alert({ kind: 'tool.added', subject: 'x', severity: 'low' });
    expect(groupKeyOf(a, [])).toBe('mail');
    expect(groupKeyOf(a, ['severity', 'category'])).toBe('mail|category=tool|severity=low');
  });

  it('routes inherit timing from the default route, which inherits the built-in defaults', () => {
    const p = policy({ defaultRoute: { groupWait: 1, repeatInterval: 600 }, routes: [{ match: {}, receivers: ['pd'], groupInterval: 10, continue: false }] });
    expect(p.defaultRoute.timing).toEqual({ groupWaitS: 1, groupIntervalS: 60, repeatIntervalS: 600 });
    expect(p.routes[0]!.timing).toEqual({ groupWaitS: 1, groupIntervalS: 10, repeatIntervalS: 600 });
  });

  it('flap rules: defaults keep a rug pull immediate and hold an outage for two polls; config overrides merge', () => {
    const p = policy({ flap: { 'tool.*': { for: 3 }, 'server.unreachable': { keepFiringFor: 120 } } });
    expect(p.flap['server.unreachable']).toEqual({ for: 2, keepFiringForS: 120 });
    expect(p.flap['tool.*']).toEqual({ for: 3, keepFiringForS: 0 });
    expect(policy({}).flap['*']).toEqual({ for: 1, keepFiringForS: 0 });
  });
});
