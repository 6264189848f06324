export { probeServer, redactUrl } from './probe.js';
export type { ProbeResult, ProbeOptions } from './types.js';
export { DEFAULT_MAX_RESPONSE_BYTES } from './types.js';
export { MODEL_META_KEYS, modelsFromMeta, openAiModelsUrl, ollamaTagsUrl } from './models.js';
export { peerCertificateSha256 } from './tls-fingerprint.js';
