import { Ajv } from 'ajv';
import { DETECTION_FINDING_SCHEMA } from './ocsf-detection-finding.schema.js';

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true });
const validate = ajv.compile(DETECTION_FINDING_SCHEMA);

/** Problems of an event against the OCSF 1.5.0 Detection Finding schema; empty when valid. */
export function ocsfProblems(event: unknown): string[] {
  if (validate(event)) return [];
  return (validate.errors ?? []).map((e) => `ocsf ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
