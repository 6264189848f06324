import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * No series is labelled by server id: one worker polls up to 10,000 servers, and a `server` label
 * (on a histogram above all: ×buckets) made /metrics megabytes long and its scrape take longer
 * than the poll slots it reports on. Labels here have a bounded set of values (outcomes, error
 * codes, reasons, kinds, configured receivers, route templates); what one server is doing is
 * per-server state, and the API serves it (GET /v1/servers/{id}).
 */
export interface DriftwatchMetrics {
  registry: Registry;
  pollsTotal: Counter<'outcome'>;
  pollErrorsTotal: Counter<'code'>;
  pollDurationSeconds: Histogram;
  pollsSkippedTotal: Counter<'reason'>;
  pollLagSeconds: Histogram;
  listChangedTotal: Counter<'outcome'>;
  snapshotsPublishedTotal: Counter;
  snapshotsProcessedTotal: Counter<'outcome'>;
  alertsTotal: Counter<'kind' | 'severity'>;
  actionsTotal: Counter<'action'>;
  quarantinedServers: Gauge;
  consumerLagMessages: Gauge<'topic' | 'group'>;
  dlqMessagesTotal: Counter<'topic'>;
  apiRequestsTotal: Counter<'method' | 'route' | 'status'>;
  notificationsTotal: Counter<'receiver' | 'outcome'>;
  notificationDeliverySeconds: Histogram<'receiver'>;
}

export interface CreateMetricsOptions {
  /** Prefix of every metric name; default 'driftwatch_'. */
  prefix?: string;
  /** Process metrics (CPU, memory, event loop); default true. */
  collectDefault?: boolean;
}

/**
 * A fresh Registry per call (never prom-client's global one), so embedded mode, tests and several
 * services in one process can each create their metrics without "already registered" errors.
 */
export function createMetrics(options: CreateMetricsOptions = {}): DriftwatchMetrics {
  const prefix = options.prefix ?? 'driftwatch_';
  const registry = new Registry();
  const registers = [registry];
  if (options.collectDefault ?? true) collectDefaultMetrics({ register: registry, prefix });

  return {
    registry,
    pollsTotal: new Counter({
      name: `${prefix}polls_total`,
      help: 'Polls of MCP servers, by outcome (ok, failure).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    pollErrorsTotal: new Counter({
      name: `${prefix}poll_errors_total`,
      help: 'Failed polls, by error code.',
      labelNames: ['code'] as const,
      registers,
    }),
    pollDurationSeconds: new Histogram({
      name: `${prefix}poll_duration_seconds`,
      help: 'Wall-clock time of one poll of one server.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
      registers,
    }),
    pollsSkippedTotal: new Counter({
      name: `${prefix}polls_skipped_total`,
      help: 'Scheduled polls not run (or not published), by reason (in_flight, backoff, late, lease_held, lease_error, shutdown, removed, changed, backpressure).',
      labelNames: ['reason'] as const,
      registers,
    }),
    pollLagSeconds: new Histogram({
      name: `${prefix}poll_lag_seconds`,
      help: 'Time from the start of a poll slot to the start of its probe (waiting for a lease, a claim delay or a free probe slot).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    listChangedTotal: new Counter({
      name: `${prefix}list_changed_total`,
      help: 'list_changed notifications of kept stdio servers (coalesced per server per second), by what the poller did: polled (at once), owed (a poll when the rate limit or the running poll ends), coalesced (into an owed poll), queued (a scheduled poll was about to run).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    snapshotsPublishedTotal: new Counter({
      name: `${prefix}snapshots_published_total`,
      help: 'Snapshots (and probe failures) published to the bus.',
      registers,
    }),
    snapshotsProcessedTotal: new Counter({
      name: `${prefix}snapshots_processed_total`,
      help: 'Snapshots consumed by the differ, by outcome (unchanged, changed, invalid ...).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    alertsTotal: new Counter({
      name: `${prefix}alerts_total`,
      help: 'Alerts published, by change kind and severity.',
      labelNames: ['kind', 'severity'] as const,
      registers,
    }),
    actionsTotal: new Counter({
      name: `${prefix}actions_total`,
      help: 'Actions taken by the responder or the api (quarantine, release, approve, page ...).',
      labelNames: ['action'] as const,
      registers,
    }),
    quarantinedServers: new Gauge({
      name: `${prefix}quarantined_servers`,
      help: 'Servers currently quarantined.',
      registers,
    }),
    consumerLagMessages: new Gauge({
      name: `${prefix}consumer_lag_messages`,
      help: 'Messages a consumer group has yet to consume on a topic, as a poller measures it for back-pressure (Kafka; every 5 s).',
      labelNames: ['topic', 'group'] as const,
      registers,
    }),
    dlqMessagesTotal: new Counter({
      name: `${prefix}dlq_messages_total`,
      help: 'Messages sent to a dead-letter topic because they did not validate.',
      labelNames: ['topic'] as const,
      registers,
    }),
    apiRequestsTotal: new Counter({
      name: `${prefix}api_requests_total`,
      help: 'HTTP API requests, by method, route template and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    notificationsTotal: new Counter({
      name: `${prefix}notifications_total`,
      help: 'Notification attempts to receivers, by receiver name and outcome (delivered, retry, failed).',
      labelNames: ['receiver', 'outcome'] as const,
      registers,
    }),
    notificationDeliverySeconds: new Histogram({
      name: `${prefix}notification_delivery_seconds`,
      help: 'Time from an incident transition to its acceptance by a receiver, retries included.',
      labelNames: ['receiver'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
  };
}
