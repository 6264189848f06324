/**
 * The observability that ships in deploy/ (Grafana dashboard and provisioning, Prometheus scrape
 * config and alert rules, their wiring in docker-compose.yml) is checked against the code: every
 * metric a panel or a rule queries must be one that packages/runtime/src/metrics.ts registers,
 * so renaming a metric (or forgetting the prefix on a process metric) fails here, not on a
 * dashboard that silently shows "No data" during an incident. It lives beside the metrics it
 * checks against (and this package's yaml and zod).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { createMetrics } from '../src/index.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const at = (path: string) => join(root, path);
const RULES = 'deploy/prometheus/alert-rules.yaml';
const DASHBOARD = 'deploy/grafana/dashboards/driftwatch-fleet.json';
/** What every service passes to createMetrics (services/cli/src/app.ts: the default). */
const PREFIX = 'driftwatch_';

// ── schemas ──────────────────────────────────────────────────────────────────────────────────
const Datasource = z.strictObject({ type: z.literal('prometheus'), uid: z.string().min(1) });
const GridPos = z
  .strictObject({ h: z.number().int().positive(), w: z.number().int().min(1), x: z.number().int().min(0), y: z.number().int().min(0) })
  .refine((g) => g.x + g.w <= 24, 'a panel is wider than the 24-column grid');
const Target = z.looseObject({ refId: z.string().min(1), expr: z.string().min(1), datasource: Datasource, legendFormat: z.string() });
const Row = z.looseObject({ id: z.number().int().positive(), type: z.literal('row'), title: z.string().min(1), gridPos: GridPos, panels: z.array(z.never()) });
const Panel = z.looseObject({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'bargauge']),
  title: z.string().min(1),
  // Says what the panel is for and when to worry: the reader during an incident is not its author.
  description: z.string().min(1),
  datasource: Datasource,
  gridPos: GridPos,
  targets: z.array(Target).min(1),
});
const Dashboard = z.looseObject({
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int(),
  panels: z.array(z.union([Row, Panel])).min(1),
});

const Duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'a Prometheus duration (5m, 1h30m)');
const Rule = z.strictObject({
  alert: z.string().regex(/^Driftwatch[A-Z][A-Za-z0-9]+$/),
  expr: z.string().min(1),
  for: Duration,
  labels: z.looseObject({ severity: z.enum(['warning', 'critical']) }),
  annotations: z.strictObject({ summary: z.string().min(1), description: z.string().min(1).optional() }),
});
const RuleFile = z.strictObject({ groups: z.array(z.strictObject({ name: z.string().min(1), rules: z.array(Rule).min(1) })).min(1) });

const GrafanaDatasources = z.looseObject({
  datasources: z.array(z.looseObject({ uid: z.string(), type: z.literal('prometheus'), url: z.string().url() })).length(1),
});
const GrafanaProviders = z.looseObject({ providers: z.array(z.looseObject({ type: z.literal('file'), options: z.looseObject({ path: z.string() }) })).min(1) });
const PromConfig = z.looseObject({
  rule_files: z.array(z.string()).min(1),
  scrape_configs: z.array(
    z.looseObject({
      job_name: z.string(),
      dns_sd_configs: z.array(z.looseObject({ names: z.array(z.string()).min(1), port: z.number().int() })).optional(),
    }),
  ),
});
const ComposeService = z.looseObject({
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.unknown()).optional(),
  volumes: z.array(z.string()).optional(),
});
const Compose = z.looseObject({ services: z.record(z.string(), ComposeService) });

// ── helpers ──────────────────────────────────────────────────────────────────────────────────
const readYaml = (path: string): unknown => parse(readFileSync(at(path), 'utf8'), { merge: true });

