import { z } from 'zod';

/**
 * The forms in which a configured secret is recognised (see core/src/secrets/encodings.ts).
 * `in-*` means the secret was found inside a longer encoded run (a base64 or escaped blob); a
 * secret inside a longer hex run is found by its own `hex` form.
 */
export const SECRET_ENCODINGS = [
  'raw',
  'json-escaped',
  'url-encoded',
  'form-encoded',
  'base64',
  'base64url',
  'hex',
  'byte-escaped',
  'unicode-tags',
  'in-base64',
  'in-escapes',
] as const;
export const SecretEncoding = z.enum(SECRET_ENCODINGS);
export type SecretEncoding = z.infer<typeof SecretEncoding>;

/** Most exposures one observation records; past this the finding is already critical. */
export const MAX_EXPOSURES = 64;

/**
 * A configured secret found in text the server controls. Never the value: where it was found,
 * which configured value it was (`env:NAME`, `header:NAME`, `url:password` …) and in what form.
 */
export const SecretExposure = z.object({
  field: z.string().max(1024),
  source: z.string().max(300),
  encoding: SecretEncoding,
});
export type SecretExposure = z.infer<typeof SecretExposure>;
