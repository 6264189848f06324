/*
 * What a stdio server's argument names when it says what to run: a package at a version, a
 * container image, a script file. `npx -y @playwright/mcp@0.0.41` or
 * `ghcr.io/github/github-mcp-server:v0.13.0` is long, has letters and digits and no spaces, so
 * the "looks generated" rule (server-secrets.ts, rule 4) would take it for a token. The catalog
 * API (catalog/literal-secrets.ts) and `driftwatch import` both ask this one predicate before
 * calling such an argument a credential, so an import never writes an entry the API refuses.
 * The shapes are strict on purpose: a token that merely contains `@` or `/` is still judged.
 */

/** npm: `pkg@1.2.3`, `@scope/pkg@^1.0.0`, `pkg@latest` (names are lowercase). */
const NPM_SPEC = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*@[A-Za-z0-9.^~<>=*+_-]+$/;
/** PyPI: `pkg==1.2.3`, `pkg[extra]>=2` (PEP 440 comparison operators). */
const PYPI_SPEC = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._,-]+\])?(?:===|==|~=|!=|>=|<=)[A-Za-z0-9.*+!_-]+$/;
/** OCI image: `[registry[:port]/]repo/path[:tag][@sha256:…]`, with at least one `/` (lowercase path, as the spec requires). */
const IMAGE_REF = /^[a-z0-9][a-z0-9.-]*(?::\d{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
/** A relative file with an extension: `tools/db-mcp.js`, `dist/server-v2.mjs`. */
const RELATIVE_FILE = /^(?:[\w.-]+\/)+[\w-][\w.-]*\.[A-Za-z][A-Za-z0-9]{0,7}$/;

/** True when `arg` (one whole argument, no spaces) names a package version, an image or a file to run. */
export function isPackageSpec(arg: string): boolean {
  if (arg.length > 512) return false;
  return NPM_SPEC.test(arg) || PYPI_SPEC.test(arg) || IMAGE_REF.test(arg) || RELATIVE_FILE.test(arg);
}
