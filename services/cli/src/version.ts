/** Driftwatch's version: `driftwatch --version` and OCSF `metadata.product.version`. Keep in step with package.json. */
export const VERSION = '0.1.0';