/** Sample names /metrics can hold: each metric's name, plus the series a histogram expands to. */
async function registeredNames(): Promise<Set<string>> {
  const metrics = createMetrics({ prefix: PREFIX });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    // prom-client's typings declare `type` a numeric enum; at run time it is the string.
    const type = String(m.type);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

/**
 * Driftwatch's metric names in a PromQL expression: the prefixed ones, and process_/nodejs_
 * written without the prefix (which the registry never has: they must fail). String literals
 * (label values) are dropped first; Prometheus's own series (up, scrape_duration_seconds) are not
 * Driftwatch's to register and do not match.
 */
function metricNamesIn(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return [...code.matchAll(new RegExp(`(?<![A-Za-z0-9_:$])(?:${PREFIX}|process_|nodejs_)[A-Za-z0-9_:]*`, 'g'))].map((m) => m[0]);
}

const compose = Compose.parse(readYaml('docker-compose.yml'));
const service = (name: string) => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

/** The file on this machine behind `containerPath` in `name`, through its bind mounts. */
function hostPath(name: string, containerPath: string): string | undefined {
  for (const volume of service(name).volumes ?? []) {
    const [source, target] = volume.split(':');
    if (!source?.startsWith('./') || !target) continue;
    if (containerPath === target) return at(source);
    if (containerPath.startsWith(`${target}/`)) return join(at(source), containerPath.slice(target.length + 1));
  }
  return undefined;
}

const dashboard = Dashboard.parse(JSON.parse(readFileSync(at(DASHBOARD), 'utf8')));
const panels = dashboard.panels.filter((p): p is z.infer<typeof Panel> => p.type !== 'row');
const rules = RuleFile.parse(readYaml(RULES)).groups.flatMap((g) => g.rules);
const datasource = GrafanaDatasources.parse(readYaml('deploy/grafana/provisioning/datasources/prometheus.yaml')).datasources[0]!;

// ── tests ────────────────────────────────────────────────────────────────────────────────────
describe('deploy/grafana: the fleet dashboard', () => {
  it('has unique panel ids, unique refIds per panel, and no two panels on the same cells', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) expect(new Set(p.targets.map((t) => t.refId)).size, p.title).toBe(p.targets.length);
    const boxes = dashboard.panels.map((p) => ({ title: p.title, ...p.gridPos }));
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
      }
    }
  });

  it('queries the provisioned datasource in every panel and target', () => {
    for (const p of panels) {
      expect(p.datasource.uid, p.title).toBe(datasource.uid);
      for (const t of p.targets) expect(t.datasource.uid, `${p.title} ${t.refId}`).toBe(datasource.uid);
    }
  });

  it('queries only metrics the services register', async () => {
    const registered = await registeredNames();
    const used = panels.flatMap((p) => p.targets.flatMap((t) => metricNamesIn(t.expr).map((name) => ({ name, where: `${p.title} ${t.refId}` }))));
    expect(used.filter((u) => !registered.has(u.name))).toEqual([]);
    // What the issue asks the dashboard to show: a panel dropped by mistake fails here.
    const names = new Set(used.map((u) => u.name));
    for (const name of [
      'polls_total',
      'polls_skipped_total',
      'poll_errors_total',
      'poll_lag_seconds_bucket',
      'snapshots_processed_total',
      'alerts_total',
      'quarantined_servers',
      'actions_total',
      'dlq_messages_total',
      'notifications_total',
      'notification_delivery_seconds_bucket',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(names.has(PREFIX + name), `no panel shows ${PREFIX + name}`).toBe(true);
    }
  });
});

describe('deploy/prometheus: the alert rules', () => {
  it('are well formed, with unique names', () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it('query only metrics the services register', async () => {
    const registered = await registeredNames();
    const used = rules.flatMap((r) => metricNamesIn(r.expr).map((name) => ({ name, alert: r.alert })));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !registered.has(u.name))).toEqual([]);
  });

  it('cover what the fleet needs watched', () => {
    for (const alert of [
      'DriftwatchNotPolling',
      'DriftwatchPollStarvation',
      'DriftwatchPollsLate',
      'DriftwatchDifferFallingBehind',
      'DriftwatchDeadLetters',
      'DriftwatchNotificationsFailed',
      'DriftwatchWorkerDown',
    ]) {
      expect(rules.map((r) => r.alert)).toContain(alert);
    }
  });

  it('pass promtool check rules', (ctx) => {
    const version = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    ctx.skip(version.error !== undefined, 'promtool is not on PATH: install Prometheus to check the rules with it');
    const check = spawnSync('promtool', ['check', 'rules', at(RULES)], { encoding: 'utf8' });
    expect(check.status, `${check.stdout}\n${check.stderr}`).toBe(0);
  });
});

describe('docker-compose.yml: Prometheus and Grafana wiring', () => {
  it('mounts only files and directories that exist', () => {
    const sources = Object.values(compose.services).flatMap((s) => (s.volumes ?? []).map((v) => v.split(':')[0]!).filter((v) => v.startsWith('./')));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => !existsSync(at(s)))).toEqual([]);
  });

  it('gives Prometheus its config and the rules this test checks', () => {
    const config = hostPath('prometheus', '/etc/prometheus/prometheus.yml');
    expect(config).toBe(at('deploy/prometheus/prometheus.yml'));
    const prom = PromConfig.parse(readYaml('deploy/prometheus/prometheus.yml'));
    expect(prom.rule_files.map((f) => hostPath('prometheus', f))).toEqual([at(RULES)]);
  });

  it('scrapes every Driftwatch service on its PORT, as the job the rules and dashboard name', () => {
    const prom = PromConfig.parse(readYaml('deploy/prometheus/prometheus.yml'));
    const roles = Object.entries(compose.services).filter(([, s]) => ['poller', 'differ', 'responder', 'api'].includes(s.command?.[0] ?? ''));
    expect(roles.length).toBe(4);
    for (const [name, s] of roles) {
      const job = prom.scrape_configs.find((j) => j.job_name === `driftwatch-${s.command![0]}`);
      expect(job, `no scrape job for ${name}`).toBeDefined();
      expect(job!.dns_sd_configs?.[0]?.names).toEqual([name]);
      expect(String(job!.dns_sd_configs?.[0]?.port)).toBe(String(s.environment?.PORT));
    }
  });

  it('gives Grafana the datasource and the dashboard', () => {
    const url = new URL(datasource.url);
    expect(Object.keys(compose.services)).toContain(url.hostname);
    expect(url.port).toBe('9090');
    expect(hostPath('grafana', '/etc/grafana/provisioning/datasources/prometheus.yaml')).toBe(at('deploy/grafana/provisioning/datasources/prometheus.yaml'));
    const providers = GrafanaProviders.parse(readYaml('deploy/grafana/provisioning/dashboards/driftwatch.yaml')).providers;
    const dir = hostPath('grafana', providers[0]!.options.path);
    expect(dir && statSync(dir).isDirectory()).toBe(true);
    expect(existsSync(join(dir!, 'driftwatch-fleet.json'))).toBe(true);
    const home = String(service('grafana').environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
    expect(hostPath('grafana', home)).toBe(at(DASHBOARD));
  });
});
