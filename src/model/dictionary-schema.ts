import * as z from 'zod';
import { nullObject } from './dictionary.ts';

/**
 * zod's z.record for outside JSON, keeping every key: z.record skips a `__proto__` key (it would
 * hit the setter on the plain object it builds) and returns an object on which `constructor`
 * reads as Object.prototype's. This parses into a null-prototype dictionary, `__proto__` included.
 */
export function dictionarySchema<T extends z.ZodType>(value: T) {
  return z
    .custom<Record<string, z.input<T>>>(isRecordObject, { message: 'expected an object' })
    .transform((input, ctx) => {
      const out = nullObject<z.output<T>>();
      for (const key of Object.keys(input)) {
        const parsed = value.safeParse(input[key]);
        if (parsed.success) out[key] = parsed.data;
        else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] });
      }
      return out;
    });
}

function isRecordObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
