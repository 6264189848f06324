import { describe, expect, it } from 'vitest';
import { decideQuarantine, DriftwatchConfig, routeReceiverProblems, SilenceMatchers } from '../../src/index.js';

const servers = [{ id: 'mail', transport: 'stdio', command: 'node' }];

function issues(input: unknown): string[] {
  const r = DriftwatchConfig.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('incident policy in the config', () => {
  it('existing configs keep working and get the old behaviour (pageAt = quarantineAt)', () => {
    const c = DriftwatchConfig.parse({ quarantineAt: 'critical', servers });
    expect(c.pageAt).toBeUndefined();
    expect(c.routes).toBeUndefined();
    expect(c.servers[0]!.quarantine).toBeUndefined();
  });

  it('parses routes, durations, flap rules, dry run and per-server quarantine', () => {
    const c = DriftwatchConfig.parse({
      servers: [{ ...servers[0], quarantine: 'never' }],
      pageAt: 'medium',
      dryRun: true,
      minConfidenceToQuarantine: 0.7,
      routes: [{ match: { kind: ['tool.*'], minSeverity: 'high', tags: ['prod'], serverIds: ['mail'] }, receivers: [], groupBy: ['kind'], groupWait: '0', groupInterval: '2m', repeatInterval: '4h', continue: true }],
      defaultRoute: { groupWait: '500ms' },
      flap: { 'server.unreachable': { for: 3, keepFiringFor: '5m' } },
      publicUrls: { api: 'https://dw.example.com', console: 'https://soc.example.com/incidents' },
    });
    expect(c.routes![0]).toMatchObject({ groupWait: 0, groupInterval: 120, repeatInterval: 14400, continue: true });
    expect(c.defaultRoute?.groupWait).toBe(0.5);
    expect(c.flap!['server.unreachable']).toEqual({ for: 3, keepFiringFor: 300 });
    expect(c.servers[0]!.quarantine).toBe('never');
  });

  it('reports every problem with its path, in one pass', () => {
    const problems = issues({
      servers: [{ ...servers[0], quarantine: 'sometimes' }],
      pageAt: 'urgent',
      minConfidenceToQuarantine: 2,
      routes: [{ match: { kind: ['Tool.*'], bogus: 1 }, receivers: ['pd'], groupWait: '-1s' }, { receivers: ['nope'], extra: true }],
      flap: { 'server.unreachable': { for: 0 } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^servers\.0\.quarantine: /),
        expect.stringMatching(/^pageAt: /),
        expect.stringMatching(/^minConfidenceToQuarantine: /),
        expect.stringMatching(/^routes\.0\.match\.kind\.0: a change kind or a glob/),
        expect.stringMatching(/^routes\.0\.match: .*bogus/),
        expect.stringMatching(/^routes\.0\.groupWait: must be a duration between 0 and 7d/),
        expect.stringMatching(/^routes\.1: .*extra/),
        expect.stringMatching(/^flap\.server\.unreachable\.for: /),
        'routes.0.receivers.0: unknown receiver "pd"; no receivers are configured',
        'routes.1.receivers.0: unknown receiver "nope"; no receivers are configured',
      ]),
    );
  });

  it('checks route receivers against the configured receivers', () => {
    expect(routeReceiverProblems({ receivers: { pd: {}, slack: {} }, routes: [{ receivers: ['pd', 'pager'] }], defaultRoute: { receivers: ['slack', 'x'] } })).toEqual([
      { path: ['routes', 0, 'receivers', 1], message: 'unknown receiver "pager"; configured receivers: pd, slack' },
      { path: ['defaultRoute', 'receivers', 1], message: 'unknown receiver "x"; configured receivers: pd, slack' },
    ]);
    expect(routeReceiverProblems({ routes: 'nonsense' })).toEqual([]);
  });

  it('silence matchers need at least one matcher', () => {
    expect(SilenceMatchers.safeParse({}).success).toBe(false);
    expect(SilenceMatchers.safeParse({ severity: ['low'] }).success).toBe(true);
    expect(SilenceMatchers.safeParse({ serverId: 'mail', nope: 1 }).success).toBe(false);
  });
});

describe('quarantine decision', () => {
  const policy = { quarantineAt: 'high' as const, dryRun: false, minConfidenceToQuarantine: 0.7 };
  const base = { action: 'trigger' as const, severity: 'high' as const, kind: 'tool.description_changed' };
  it('is immediate at the threshold, never for resolves or below it', () => {
    expect(decideQuarantine(base, policy, undefined)).toEqual({ action: 'quarantine' });
    expect(decideQuarantine({ ...base, action: 'resolve' }, policy, undefined).action).toBe('none');
    expect(decideQuarantine({ ...base, severity: 'medium' }, policy, undefined)).toEqual({ action: 'none', why: 'below_threshold' });
  });
  it('honours per-server never, dry run and the minimum confidence of content findings', () => {
    expect(decideQuarantine(base, policy, 'never')).toEqual({ action: 'none', why: 'server_never' });
    expect(decideQuarantine(base, { ...policy, dryRun: true }, 'auto')).toEqual({ action: 'would_quarantine' });
    expect(decideQuarantine({ ...base, kind: 'content.x', confidence: 0.5 }, policy, 'auto')).toEqual({ action: 'none', why: 'low_confidence' });
    expect(decideQuarantine({ ...base, kind: 'content.x', confidence: 0.9 }, policy, 'auto').action).toBe('quarantine');
    // Without a confidence (an older differ), a content finding counts as certain.
    expect(decideQuarantine({ ...base, kind: 'content.x' }, policy, 'auto').action).toBe('quarantine');
    // Confidence is about content findings only.
    expect(decideQuarantine({ ...base, confidence: 0.1 }, policy, 'auto').action).toBe('quarantine');
  });
});
