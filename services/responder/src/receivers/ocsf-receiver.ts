import { TOPICS, type DeliveryOutcome, type Notification, type OcsfReceiverConfig, type Receiver } from '@driftwatch/core';
import type { ReceiverDeps } from './deps.js';
import { postOnce } from './http.js';
import { classifyHttp } from './outcome.js';
import { detectionFinding, type OcsfOptions } from './ocsf.js';
import { oneLine } from './text.js';

/**
 * Delivers an incident change as an OCSF Detection Finding (ocsf.ts) to each configured sink:
 * the Kafka topic `mcp.ocsf.v1` through the bus (key = server id; plain OCSF, no Driftwatch
 * envelope, since SIEM pipelines read it as is), Splunk HEC (`POST {url}/services/collector/event`
 * with `Authorization: Splunk <token>` and `{event, sourcetype, time}`), and a plain HTTP sink.
 *
 * One delivery succeeds when every sink took the event. A sink that took it is not sent it again
 * when the delivery is retried by this process (remembered per idempotency key, bounded); after a
 * restart it may be, so consumers should drop repeats by `metadata.uid` (the idempotency key).
 * Put sinks in separate receivers when one failing must not hold back another.
 *
 * Outcomes per sink as for the webhook: 2xx success; 408, 429, 5xx and Kafka errors retryable;
 * 3xx and other 4xx permanent. The delivery is retryable when any failed sink is.
 */

type Sink = 'kafka' | 'splunkHec' | 'http';

export interface OcsfReceiverOptions extends OcsfOptions {
  /** Kafka topic (default `mcp.ocsf.v1`); tests use a unique one. */
  topic?: string;
}

const MAX_REMEMBERED = 10_000;

export function createOcsfReceiver(name: string, config: OcsfReceiverConfig, deps: ReceiverDeps, options: OcsfReceiverOptions = {}): Receiver {
  const label = `ocsf receiver ${name}`;
  const topic = options.topic ?? TOPICS.ocsf;
  const secrets = [config.splunkHec?.token, ...Object.values(config.http?.headers ?? {})].filter((s): s is string => !!s);
  /** idempotency key → sinks that already took that delivery (insertion-ordered: oldest evicted first). */
  const done = new Map<string, Set<Sink>>();

  const sinks: Sink[] = [...(config.kafka ? (['kafka'] as const) : []), ...(config.splunkHec ? (['splunkHec'] as const) : []), ...(config.http ? (['http'] as const) : [])];

  async function toKafka(n: Notification, event: Record<string, unknown>, signal: AbortSignal): Promise<DeliveryOutcome> {
    try {
      await withDeadline(deps.bus.publish(topic, n.incident.serverId, event), signal, config.timeout);
      return { ok: true };
    } catch (err) {
      const why = err instanceof DeadlineError ? err.message : oneLine(err instanceof Error ? err.message : String(err), 200);
      return { ok: false, retryable: true, reason: `${label}: Kafka publish to ${topic} failed: ${why}` };
    }
  }

  async function post(sinkLabel: string, url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<DeliveryOutcome> {
    const result = await postOnce({
      label: sinkLabel,
      url,
      headers,
      body,
      timeoutMs: config.timeout,
      signal,
      allowPrivateNetwork: config.allowPrivateNetwork,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    return result.kind === 'failed' ? { ok: false, retryable: result.retryable, reason: result.reason } : classifyHttp(sinkLabel, result.answer, deps.now(), secrets);
  }

  function toHec(event: Record<string, unknown>, signal: AbortSignal): Promise<DeliveryOutcome> {
    const hec = config.splunkHec!;
    const body = JSON.stringify({
      event,
      sourcetype: hec.sourcetype,
      source: 'driftwatch',
      // HEC reads `time` as epoch seconds (a fraction for milliseconds).
      time: (event.time as number) / 1000,
      ...(hec.index ? { index: hec.index } : {}),
    });
    const url = `${hec.url.replace(/\/+$/, '')}/services/collector/event`;
    return post(`${label} (Splunk HEC)`, url, { 'content-type': 'application/json', authorization: `Splunk ${hec.token}` }, body, signal);
  }

  function toHttp(event: Record<string, unknown>, signal: AbortSignal): Promise<DeliveryOutcome> {
    const http = config.http!;
    return post(`${label} (HTTP sink)`, http.url, { ...http.headers, 'content-type': 'application/json' }, JSON.stringify(event), signal);
  }

  return {
    name,
    kind: 'ocsf',
    async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
      const event = detectionFinding(n, options);
      const already = done.get(n.idempotencyKey) ?? new Set<Sink>();
      const pending = sinks.filter((s) => !already.has(s));
      const results = await Promise.all(
        pending.map(async (sink) => {
          const outcome = sink === 'kafka' ? await toKafka(n, event, signal) : sink === 'splunkHec' ? await toHec(event, signal) : await toHttp(event, signal);
          return { sink, outcome };
        }),
      );
      for (const { sink, outcome } of results) if (outcome.ok) already.add(sink);
      const failed = results.filter((r) => !r.outcome.ok).map((r) => r.outcome as Extract<DeliveryOutcome, { ok: false }>);
      if (failed.length === 0) {
        done.delete(n.idempotencyKey);
        deps.logger.debug({ receiver: name, incidentId: n.incident.id, transition: n.transition, sinks }, 'ocsf delivery');
        return { ok: true, detail: `delivered to ${sinks.join(', ')}` };
      }
      remember(n.idempotencyKey, already);
      const retryable = failed.some((f) => f.retryable);
      const retryAfters = failed.map((f) => f.retryAfterMs).filter((v): v is number => v !== undefined);
      const reason = failed.map((f) => f.reason).join('; ');
      deps.logger.debug({ receiver: name, incidentId: n.incident.id, transition: n.transition, retryable }, 'ocsf delivery failed');
      return retryAfters.length > 0 ? { ok: false, retryable, reason, retryAfterMs: Math.max(...retryAfters) } : { ok: false, retryable, reason };
    },
  };

  function remember(key: string, sinksDone: Set<Sink>): void {
    done.delete(key);
    if (sinksDone.size === 0) return;
    done.set(key, sinksDone);
    while (done.size > MAX_REMEMBERED) done.delete(done.keys().next().value!);
  }
}

class DeadlineError extends Error {}

/** The bus port takes no signal: race the publish against the caller's signal and our deadline. */
function withDeadline<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      void work.catch(() => undefined);
      reject(new DeadlineError('delivery aborted'));
      return;
    }
    const timer = setTimeout(() => {
      cleanup();
      reject(new DeadlineError(`no acknowledgement within ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = (): void => {
      cleanup();
      reject(new DeadlineError('delivery aborted'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e);
      },
    );
  });
}
