import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/index.js';

describe('createMetrics', () => {
  it('exposes every driftwatch metric in Prometheus text format', async () => {
    const m = createMetrics({ collectDefault: false });
    m.pollsTotal.inc({ outcome: 'ok' });
    m.pollDurationSeconds.observe(0.3);
    m.quarantinedServers.set(2);
    m.alertsTotal.inc({ kind: 'tool.description_changed', severity: 'high' });
    const text = await m.registry.metrics();
    for (const name of [
      'driftwatch_polls_total',
      'driftwatch_poll_errors_total',
      'driftwatch_poll_duration_seconds',
      'driftwatch_polls_skipped_total',
      'driftwatch_snapshots_published_total',
      'driftwatch_snapshots_processed_total',
      'driftwatch_alerts_total',
      'driftwatch_actions_total',
      'driftwatch_quarantined_servers',
      'driftwatch_dlq_messages_total',
      'driftwatch_api_requests_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('driftwatch_polls_total{outcome="ok"} 1');
    expect(text).toContain('driftwatch_quarantined_servers 2');
    expect(text).toContain('driftwatch_poll_duration_seconds_bucket{le="0.5"} 1');
    expect(text).toContain('driftwatch_alerts_total{kind="tool.description_changed",severity="high"} 1');
    expect(text).not.toContain('process_cpu');
  });

  it('can be created twice in one process, each with its own registry', async () => {
    const a = createMetrics();
    const b = createMetrics({ prefix: 'dw2_' });
    a.actionsTotal.inc({ action: 'quarantine' });
    expect(a.registry).not.toBe(b.registry);
    expect(await a.registry.metrics()).toContain('driftwatch_actions_total{action="quarantine"} 1');
    const other = await b.registry.metrics();
    expect(other).toContain('dw2_actions_total');
    expect(other).not.toContain('dw2_actions_total{action="quarantine"}');
    // Default process metrics are on by default and carry the prefix.
    expect(other).toContain('dw2_process_cpu_user_seconds_total');
  });
});
