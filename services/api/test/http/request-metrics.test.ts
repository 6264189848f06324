import { afterEach, describe, expect, it } from 'vitest';
import { bearer, TOKENS } from './fake-authenticator.js';
import { startHarness, type Harness } from './harness.js';

describe('driftwatch_api_requests_total', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('labels requests with the route pattern, never the raw URL', async () => {
    h = await startHarness();
    await h.call('GET', '/v1/servers/mail', { headers: bearer(TOKENS.read) });
    await h.call('GET', '/v1/servers/ghost', { headers: bearer(TOKENS.read) });
    await h.call('GET', '/v1/servers/mail');
    await h.call('DELETE', '/v1/servers/mail');
    await h.call('GET', '/v1/random-123');
    await h.call('GET', '/v1/alerts?limit=5', { headers: bearer(TOKENS.read) });
    const text = await h.ports.metrics.registry.getSingleMetricAsString('driftwatch_api_requests_total');
    const lines = text.split('\n').filter((l) => !l.startsWith('#') && l.trim());
    expect(lines.sort()).toEqual(
      [
        'driftwatch_api_requests_total{method="GET",route="/v1/servers/{id}",status="200"} 1',
        'driftwatch_api_requests_total{method="GET",route="/v1/servers/{id}",status="404"} 1',
        'driftwatch_api_requests_total{method="GET",route="/v1/servers/{id}",status="401"} 1',
        'driftwatch_api_requests_total{method="DELETE",route="/v1/servers/{id}",status="405"} 1',
        'driftwatch_api_requests_total{method="GET",route="unmatched",status="404"} 1',
        'driftwatch_api_requests_total{method="GET",route="/v1/alerts",status="200"} 1',
      ].sort(),
    );
  });
});
