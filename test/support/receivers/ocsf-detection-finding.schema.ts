/**
 * JSON Schema (draft-07, for ajv) of an OCSF Detection Finding (class_uid 2004), authored by hand
 * from the OCSF 1.5.0 specification text, since the schema server cannot be reached from tests.
 *
 * Source: the OCSF schema reference for 1.5.0 as published in tenzir/skills (skills/ocsf/1-5-0:
 * classes/base_event.md, classes/finding.md, objects/metadata.md, objects/finding_info.md,
 * objects/evidences.md, objects/resource_details.md, objects/_resource.md; detection_finding and
 * remediation unchanged from skills/ocsf/1-4-0), and the `constraints` of ocsf/ocsf-schema's
 * objects/evidences.json and objects/_entity.json (at least one of the listed attributes).
 *
 * Covered: every attribute `required` by base_event, finding and detection_finding (activity_id,
 * category_uid, class_uid, finding_info, metadata, severity_id, time, type_uid) and by the
 * objects (metadata.product, metadata.version, finding_info.uid, remediation.desc); the enums
 * (class 2004, category 2, activity 0/1/2/3/99, type_uid = 200400 + activity_id, severity 0–6/99,
 * finding status 0–5/99, base status siblings); the types (timestamp_t = integer ms; string_t,
 * boolean_t); and the `at_least_one` constraints of evidences and resources. Every attribute
 * name of the class and of the objects we emit is listed, and unknown ones are refused
 * (additionalProperties: false), so a misspelt attribute fails the test. Attributes we never
 * emit are accepted with any value. Not covered: deprecated attributes, profiles other than
 * none, and objects we do not emit (their inner structure).
 */

const timestamp = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const strArray = { type: 'array', items: str } as const;
const any = {} as const;

const product = {
  type: 'object',
  // OCSF 1.5.0 product: name recommended; at least one of name/uid (an _entity).
  properties: {
    name: str,
    vendor_name: str,
    version: str,
    uid: str,
    lang: str,
    path: str,
    cpe_name: str,
    url_string: str,
    feature: { type: 'object' },
    data_classification: { type: 'object' },
    data_classifications: { type: 'array' },
  },
  additionalProperties: false,
  anyOf: [{ required: ['name'] }, { required: ['uid'] }],
} as const;

const metadata = {
  type: 'object',
  required: ['product', 'version'],
  properties: {
    correlation_uid: str,
    debug: strArray,
    event_code: str,
    extension: { type: 'object' },
    extensions: { type: 'array' },
    labels: strArray,
    log_level: str,
    log_name: str,
    log_provider: str,
    log_version: str,
    logged_time: timestamp,
    loggers: { type: 'array' },
    modified_time: timestamp,
    original_time: str,
    processed_time: timestamp,
    product,
    profiles: strArray,
    sequence: { type: 'integer' },
    tags: { type: 'array' },
    tenant_uid: str,
    transformation_info_list: { type: 'array' },
    uid: str,
    version: { type: 'string', pattern: '^1\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$' },
  },
  additionalProperties: false,
} as const;

const findingInfo = {
  type: 'object',
  required: ['uid'],
  properties: {
    analytic: { type: 'object' },
    attacks: { type: 'array' },
    created_time: timestamp,
    data_sources: strArray,
    desc: str,
    first_seen_time: timestamp,
    kill_chain: { type: 'array' },
    last_seen_time: timestamp,
    modified_time: timestamp,
    product,
    product_uid: str,
    related_analytics: { type: 'array' },
    related_events: { type: 'array' },
    related_events_count: { type: 'integer' },
    src_url: { type: 'string', pattern: '^https?://' },
    tags: { type: 'array' },
    title: str,
    traits: { type: 'array' },
    types: strArray,
    uid: { type: 'string', minLength: 1 },
    uid_alt: str,
  },
  additionalProperties: false,
} as const;

const EVIDENCE_AT_LEAST_ONE = ['actor', 'api', 'connection_info', 'data', 'database', 'databucket', 'device', 'dst_endpoint', 'email', 'file', 'process', 'query', 'resources', 'src_endpoint', 'url', 'user', 'job', 'script'];

const evidence = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      ['actor', 'api', 'connection_info', 'container', 'database', 'databucket', 'device', 'dst_endpoint', 'email', 'file', 'http_request', 'http_response', 'job', 'process', 'query', 'script', 'src_endpoint', 'tls', 'url', 'user'].map((k) => [k, { type: 'object' }]),
    ),
    data: any,
    ja4_fingerprint_list: { type: 'array' },
    name: str,
    resources: { type: 'array' },
    uid: str,
    verdict: str,
    verdict_id: { enum: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99] },
  },
  additionalProperties: false,
  anyOf: EVIDENCE_AT_LEAST_ONE.map((k) => ({ required: [k] })),
} as const;

