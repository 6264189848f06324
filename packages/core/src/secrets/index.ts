export { createScrubber, maskOf, SHORT_SECRET_LENGTH, type Scrubber, type ScrubHit, type SecretValue } from './scrubber.js';
export { encodedForms, type Needle } from './encodings.js';
export { base64Cores, MIN_BLOB_SECRET_BYTES } from './blob-check.js';
export { recordEnvSubstitutions, envSubstitutionsOf, type EnvSubstitution } from './provenance.js';
export { secretsOfServer, secretsOfConfig, isCredentialName, isLiteralSecret, looksGenerated, LITERAL_SECRET_MIN_LENGTH } from './server-secrets.js';
export { secretsOfReceivers } from './receiver-secrets.js';
export { isPackageSpec } from './package-spec.js';
export { maskObservation } from './mask-observation.js';
export { groupExposures, exposureSummary, type ExposedSecret } from './exposed-secrets.js';
