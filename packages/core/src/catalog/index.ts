export { REFERENCE_PATTERN, MAX_SECRET_PATH, scanReferences, hasReference, isResolvable, literalPart, secretPathProblem, referenceProblem, type ReferenceToken, type ReferenceMatch } from './references.js';
export { CatalogEntry, credentialFields, isCredentialPath, type CredentialField, type EntryPath } from './entry.js';
export { literalSecretProblems, type LiteralSecretProblem } from './literal-secrets.js';
export { diffCatalog, isEmptyChangeSet, sameEntry, changedFields, type CatalogChangeSet } from './diff.js';
export { staticCatalog, type CatalogReader, type CatalogChange } from './reader.js';
export { CatalogMessage, makeCatalogMessage } from './message.js';
export { withConfigPointers, configPointerValue, urlCredentialParts, holdsLiteralSecret, schemeBeforeReference, type UrlCredentialParts } from './config-refs.js';
