/** The drift engine: canonical form, fingerprints, the change taxonomy and the structural diff. */
export { canonicalJson, sha256Hex, fingerprintJson, CanonicalJsonError } from './canonical.js';
export {
  ANNOTATION_DEFAULTS,
  normalizeAnnotations,
  fingerprintObservation,
  fingerprintTool,
  toolContentKey,
  serverSurface,
} from './fingerprint.js';
export { KIND_INFO, type KindInfo } from './taxonomy.js';
export { kindSeverity, strongestGrade, type KindGrade } from './kind-severity.js';
export { diffObservations, evidenceFingerprint, type Change } from './diff/index.js';
export { compareSchemas, gradeSchemaChange, isFreeText, type SchemaComparison, type SchemaFinding, type SchemaDirection } from './diff/schema-widening.js';
export { compareAnnotations, type AnnotationFinding } from './diff/annotations.js';
export { textEdit, type TextEdit } from './diff/text.js';
export { checkPinnedModels, type PinnedModel } from './diff/pinned-models.js';
