import * as z from 'zod';

/** Go's []byte in JSON: standard base64 with padding (null reads as empty). */
export const goBytes = z
  .string()
  .max(1 << 20)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not base64')
  .nullish()
  .transform((s) => Buffer.from(s ?? '', 'base64'));

/** Go's int in JSON (a duration is nanoseconds). */
export const goInt = z.number().int().safe();

/** A short name (an algorithm, a feature): bounded so a hostile blob cannot flood a message. */
export const goName = z.string().max(200);