const resource = {
  type: 'object',
  properties: {
    agent_list: { type: 'array' },
    cloud_partition: str,
    created_time: timestamp,
    criticality: str,
    data: any,
    group: { type: 'object' },
    hostname: str,
    ip: str,
    is_backed_up: { type: 'boolean' },
    labels: strArray,
    modified_time: timestamp,
    name: str,
    namespace: str,
    owner: { type: 'object' },
    region: str,
    resource_relationship: { type: 'object' },
    tags: { type: 'array' },
    type: str,
    uid: str,
    uid_alt: str,
    version: str,
    zone: str,
  },
  additionalProperties: false,
  // An _entity: at least one of name and uid.
  anyOf: [{ required: ['name'] }, { required: ['uid'] }],
} as const;

const remediation = {
  type: 'object',
  required: ['desc'],
  properties: { desc: { type: 'string', minLength: 1 }, kb_article_list: { type: 'array' }, kb_articles: strArray, references: strArray },
  additionalProperties: false,
} as const;

/** Attributes of base_event, finding and detection_finding that we do not emit: any value. */
const OTHER_ATTRIBUTES = [
  'action', 'action_id', 'actor', 'api', 'assignee', 'assignee_group', 'attacks', 'authorizations', 'comment',
  'confidence', 'confidence_id', 'confidence_score', 'count', 'device', 'disposition', 'disposition_id', 'duration',
  'end_time', 'enrichments', 'firewall_rule', 'impact', 'impact_id', 'impact_score', 'malware', 'malware_scan_info',
  'observables', 'raw_data', 'raw_data_size', 'risk_details', 'risk_level', 'risk_level_id', 'risk_score', 'start_time',
  'status_code', 'status_detail', 'timezone_offset', 'vendor_attributes', 'vulnerabilities', 'anomaly_analyses',
  'is_suspected_breach', 'priority', 'priority_id', 'src_url', 'ticket', 'tickets', 'verdict', 'verdict_id',
];

const ACTIVITIES = [
  { id: 0, name: 'Unknown' },
  { id: 1, name: 'Create' },
  { id: 2, name: 'Update' },
  { id: 3, name: 'Close' },
  { id: 99, name: 'Other' },
];
const SEVERITIES = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical', 'Fatal'];
const STATUSES = ['Unknown', 'New', 'In Progress', 'Suppressed', 'Resolved', 'Archived'];

export const DETECTION_FINDING_SCHEMA = {
  $id: 'https://driftwatch.invalid/ocsf/1.5.0/detection_finding.json',
  type: 'object',
  required: ['activity_id', 'category_uid', 'class_uid', 'finding_info', 'metadata', 'severity_id', 'time', 'type_uid'],
  properties: {
    activity_id: { enum: ACTIVITIES.map((a) => a.id) },
    activity_name: str,
    category_uid: { const: 2 },
    category_name: { const: 'Findings' },
    class_uid: { const: 2004 },
    class_name: { const: 'Detection Finding' },
    type_uid: { enum: ACTIVITIES.map((a) => 200400 + a.id) },
    type_name: str,
    time: timestamp,
    severity_id: { enum: [0, 1, 2, 3, 4, 5, 6, 99] },
    severity: str,
    status_id: { enum: [0, 1, 2, 3, 4, 5, 99] },
    status: str,
    message: str,
    is_alert: { type: 'boolean' },
    metadata,
    finding_info: findingInfo,
    evidences: { type: 'array', items: evidence },
    resources: { type: 'array', items: resource },
    remediation,
    unmapped: { type: 'object' },
    ...Object.fromEntries(OTHER_ATTRIBUTES.map((k) => [k, any])),
  },
  additionalProperties: false,
  allOf: [
    // type_uid = class_uid * 100 + activity_id, and the siblings name their ids' captions.
    ...ACTIVITIES.map((a) => ({
      if: { properties: { activity_id: { const: a.id } }, required: ['activity_id'] },
      then: {
        properties: {
          type_uid: { const: 200400 + a.id },
          ...(a.id === 99 ? {} : { activity_name: { const: a.name }, type_name: { const: `Detection Finding: ${a.name}` } }),
        },
      },
    })),
    ...SEVERITIES.map((name, id) => ({
      if: { properties: { severity_id: { const: id } }, required: ['severity_id'] },
      then: { properties: { severity: { const: name } } },
    })),
    ...STATUSES.map((name, id) => ({
      if: { properties: { status_id: { const: id } }, required: ['status_id'] },
      then: { properties: { status: { const: name } } },
    })),
  ],
} as const;
