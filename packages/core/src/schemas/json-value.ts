import { z } from 'zod';
import { isWithinDepth } from '../json.js';
import { LIMITS } from '../limits.js';

/** Any JSON value, bounded in depth. Used for schemas, capabilities and _meta, which we keep verbatim. */
export const BoundedJson = z
  .unknown()
  .refine((v) => isWithinDepth(v), { message: `nested deeper than ${LIMITS.maxJsonDepth} levels` });

export const BoundedObject = z
  .record(z.string().max(LIMITS.maxTextLength), z.unknown())
  .refine((v) => isWithinDepth(v), { message: `nested deeper than ${LIMITS.maxJsonDepth} levels` });

export const Text = z.string().max(LIMITS.maxTextLength);

/** Server text that reaches a model (descriptions, titles, instructions): kept whole up to 1 MiB. */
export const SurfaceText = z.string().max(LIMITS.maxSurfaceTextLength);
